/**
 * Built-in `lua_filters/http_status.lua` (spec/sandbox.md §3.2): counts HTTP status classes per
 * row of a circular buffer and injects it as `cbuf` "HTTP Status" on each tick, with optional
 * anomaly detection and alerts.
 */
import type { Message } from '../../core/message.js';
import { CircularBuffer } from '../circular-buffer.js';
import type { BuiltinSandbox, SandboxRuntime, SandboxScript } from '../host.js';
import { parseAnomalyConfig } from '../modules/anomaly.js';
import { configNumber, configString, graphTimerEvent, numericField, restoreGraphState, saveGraphState } from './common.js';

const TITLE = 'HTTP Status';

export function createHttpStatus(rt: SandboxRuntime): SandboxScript {
  const secPerRow = configNumber(rt, 'sec_per_row', 60);
  const rows = configNumber(rt, 'rows', 1440);
  const anomaly = parseAnomalyConfig(configString(rt, 'anomaly_config', undefined));
  const alertThrottle = configNumber(rt, 'alert_throttle', 3600);
  const version = configNumber(rt, 'preservation_version', 0) + 1;
  // 0.11 option; Heka 0.10 always reads Fields[status].
  const statusField = configString(rt, 'status_field', 'status')!;

  const cbuf = new CircularBuffer(rows, 6, secPerRow);
  cbuf.setHeader(1, 'HTTP_100');
  cbuf.setHeader(2, 'HTTP_200');
  cbuf.setHeader(3, 'HTTP_300');
  cbuf.setHeader(4, 'HTTP_400');
  cbuf.setHeader(5, 'HTTP_500');
  cbuf.setHeader(6, 'HTTP_UNKNOWN');
  rt.alert.setThrottle(alertThrottle * 1e9);
  rt.annotation.setPrune(TITLE, rows * secPerRow * 1e9);

  return {
    preservationVersion: version,
    processMessage(msg: Message): number {
      const ts = msg.timestamp;
      const sc = numericField(msg, statusField);
      if (sc === undefined || ts === undefined) return -1;
      const c = sc / 100;
      cbuf.add(ts, c >= 1 && c < 6 ? Math.trunc(c) : 6, 1);
      return 0;
    },
    timerEvent(ns: number): void {
      graphTimerEvent(rt, ns, TITLE, cbuf, anomaly);
    },
    saveState: () => saveGraphState(rt, cbuf),
    restoreState: (s) => restoreGraphState(rt, cbuf, s),
  };
}

export const httpStatusBuiltin: BuiltinSandbox = {
  file: 'lua_filters/http_status.lua',
  kind: 'filter',
  configKeys: ['sec_per_row', 'rows', 'anomaly_config', 'alert_throttle', 'preservation_version', 'status_field'],
  create: createHttpStatus,
};
