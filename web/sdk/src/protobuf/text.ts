// The JSON text of a server message, written straight from the protobuf
// fields for {data} (the frame a catch-up is made of): its head values and
// content are JSON already, so they are copied as text instead of being
// parsed into objects and written again. Other kinds go through
// serverFromWire. The server checks every JSON value it stores, so the
// copied text is valid JSON.

import type { ServerData, ServerMsg } from './gen/parley_pb.js';
import { serverFromWire } from './server.js';
import { time } from './values.js';

const textDecoder = new TextDecoder();

/** serverToJSONText is the JSON text of one server message; undefined when it carries none this SDK knows. */
export function serverToJSONText(w: ServerMsg): string | undefined {
  if (w.Message.case === 'data') {
    return dataText(w.Message.value);
  }
  const o = serverFromWire(w);
  return o && JSON.stringify(o);
}

function dataText(d: ServerData): string {
  let s = `{"data":{"topic":${JSON.stringify(d.topic)}`;
  if (d.fromUserId) {
    s += `,"from":${JSON.stringify(d.fromUserId)}`;
  }
  const ts = time(d.timestamp);
  if (ts) {
    s += `,"ts":"${ts}"`;
  }
  const deleted = time(d.deletedAt);
  if (deleted) {
    s += `,"deleted":"${deleted}"`;
  }
  s += `,"seq":${d.seqId}`;
  let head = '';
  for (const [k, v] of Object.entries(d.head)) {
    if (v.length > 0) {
      head += `${head ? ',' : ''}${JSON.stringify(k)}:${textDecoder.decode(v)}`;
    }
  }
  if (head) {
    s += `,"head":{${head}}`;
  }
  if (d.content.length > 0) {
    s += `,"content":${textDecoder.decode(d.content)}`;
  }
  return `${s}}}`;
}
