// The protobuf codec's conversions, field by field: client frames as the
// server decodes them, server messages read back as the JSON the server
// would have sent, and batch framing.

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ClientMsgSchema, InfoNote, ServerMsgSchema, ServerPres_What, type ClientMsg,
} from '../src/protobuf/gen/parley_pb.js';
import { decodeServerFrame, decodeServerFrameText, encodeClientFrame } from '../src/protobuf/frames.js';
import { serverFromWire } from '../src/protobuf/server.js';
import { serverToJSONText } from '../src/protobuf/text.js';
import { base64 } from '../src/wire.js';

const utf8 = (b: Uint8Array) => new TextDecoder().decode(b);

/** client encodes frames and splits them back into ClientMsgs, as the server does. */
function client(...frames: object[]): ClientMsg[] {
  const bytes = encodeClientFrame(frames as Record<string, unknown>[]);
  const out: ClientMsg[] = [];
  for (let pos = 0; pos < bytes.length;) {
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++]!;
      len |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) {
        break;
      }
    }
    out.push(fromBinary(ClientMsgSchema, bytes.subarray(pos, pos + len)));
    pos += len;
  }
  return out;
}

/** frameOf frames ServerMsgs as the server does: uvarint-delimited. */
function frameOf(...msgs: Parameters<typeof create<typeof ServerMsgSchema>>[1][]): Uint8Array {
  const w = new BinaryWriter();
  for (const m of msgs) {
    w.bytes(toBinary(ServerMsgSchema, create(ServerMsgSchema, m)));
  }
  return w.finish();
}

/** server frames ServerMsgs as the server does (uvarint-delimited) and decodes them. */
function server(...msgs: Parameters<typeof create<typeof ServerMsgSchema>>[1][]): Record<string, unknown>[] {
  const w = new BinaryWriter();
  for (const m of msgs) {
    w.bytes(toBinary(ServerMsgSchema, create(ServerMsgSchema, m)));
  }
  return decodeServerFrame(w.finish());
}

describe('protobuf client frames', () => {
  it('carries pub head and content as JSON bytes, and the login secret as its bytes', () => {
    const [pub, login] = client(
      { pub: { id: '7', topic: 'usrB', head: { msgid: 'm1', mime: 'text/x-drafty' }, content: { txt: '你好' } },
        extra: { attachments: ['/v0/file/s/a.png'] } },
      { login: { id: '8', scheme: 'basic', secret: base64('alice:pass123') } });
    expect(pub!.Message.case).toBe('pub');
    const p = pub!.Message.value as { id: string; topic: string; head: Record<string, Uint8Array>; content: Uint8Array };
    expect([p.id, p.topic]).toEqual(['7', 'usrB']);
    expect(utf8(p.head.msgid!)).toBe('"m1"');
    expect(JSON.parse(utf8(p.content))).toEqual({ txt: '你好' });
    expect(pub!.extra?.attachments).toEqual(['/v0/file/s/a.png']);
    const l = login!.Message.value as { scheme: string; secret: Uint8Array };
    expect(utf8(l.secret)).toBe('alice:pass123');
  });

  it('maps note kinds to the enum, and one without a value to what_ext', () => {
    const [recv, kpa] = client({ note: { topic: 't', what: 'recv', seq: 5 } }, { note: { topic: 't', what: 'kpa' } });
    expect(recv!.Message.value).toMatchObject({ what: InfoNote.RECV, whatExt: '', seqId: 5 });
    expect(kpa!.Message.value).toMatchObject({ what: InfoNote.NOTE_UNSET, whatExt: 'kpa' });
  });

  it('carries get and sub queries with their options', () => {
    const [get, sub] = client(
      { get: { id: '1', topic: 't', what: 'data', data: { since: 3, before: 9, limit: 6 } } },
      { sub: { id: '2', topic: 't', get: { what: 'desc sub data', data: { limit: 50 } } } });
    expect(get!.Message.value).toMatchObject({ query: { what: 'data', data: { sinceId: 3, beforeId: 9, limit: 6 } } });
    expect(sub!.Message.value).toMatchObject({ getQuery: { what: 'desc sub data', data: { limit: 50 } } });
  });

  it('carries datares acks', () => {
    const [d] = client({ datares: { acks: [{ topic: 'a', seq: 4 }, { topic: 'b', seq: 9 }] } });
    expect(d!.Message.value).toMatchObject({ acks: [{ topic: 'a', seq: 4 }, { topic: 'b', seq: 9 }] });
  });

  it('refuses a frame with no message it can carry', () => {
    expect(() => client({ nothing: {} })).toThrow(/no message/);
  });
});

