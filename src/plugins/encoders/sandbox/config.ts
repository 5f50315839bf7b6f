/** SandboxEncoder options (spec/sandbox.md §1.1, §1.6). */
import { defineOptions } from '../../../plugin-api/index.js';
import { SANDBOX_COMMON_OPTIONS, type SandboxCommonConfig } from '../../../sandbox/options.js';

export const options = defineOptions({ ...SANDBOX_COMMON_OPTIONS });

export type SandboxEncoderConfig = SandboxCommonConfig;
