/** SandboxFilter options (spec/sandbox.md §1.1, §1.4). */
import { defineOptions } from '../../../plugin-api/index.js';
import { SANDBOX_COMMON_OPTIONS, type SandboxCommonConfig } from '../../../sandbox/options.js';

export const options = defineOptions({
  ...SANDBOX_COMMON_OPTIONS,
  timer_event_on_shutdown: { type: 'bool', default: false, doc: 'Call timer_event once more when stopping normally.' },
});

export interface SandboxFilterConfig extends SandboxCommonConfig {
  timer_event_on_shutdown: boolean;
}
