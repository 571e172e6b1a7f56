// Client messages: the SDK's Tinode JSON frame (as an object) into a pbx
// ClientMsg, field by field as the server's internal/pbx reads it back.

import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  AuthLevel, CallEvent, ClientDel_What, ClientMsgSchema, InfoNote, type ClientCredSchema, type ClientMsg,
  type GetOptsSchema, type GetQuerySchema, type SetDescSchema, type SetQuerySchema,
} from './gen/parley_pb.js';
import {
  base64Bytes, bool, bytesMap, int, jsonBytes, millis, obj, rangesOf, str, strings, utf8, type Obj,
} from './values.js';

type Init = MessageInitShape<typeof ClientMsgSchema>;

/** enumValue finds name's number in a generated enum (by its upper-case name), or 0. */
function enumValue(e: Record<string, string | number>, name: string): number {
  const v = e[name.toUpperCase().replace(/-/g, '_')];
  return typeof v === 'number' ? v : 0;
}

/**
 * clientToWire converts one client frame ({hi}, {pub}, …). A kind of note
 * the enum has no value for travels in what_ext. It throws on a frame with
 * no message it knows.
 */
export function clientToWire(frame: Obj): ClientMsg {
  const init: Init = { Message: message(frame) };
  const extra = obj(frame.extra);
  if (extra) {
    init.extra = { attachments: strings(extra, 'attachments'), onBehalfOf: str(extra, 'obo'),
      authLevel: enumValue(AuthLevel, str(extra, 'authlevel')) };
  }
  return create(ClientMsgSchema, init);
}

function message(f: Obj): Init['Message'] {
  let m: Obj | undefined;
  if ((m = obj(f.hi))) {
    return { case: 'hi', value: { id: str(m, 'id'), userAgent: str(m, 'ua'), ver: str(m, 'ver'),
      deviceId: str(m, 'dev'), lang: str(m, 'lang'), platform: str(m, 'platf'), background: bool(m, 'bkg') } };
  }
  if ((m = obj(f.pub))) {
    return { case: 'pub', value: { id: str(m, 'id'), topic: str(m, 'topic'), noEcho: bool(m, 'noecho'),
      head: bytesMap(m.head), content: jsonBytes(m.content) } };
  }
  if ((m = obj(f.note))) {
    const what = str(m, 'what');
    const known = enumValue(InfoNote, what);
    return { case: 'note', value: { topic: str(m, 'topic'), what: known, whatExt: known ? '' : what,
      seqId: int(m, 'seq'), unread: int(m, 'unread'), event: enumValue(CallEvent, str(m, 'event')),
      payload: jsonBytes(m.payload) } };
  }
  if ((m = obj(f.datares))) {
    const acks = Array.isArray(m.acks) ? m.acks.map((a) => obj(a) ?? {}) : [];
    return { case: 'datares', value: { id: str(m, 'id'), acks: acks.map((a) => ({ topic: str(a, 'topic'),
      seq: int(a, 'seq'), ranges: rangesOf(a.ranges) })) } };
  }
  if ((m = obj(f.get))) {
    return { case: 'get', value: { id: str(m, 'id'), topic: str(m, 'topic'), query: getQuery(m) } };
  }
  if ((m = obj(f.sub))) {
    const set = obj(m.set);
    const get = obj(m.get);
    return { case: 'sub', value: { id: str(m, 'id'), topic: str(m, 'topic'), setQuery: set && setQuery(set),
      getQuery: get && getQuery(get) } };
  }
  if ((m = obj(f.login))) {
    return { case: 'login', value: { id: str(m, 'id'), scheme: str(m, 'scheme'),
      secret: base64Bytes(str(m, 'secret')), cred: creds(m.cred) } };
  }
  if ((m = obj(f.acc))) {
    const desc = obj(m.desc);
    return { case: 'acc', value: { id: str(m, 'id'), userId: str(m, 'user'), token: utf8(str(m, 'token')),
      state: str(m, 'status'), authLevel: enumValue(AuthLevel, str(m, 'authlevel')), scheme: str(m, 'scheme'),
      secret: base64Bytes(str(m, 'secret')), login: bool(m, 'login'), tags: strings(m, 'tags'),
      desc: desc && setDesc(desc), cred: creds(m.cred) } };
  }
  if ((m = obj(f.action))) {
    return { case: 'action', value: { id: str(m, 'id'), topic: str(m, 'topic'), what: str(m, 'what'),
      params: jsonBytes(m.params) } };
  }
  if ((m = obj(f.leave))) {
    return { case: 'leave', value: { id: str(m, 'id'), topic: str(m, 'topic'), unsub: bool(m, 'unsub') } };
  }
  if ((m = obj(f.set))) {
    return { case: 'set', value: { id: str(m, 'id'), topic: str(m, 'topic'), query: setQuery(m) } };
  }
  if ((m = obj(f.del))) {
    const cred = obj(m.cred);
    return { case: 'del', value: { id: str(m, 'id'), topic: str(m, 'topic'),
      what: enumValue(ClientDel_What, str(m, 'what')), delSeq: rangesOf(m.delseq), userId: str(m, 'user'),
      cred: cred && credOf(cred), hard: bool(m, 'hard') } };
  }
  throw new Error('parley: a client frame with no message protobuf can carry');
}

function getOpts(v: unknown): MessageInitShape<typeof GetOptsSchema> | undefined {
  const o = obj(v);
  return o && { ifModifiedSince: millis(o.ims), user: str(o, 'user'), topic: str(o, 'topic'),
    sinceId: int(o, 'since'), beforeId: int(o, 'before'), limit: int(o, 'limit'), ranges: rangesOf(o.ranges) };
}

function getQuery(q: Obj): MessageInitShape<typeof GetQuerySchema> {
  return { what: str(q, 'what'), desc: getOpts(q.desc), sub: getOpts(q.sub), data: getOpts(q.data),
    del: getOpts(q.del) };
}

function setDesc(d: Obj): MessageInitShape<typeof SetDescSchema> {
  const acs = obj(d.defacs);
  return { defaultAcs: acs && { auth: str(acs, 'auth'), anon: str(acs, 'anon') }, public: jsonBytes(d.public),
    private: jsonBytes(d.private), trusted: jsonBytes(d.trusted) };
}

function setQuery(q: Obj): MessageInitShape<typeof SetQuerySchema> {
  const desc = obj(q.desc);
  const sub = obj(q.sub);
  const cred = obj(q.cred);
  return { desc: desc && setDesc(desc), sub: sub && { userId: str(sub, 'user'), mode: str(sub, 'mode') },
    tags: strings(q, 'tags'), cred: cred && credOf(cred) };
}

function credOf(c: Obj): MessageInitShape<typeof ClientCredSchema> {
  return { method: str(c, 'meth'), value: str(c, 'val'), response: str(c, 'resp'), params: bytesMap(c.params) };
}

function creds(v: unknown): ReturnType<typeof credOf>[] {
  return Array.isArray(v) ? v.map((c) => credOf(obj(c) ?? {})) : [];
}
