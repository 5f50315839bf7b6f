/**
 * Built-in `lua_filters/stat_graph.lua` (spec/sandbox.md §3.1): graphs StatAccumInput fields
 * (`emit_in_fields = true`) in a circular buffer named by `title`, injected on each tick.
 */
import type { Message } from '../../core/message.js';
import { CircularBuffer } from '../circular-buffer.js';
import type { BuiltinSandbox, SandboxRuntime, SandboxScript } from '../host.js';
import { parseAnomalyConfig } from '../modules/anomaly.js';
import { configNumber, configString, graphTimerEvent, numericField, restoreGraphState, saveGraphState } from './common.js';

function words(s: string): string[] {
  return s.split(/\s+/).filter((w) => w !== '');
}

export function createStatGraph(rt: SandboxRuntime): SandboxScript {
  const title = configString(rt, 'title', 'Stats')!;
  const rows = configNumber(rt, 'rows', 300);
  const secPerRow = configNumber(rt, 'sec_per_row', 1);
  const statsText = configString(rt, 'stats', undefined);
  if (statsText === undefined) throw new Error('stats configuration must be specified');
  const labelsText = configString(rt, 'stat_labels', undefined);
  if (labelsText === undefined) throw new Error('stat_labels configuration must be specified');
  const aggregation = configString(rt, 'stat_aggregation', 'sum')!;
  const unit = configString(rt, 'stat_unit', 'count')!;
  const anomaly = parseAnomalyConfig(configString(rt, 'anomaly_config', undefined));
  const version = configNumber(rt, 'preservation_version', 0);
  const stats = words(statsText);
  const labels = words(labelsText);
  if (stats.length !== labels.length) throw new Error('stats and stat_labels configuration must have the same number of items');

  const cbuf = new CircularBuffer(rows, stats.length, secPerRow);
  for (let i = 0; i < stats.length; i++) cbuf.setHeader(i + 1, labels[i]!, unit, aggregation);

  return {
    preservationVersion: version,
    processMessage(msg: Message): number {
      const ts = numericField(msg, 'timestamp');
      if (ts === undefined) return -1;
      for (let i = 0; i < stats.length; i++) {
        const v = numericField(msg, stats[i]!);
        if (v !== undefined) cbuf.add(ts * 1e9, i + 1, v);
      }
      return 0;
    },
    timerEvent(ns: number): void {
      graphTimerEvent(rt, ns, title, cbuf, anomaly);
    },
    saveState: () => saveGraphState(rt, cbuf),
    restoreState: (s) => restoreGraphState(rt, cbuf, s),
  };
}

export const statGraphBuiltin: BuiltinSandbox = {
  file: 'lua_filters/stat_graph.lua',
  kind: 'filter',
  configKeys: ['title', 'rows', 'sec_per_row', 'stats', 'stat_labels', 'stat_aggregation', 'stat_unit', 'anomaly_config', 'preservation_version'],
  create: createStatGraph,
};
