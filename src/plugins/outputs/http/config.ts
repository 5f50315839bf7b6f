import { defineOptions } from '../../../plugin-api/index.js';

const absoluteUrl = (v: unknown): string | undefined => {
  try {
    const u = new URL(String(v));
    if (u.protocol === 'http:' || u.protocol === 'https:') return undefined;
  } catch {
    /* fall through */
  }
  return '`address` must contain an absolute http or https URL.';
};

const TLS_VERSIONS = ['SSL30', 'TLS10', 'TLS11', 'TLS12', 'TLS13'];

/** The `tls` sub-table (transport.md §1.5); server-side keys are accepted and ignored by this client. */
export const tlsOptions = defineOptions({
  server_name: { type: 'string', default: '', doc: 'Name sent for SNI and verified in the certificate (default: the host of address).' },
  cert_file: { type: 'string', default: '', doc: 'PEM client certificate presented to the server.' },
  key_file: { type: 'string', default: '', doc: 'Private key of cert_file.' },
  client_auth: {
    type: 'string',
    default: '',
    doc: 'Server-side setting; accepted and ignored by a client.',
    check: (v) =>
      ['', 'NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'].includes(String(v))
        ? undefined
        : `Invalid ClientAuth value: ${String(v)}`,
  },
  ciphers: { type: 'string[]', default: [], doc: 'Allowed cipher suites by Go name (empty: the library default).' },
  insecure_skip_verify: { type: 'bool', default: false, doc: 'Accept any server certificate.' },
  prefer_server_ciphers: { type: 'bool', default: false, doc: 'Server-side setting; accepted and ignored by a client.' },
  session_tickets_disabled: { type: 'bool', default: false, doc: 'Server-side setting; accepted and ignored by a client.' },
  sesion_ticket_key: { type: 'string', default: '', doc: "Server-side setting (Heka's spelling); accepted and ignored by a client." },
  min_version: {
    type: 'string',
    default: '',
    doc: 'Lowest TLS version: SSL30 (treated as TLS10), TLS10, TLS11, TLS12, TLS13.',
    check: (v) => (v === '' || TLS_VERSIONS.includes(String(v)) ? undefined : `Invalid MinVersion: ${String(v)}`),
  },
  max_version: {
    type: 'string',
    default: '',
    doc: 'Highest TLS version, same values as min_version.',
    check: (v) => (v === '' || TLS_VERSIONS.includes(String(v)) ? undefined : `Invalid MaxVersion: ${String(v)}`),
  },
  client_cafile: { type: 'string', default: '', doc: 'Server-side setting; accepted and ignored by a client.' },
  root_cafile: { type: 'string', default: '', doc: 'PEM bundle that verifies the server instead of the system roots.' },
});

export const httpOutputOptions = defineOptions({
  address: { type: 'string', required: true, doc: 'Absolute http:// or https:// URL every request goes to.', check: absoluteUrl },
  method: {
    type: 'string',
    default: 'POST',
    doc: 'POST, PUT or GET (case-insensitive); GET sends no body.',
    check: (v) => (['POST', 'PUT', 'GET'].includes(String(v).toUpperCase()) ? undefined : 'HTTP Method must be POST, GET, or PUT.'),
  },
  headers: { type: 'table', default: {}, doc: 'Extra request headers: each key maps to an array of values, sent as written.' },
  username: { type: 'string', default: '', doc: 'HTTP Basic auth user (Basic auth is used when username or password is set).' },
  password: { type: 'string', default: '', doc: 'HTTP Basic auth password.' },
  http_timeout: { type: 'uint', default: 0, doc: 'Whole-request timeout in milliseconds (0 = none).' },
  tls: { type: 'table', doc: 'Client TLS settings for https addresses.', schema: tlsOptions },
});

export interface TlsConfig {
  server_name: string;
  cert_file: string;
  key_file: string;
  client_auth: string;
  ciphers: string[];
  insecure_skip_verify: boolean;
  prefer_server_ciphers: boolean;
  session_tickets_disabled: boolean;
  sesion_ticket_key: string;
  min_version: string;
  max_version: string;
  client_cafile: string;
  root_cafile: string;
}

export interface HttpOutputConfig {
  address: string;
  method: string;
  headers: Record<string, unknown>;
  username: string;
  password: string;
  http_timeout: number;
  tls?: TlsConfig;
}

/** Cross-option checks: header values must be arrays of strings. */
export function validateHttpOutput(config: Record<string, unknown>): Array<{ option: string; reason: string }> {
  const out: Array<{ option: string; reason: string }> = [];
  const headers = (config.headers ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(headers)) {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      out.push({ option: 'headers', reason: `header '${k}' must be an array of strings, e.g. ${k} = ["value"]` });
    }
  }
  const tls = config.tls as TlsConfig | undefined;
  if (tls) {
    const order = ['SSL30', 'TLS10', 'TLS11', 'TLS12', 'TLS13'];
    if (tls.min_version && tls.max_version && order.indexOf(tls.max_version) < order.indexOf(tls.min_version)) {
      out.push({ option: 'tls', reason: `MaxVersion (${tls.max_version}) must be newer than MinVersion (${tls.min_version})` });
    }
  }
  return out;
}
