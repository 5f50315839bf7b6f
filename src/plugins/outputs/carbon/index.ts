import { definePlugin } from '../../../plugin-api/index.js';
import { splitHostPort } from '../../../net/host-port.js';
import { carbonOptions, type CarbonConfig } from './config.js';
import { CarbonOutput } from './carbon-output.js';

export default definePlugin({
  kind: 'output',
  type: 'CarbonOutput',
  summary: 'Sends the Graphite plaintext lines of message payloads (heka.statmetric) to Carbon over TCP or UDP.',
  options: carbonOptions,
  validate(config) {
    const issues: Array<{ option: string; reason: string }> = [];
    const p = config['protocol'];
    if (p !== '' && p !== 'tcp' && p !== 'udp') {
      issues.push({ option: 'protocol', reason: `CarbonOutput: "${String(p)}" is not a supported protocol, must be "tcp" or "udp"` });
    }
    if (typeof config['address'] === 'string' && splitHostPort(config['address']) === null) {
      issues.push({ option: 'address', reason: `invalid address '${config['address']}' (want host:port)` });
    }
    if (config['max_batch_bytes'] === 0) issues.push({ option: 'max_batch_bytes', reason: 'must be greater than 0' });
    return issues;
  },
  create: (config: CarbonConfig, ctx) => new CarbonOutput(config, ctx.clock),
});
