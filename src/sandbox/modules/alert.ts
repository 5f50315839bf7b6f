/**
 * Heka's alert module (spec/sandbox.md §6): throttled alerts sent as `inject_payload("alert", "", msg)`.
 * `_LAST_ALERT` is part of the sandbox's preserved state.
 */

export interface AlertState {
  last_alert: number;
  throttle: number;
  queue: string[];
}

const ONE_HOUR_NS = 3600e9;

export class AlertModule {
  constructor(
    private readonly injectAlert: (msg: string) => void,
    public state: AlertState = { last_alert: 0, throttle: ONE_HOUR_NS, queue: [] },
  ) {}

  setThrottle(nsDuration: number): void {
    this.state.throttle = nsDuration;
  }

  throttled(ns: number): boolean {
    if (ns === 0) return false;
    const last = this.state.last_alert;
    return ns < last || ns - last <= this.state.throttle;
  }

  send(ns: number, msg: string | null | undefined): boolean {
    if (msg === undefined || msg === null || msg === '' || this.throttled(ns)) return false;
    this.injectAlert(msg);
    this.state.last_alert = Math.max(this.state.last_alert, ns);
    return true;
  }

  queue(ns: number, msg: string | null | undefined): boolean {
    if (msg === undefined || msg === null || msg === '' || this.throttled(ns)) return false;
    this.state.queue.push(msg);
    return true;
  }

  sendQueue(ns: number): boolean {
    if (this.state.queue.length === 0) return false;
    const sent = this.send(ns, this.state.queue.join('\n'));
    if (sent) this.state.queue = [];
    return sent;
  }
}
