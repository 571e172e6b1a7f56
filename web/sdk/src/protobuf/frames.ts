// The parley-protobuf frame: one or more messages, each prefixed with its
// length as an unsigned varint (protobuf's delimited format).

import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { clientToWire } from './client.js';
import { ClientMsgSchema, ServerMsgSchema } from './gen/parley_pb.js';
import { serverFromWire } from './server.js';
import { serverToJSONText } from './text.js';
import type { Obj } from './values.js';

/** encodeClientFrame encodes client frames (Tinode JSON objects) as one binary frame. */
export function encodeClientFrame(frames: Obj[]): Uint8Array {
  const w = new BinaryWriter();
  for (const f of frames) {
    w.bytes(toBinary(ClientMsgSchema, clientToWire(f)));
  }
  return w.finish();
}

/**
 * decodeServerFrame decodes a binary frame into the Tinode JSON objects of
 * its server messages, in order; it throws on a frame that is not a
 * sequence of length-prefixed ServerMsgs.
 */
export function decodeServerFrame(frame: Uint8Array): Obj[] {
  const r = new BinaryReader(frame);
  const out: Obj[] = [];
  while (r.pos < r.len) {
    const m = serverFromWire(fromBinary(ServerMsgSchema, r.bytes()));
    if (m) {
      out.push(m);
    }
  }
  return out;
}

/**
 * decodeServerFrameText is decodeServerFrame with each message as its JSON
 * text, the form the SDK's receive path reads (serverToJSONText).
 */
export function decodeServerFrameText(frame: Uint8Array): string[] {
  const r = new BinaryReader(frame);
  const out: string[] = [];
  while (r.pos < r.len) {
    const t = serverToJSONText(fromBinary(ServerMsgSchema, r.bytes()));
    if (t !== undefined) {
      out.push(t);
    }
  }
  return out;
}
