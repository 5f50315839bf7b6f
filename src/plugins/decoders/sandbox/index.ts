import { definePlugin } from '../../../plugin-api/index.js';
import { validateSandbox } from '../../../sandbox/plugin-support.js';
import { options, type SandboxDecoderConfig } from './config.js';
import { SandboxDecoder } from './sandbox-decoder.js';

export default definePlugin({
  kind: 'decoder',
  type: 'SandboxDecoder',
  summary: "Decodes messages with a sandbox script: Heka's built-in decoders, or a user JS/TS script in an isolated worker.",
  options,
  validate: (config, globals) => validateSandbox(config, globals, 'decoder'),
  create: (config: SandboxDecoderConfig, ctx) => new SandboxDecoder(config, ctx),
});
