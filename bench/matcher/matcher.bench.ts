/**
 * Matcher evaluations per second for the guide's matchers over a pool of varied messages. The
 * results are folded into a checksum so the JIT cannot drop the evaluations.
 */
import { Message, FieldType, newUuid } from '../../src/core/message.js';
import { compileMatcher } from '../../src/matcher/index.js';

export const GUIDE_MATCHERS = [
  "Type == 'nginx.access'",
  'TRUE',
  "Type == 'heka.statmetric'",
  "Type == 'heka.sandbox-output' && Fields[payload_type] == 'cbuf'",
  "Type == 'heka.all-report' || Type == 'heka.sandbox-terminated' || Type == 'heka.sandbox-output'",
  "Type == 'heka.sandbox-output' && Logger == 'http_status' && Fields[payload_type] == 'alert'",
  'Fields[status] >= 500 && Type =~ /^nginx/',
];

function messagePool(n: number): Message[] {
  const types = ['nginx.access', 'heka.statmetric', 'logfile', 'heka.sandbox-output', 'heka.all-report', 'nginx.error'];
  const pool: Message[] = [];
  for (let i = 0; i < n; i++) {
    const m = new Message();
    m.uuid = newUuid();
    m.timestamp = 1.7e18 + i * 1e6;
    m.type = types[i % types.length]!;
    m.logger = i % 3 === 0 ? 'http_status' : 'nginx_access_logs';
    m.payload = `127.0.0.1 - - [10/Feb/2014:16:46:41 +0000] "GET /p/${i} HTTP/1.1" 200 ${i}`;
    m.hostname = 'web1';
    m.addField('status', FieldType.INTEGER, [200, 200, 404, 500, 503, 301][i % 6]!);
    m.addField('payload_type', FieldType.STRING, i % 2 ? 'cbuf' : 'alert');
    m.addField('request', FieldType.STRING, `GET /p/${i} HTTP/1.1`);
    pool.push(m);
  }
  return pool;
}

export function benchMatchers(seconds = 1): Array<{ matcher: string; evalsPerSec: number; checksum: number }> {
  const pool = messagePool(1024);
  const results = [];
  for (const expr of GUIDE_MATCHERS) {
    const fn = compileMatcher(expr);
    // warm up
    let sum = 0;
    for (let i = 0; i < 2_000_000; i++) if (fn(pool[i & 1023]!)) sum++;
    let evals = 0;
    const t0 = process.hrtime.bigint();
    const limit = BigInt(Math.round(seconds * 1e9));
    for (;;) {
      for (let i = 0; i < 1_000_000; i++) if (fn(pool[i & 1023]!)) sum++;
      evals += 1_000_000;
      if (process.hrtime.bigint() - t0 >= limit) break;
    }
    const ns = Number(process.hrtime.bigint() - t0);
    results.push({ matcher: expr, evalsPerSec: Math.round((evals / ns) * 1e9), checksum: sum });
  }
  return results;
}
