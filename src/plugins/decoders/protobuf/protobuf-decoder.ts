/**
 * ProtobufDecoder: parses the message bytes the splitter left in msg.rawBytes into the message,
 * replacing all of its content (spec/outputs.md §12). rawBytes stays, so an unmodified message is
 * forwarded verbatim by ProtobufEncoder.
 */
import type { Message } from '../../../core/message.js';
import { decodeMessage } from '../../../core/protobuf.js';
import type { Decoder } from '../../../plugin-api/index.js';

export class ProtobufDecoder implements Decoder {
  decode(msg: Message): Message {
    const raw = msg.rawBytes;
    if (raw === undefined) {
      throw new Error('ProtobufDecoder: the message has no protobuf bytes (is use_message_bytes off on the splitter?)');
    }
    return decodeMessage(raw, msg);
  }
}
