/** SandboxDecoder options (spec/sandbox.md §1.1, §1.5). */
import { defineOptions } from '../../../plugin-api/index.js';
import { SANDBOX_COMMON_OPTIONS, type SandboxCommonConfig } from '../../../sandbox/options.js';

export const options = defineOptions({ ...SANDBOX_COMMON_OPTIONS });

export type SandboxDecoderConfig = SandboxCommonConfig;
