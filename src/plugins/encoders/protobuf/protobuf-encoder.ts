/**
 * ProtobufEncoder: the message's Heka protobuf bytes (spec/outputs.md §12). A message that arrived
 * as protobuf and was not modified keeps its original bytes (msg.rawBytes) and is forwarded
 * verbatim, even when they are not in canonical form, as Heka forwards pack.MsgBytes; anything
 * else is marshalled in canonical form by encodeMessage.
 */
import type { Message } from '../../../core/message.js';
import { encodeMessage } from '../../../core/protobuf.js';
import type { Encoder } from '../../../plugin-api/index.js';

export class ProtobufEncoder implements Encoder {
  encode(msg: Message): Buffer {
    const raw = msg.rawBytes;
    if (raw !== undefined) return Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    return encodeMessage(msg);
  }
}