describe('protobuf server messages', () => {
  it('reads ctrl and data as the JSON codec writes them', () => {
    const ts = BigInt(Date.UTC(2026, 11, 6, 10, 0, 0, 123));
    const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const [ctrl, data] = server(
      { Message: { case: 'ctrl', value: { id: '3', topic: 't', code: 202, text: 'accepted',
        params: { seq: bytes(12) }, timestamp: ts } } },
      { Message: { case: 'data', value: { topic: 't', fromUserId: 'usrA', seqId: 12, timestamp: ts,
        head: { msgid: bytes('m1') }, content: bytes({ txt: 'hi' }) } } });
    expect(ctrl).toEqual({ ctrl: { id: '3', topic: 't', code: 202, text: 'accepted', params: { seq: 12 },
      ts: '2026-12-06T10:00:00.123Z' } });
    expect(data).toEqual({ data: { topic: 't', from: 'usrA', seq: 12, ts: '2026-12-06T10:00:00.123Z',
      head: { msgid: 'm1' }, content: { txt: 'hi' } } });
  });

  it('keeps content that is 0, empty text, false or an empty list', () => {
    const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    for (const content of [0, '', false, [], {}]) {
      const [data] = server({ Message: { case: 'data', value: { topic: 't', seqId: 1, content: bytes(content) } } });
      expect(data).toEqual({ data: { topic: 't', seq: 1, content } });
      const [text] = decodeServerFrameText(frameOf({ Message: { case: 'data',
        value: { topic: 't', seqId: 1, content: bytes(content) } } }));
      expect(JSON.parse(text!)).toEqual({ data: { topic: 't', seq: 1, content } });
    }
  });

  it('names presence from the enum, or from what_ext when it has no value', () => {
    const [msg, gap] = server(
      { Message: { case: 'pres', value: { topic: 'me', src: 't', what: ServerPres_What.MSG, seqId: 4 } } },
      { Message: { case: 'pres', value: { topic: 't', whatExt: 'gap', epoch: 2n } } });
    expect(msg).toEqual({ pres: { topic: 'me', src: 't', what: 'msg', seq: 4 } });
    expect(gap).toEqual({ pres: { topic: 't', what: 'gap', epoch: 2 } });
  });

  it('reads a meta with desc and subs', () => {
    const [meta] = server({ Message: { case: 'meta', value: { id: '5', topic: 't',
      desc: { seqId: 40, readId: 30, recvId: 35, epoch: 1n, acs: { want: 'JRWPS', given: 'JRWPS', mode: 'JRWPS' } },
      sub: [{ userId: 'usrB', readId: 7, acs: { mode: 'JRWP' } }] } } });
    expect(meta).toEqual({ meta: { id: '5', topic: 't',
      desc: { seq: 40, read: 30, recv: 35, epoch: 1, acs: { want: 'JRWPS', given: 'JRWPS', mode: 'JRWPS' } },
      sub: [{ user: 'usrB', read: 7, acs: { mode: 'JRWP' } }] } });
  });

  it('fails on a frame that is not a sequence of delimited messages', () => {
    expect(() => decodeServerFrame(new Uint8Array([0x05, 0x01]))).toThrow();
  });
});

describe('the JSON text of a {data} written straight from protobuf', () => {
  const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  it('reads as the object serverFromWire makes, for any topic, head and content', () => {
    fc.assert(fc.property(
      fc.string(), fc.string(), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.option(fc.integer({ min: 1, max: 4e12 }), { nil: undefined }),
      // A head key "__proto__" is left out: serverFromWire's object form drops it (assignment sets
      // the prototype) while JSON text keeps it; heads never carry it, and which form is right for
      // it is not settled here.
      fc.dictionary(fc.string().filter((k) => k !== '__proto__'), fc.jsonValue()),
      fc.option(fc.jsonValue(), { nil: undefined }),
      (topic, from, seq, deleted, head, content) => {
        const w = create(ServerMsgSchema, { Message: { case: 'data', value: { topic, fromUserId: from, seqId: seq,
          timestamp: 1796572909806n, deletedAt: deleted === undefined ? 0n : BigInt(deleted),
          head: Object.fromEntries(Object.entries(head).map(([k, v]) => [k, enc(v)])),
          content: content === undefined ? new Uint8Array(0) : enc(content) } } });
        expect(JSON.parse(serverToJSONText(w)!)).toEqual(JSON.parse(JSON.stringify(serverFromWire(w))));
      }));
  });

  it('frames other kinds through the object form', () => {
    const w = new BinaryWriter();
    w.bytes(toBinary(ServerMsgSchema, create(ServerMsgSchema, { Message: { case: 'ctrl',
      value: { id: '1', code: 200, text: 'ok' } } })));
    w.bytes(toBinary(ServerMsgSchema, create(ServerMsgSchema, { Message: { case: 'data',
      value: { topic: 't', seqId: 3, content: enc('x') } } })));
    expect(decodeServerFrameText(w.finish()).map((t) => JSON.parse(t) as unknown)).toEqual([
      { ctrl: { id: '1', code: 200, text: 'ok' } }, { data: { topic: 't', seq: 3, content: 'x' } }]);
  });
});
