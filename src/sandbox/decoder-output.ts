/** How a SandboxDecoder's injections become messages (spec/sandbox.md §1.5). */
import { FieldType, Message, newUuid } from '../core/message.js';
import type { Injection } from './host.js';

/** Headers the injection left unset come from the original: Uuid (new), Timestamp, Type, Hostname, Logger, Severity, Pid. */
export function inheritHeaders(m: Message, orig: Message): Message {
  if (m.uuid === undefined) m.uuid = newUuid();
  if (m.timestamp === undefined) {
    m.timestamp = orig.timestamp;
    m.timestampExact = orig.timestampExact;
  }
  if (m.type === undefined) m.type = orig.type;
  if (m.hostname === undefined) m.hostname = orig.hostname;
  if (m.logger === undefined) m.logger = orig.logger;
  if (m.severity === undefined) m.severity = orig.severity;
  if (m.pid === undefined) m.pid = orig.pid;
  return m;
}

/** The message one decoder injection produces (inject_payload sets Payload + payload_type/payload_name). */
export function decoderOutput(inj: Injection, orig: Message): Message | null {
  switch (inj.kind) {
    case 'message':
      return inheritHeaders(inj.message, orig);
    case 'payload': {
      const m = new Message();
      m.payload = inj.payload;
      m.addField('payload_type', FieldType.STRING, inj.type, 'file-extension');
      m.addField('payload_name', FieldType.STRING, inj.name);
      return inheritHeaders(m, orig);
    }
    default:
      return null;
  }
}
