/**
 * `host:port` parsing shared by every plugin that talks to or listens on a socket (StatsdInput,
 * CarbonOutput; later TcpOutput, SmtpOutput, AMQP). Go's net.SplitHostPort rules: the port is
 * required and numeric, an IPv6 host is written in brackets, an empty host is allowed (callers
 * decide what it means: "all interfaces" for a listener, "localhost" for a client).
 */
export interface HostPort {
  host: string;
  port: number;
  /** The host was written in brackets (an IPv6 literal). */
  v6: boolean;
}

/** Parses `host:port`, `[v6]:port` or `:port`; null when the text is not of that form. */
export function splitHostPort(addr: string): HostPort | null {
  const i = addr.lastIndexOf(':');
  if (i < 0) return null;
  let host = addr.slice(0, i);
  const portS = addr.slice(i + 1);
  if (!/^\d+$/.test(portS)) return null;
  const port = Number(portS);
  if (port > 65535) return null;
  let v6 = false;
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    v6 = true;
  } else if (host.includes(':')) return null;
  return { host, port, v6 };
}
