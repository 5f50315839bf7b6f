/** Fake FilterContext and config helpers for sandbox filter tests. */
import { VirtualClock, type Clock } from '../../src/core/clock.js';
import type { Message } from '../../src/core/message.js';
import { Logger } from '../../src/log/logger.js';
import type { FilterContext, GlobalConfig } from '../../src/plugin-api/index.js';

export function globals(over: Partial<GlobalConfig> = {}): GlobalConfig {
  return {
    maxprocs: 1, poolsize: 100, plugin_chansize: 30, max_message_loops: 4, max_process_inject: 1, max_process_duration: 100000,
    max_timer_inject: 10, max_pack_idle: 120, base_dir: '/tmp', share_dir: '/usr/share/heka', sample_denominator: 1000, pid_file: '',
    hostname: 'test-host', max_message_size: 65536, log_flags: 0, full_buffer_max_retries: 10, ...over,
  };
}

export interface Harness {
  ctx: FilterContext;
  injected: Message[];
  exits: string[];
  logs: string[];
  clock: VirtualClock;
}

export function harness(name: string, g: GlobalConfig, clock: Clock & Partial<VirtualClock> = new VirtualClock(Date.UTC(2014, 1, 10, 16, 50, 0))): Harness {
  const injected: Message[] = [];
  const exits: string[] = [];
  const logs: string[] = [];
  const log = new Logger({ out: (l) => logs.push(l), err: (l) => logs.push(l) }, 0).child(`Plugin '${name}'`);
  const ctx: FilterContext = {
    name, typeName: 'SandboxFilter', log, clock, globals: g,
    reportError: (err) => logs.push(`error: ${(err as Error).message}`),
    inject: (m) => (injected.push(m), true),
    exit: (reason) => void exits.push(reason),
  };
  return { ctx, injected, exits, logs, clock: clock as VirtualClock };
}

export function filterConfig(over: Record<string, unknown>): any {
  return {
    script_type: 'lua', module_directory: '', preserve_data: false, memory_limit: 8388608, instruction_limit: 1000000,
    output_limit: 64512, profile: false, config: {}, timer_event_on_shutdown: false, ...over,
  };
}

