// What the protobuf codec costs the SDK per message, against JSON, under
// Node: a {data} message as the receive path gets it (JSON: the frame's
// text parsed; protobuf: the batch decoded, each message written as JSON
// text for the link and parsed), and a pub
// as the sender writes it. `npm run bench -- codec.ts` in web/sdk.

import { create, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { ServerMsgSchema } from '../src/protobuf/gen/parley_pb.js';
import { decodeServerFrameText, encodeClientFrame } from '../src/protobuf/frames.js';

const line = 'Hello 你好, is my order 12345 on its way? 我的订单什么时候到';
const ts = '2026-12-06T10:00:00.123Z';
const enc = new TextEncoder();
const dataJSON = (seq: number) => JSON.stringify({ data: { topic: 'usrAbCdEfGh123', from: 'usrXyZ987654',
  ts, seq, head: { msgid: `m-${seq}-7f3a9c` }, content: { txt: `${line} #${seq}` } } });
const dataPB = (seq: number) => toBinary(ServerMsgSchema, create(ServerMsgSchema, { Message: { case: 'data',
  value: { topic: 'usrAbCdEfGh123', fromUserId: 'usrXyZ987654', timestamp: BigInt(Date.parse(ts)), seqId: seq,
    head: { msgid: enc.encode(JSON.stringify(`m-${seq}-7f3a9c`)) },
    content: enc.encode(JSON.stringify({ txt: `${line} #${seq}` })) } } }));

function time(label: string, n: number, f: () => void): void {
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    f();
    const us = ((performance.now() - t0) * 1000) / n;
    console.log(`${label}: ${us.toFixed(2)} µs per message`);
  }
}

const PAGE = 100;
const ROUNDS = 200;
const jsonFrames = Array.from({ length: PAGE }, (_, i) => dataJSON(i + 1));
const w = new BinaryWriter();
for (let i = 0; i < PAGE; i++) {
  w.bytes(dataPB(i + 1));
}
const pbPage = w.finish();
console.log(`a {data}: JSON ${enc.encode(jsonFrames[0]!).length} bytes, protobuf ${dataPB(1).length} bytes`);
console.log(`a 100-message page: JSON ${jsonFrames.reduce((n, f) => n + enc.encode(f).length, 0)} bytes in 100 frames, ` +
  `protobuf ${pbPage.length} bytes in one frame (before compression)`);

let sink = 0;
time('receive, JSON (parse the frame)', PAGE * ROUNDS, () => {
  for (let r = 0; r < ROUNDS; r++) {
    for (const f of jsonFrames) {
      sink += (JSON.parse(f) as { data: { seq: number } }).data.seq;
    }
  }
});
time('receive, protobuf (decode the page, each message to JSON text, parse)', PAGE * ROUNDS, () => {
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of decodeServerFrameText(pbPage)) {
      sink += (JSON.parse(t) as { data: { seq: number } }).data.seq;
    }
  }
});
const pub = { pub: { id: '42', topic: 'usrAbCdEfGh123', head: { msgid: 'm-1-7f3a9c' }, content: { txt: line } } };
time('send a pub, JSON (stringify)', PAGE * ROUNDS, () => {
  for (let i = 0; i < PAGE * ROUNDS; i++) {
    sink += JSON.stringify(pub).length;
  }
});
time('send a pub, protobuf (stringify, parse, encode)', PAGE * ROUNDS, () => {
  for (let i = 0; i < PAGE * ROUNDS; i++) {
    sink += encodeClientFrame([JSON.parse(JSON.stringify(pub)) as Record<string, unknown>]).length;
  }
});
console.log(sink > 0 ? '' : 'never');
