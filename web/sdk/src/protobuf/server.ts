// Server messages: a pbx ServerMsg into the Tinode JSON object the SDK's
// receive path reads, with the keys and the omissions of the server's JSON
// codec, so a frame reads the same whichever codec carried it.

import {
  CallEvent, InfoNote, ServerPres_What, type AccessMode, type ServerMeta, type ServerMsg, type TopicDesc,
  type TopicSub,
} from './gen/parley_pb.js';
import { compact, jsonValue, rangesJSON, time, valueMap, withValues, type Obj } from './values.js';

/** enumName is the JSON name of an enum number ('' for 0, unset), as the server spells it. */
function enumName(e: Record<number, string>, n: number): string {
  return n === 0 ? '' : (e[n] ?? '').toLowerCase().replace(/_/g, '-');
}

/** serverFromWire converts one server message; undefined when it carries none this SDK knows. */
export function serverFromWire(w: ServerMsg): Obj | undefined {
  const m = w.Message;
  switch (m.case) {
    case 'ctrl': {
      const c = m.value;
      return { ctrl: compact({ id: c.id, topic: c.topic, code: c.code, text: c.text, params: valueMap(c.params),
        ts: time(c.timestamp) }) };
    }
    case 'data': {
      const d = m.value;
      // topic and seq are always there, as the server's JSON always has them.
      return { data: withValues({ topic: d.topic, ...compact({ from: d.fromUserId, ts: time(d.timestamp),
        deleted: time(d.deletedAt) }), seq: d.seqId }, { head: valueMap(d.head), content: jsonValue(d.content) }) };
    }
    case 'pres': {
      const p = m.value;
      return { pres: compact({ topic: p.topic, src: p.src, what: enumName(ServerPres_What, p.what) || p.whatExt,
        ua: p.userAgent, seq: p.seqId, clear: p.delId, delseq: rangesJSON(p.delSeq), tgt: p.targetUserId,
        act: p.actorUserId, dacs: acs(p.acs), epoch: Number(p.epoch) }) };
    }
    case 'info': {
      const i = m.value;
      return { info: withValues(compact({ topic: i.topic, src: i.src, from: i.fromUserId,
        what: enumName(InfoNote, i.what) || i.whatExt, seq: i.seqId, event: enumName(CallEvent, i.event) }),
      { payload: jsonValue(i.payload) }) };
    }
    case 'meta':
      return { meta: meta(m.value) };
    default:
      return undefined;
  }
}

function acs(a: AccessMode | undefined): Obj | undefined {
  return a && compact({ want: a.want, given: a.given, mode: a.mode });
}

function meta(m: ServerMeta): Obj {
  return compact({
    id: m.id, topic: m.topic, ts: time(m.timestamp), desc: m.desc && desc(m.desc),
    sub: m.sub.length ? m.sub.map(sub) : undefined,
    del: m.del && compact({ clear: m.del.delId, delseq: rangesJSON(m.del.delSeq) }),
    tags: m.tags.length ? m.tags : undefined,
    cred: m.cred.length ? m.cred.map((c) => compact({ meth: c.method, val: c.value, done: c.done })) : undefined,
  });
}

function desc(d: TopicDesc): Obj {
  return withValues(compact({
    created: time(d.createdAt), updated: time(d.updatedAt), touched: time(d.touchedAt), online: d.online,
    defacs: d.defacs && compact({ auth: d.defacs.auth, anon: d.defacs.anon }), acs: acs(d.acs), seq: d.seqId,
    read: d.readId, recv: d.recvId, clear: d.delId, epoch: Number(d.epoch), subcnt: d.subCount, state: d.state,
  }), { public: jsonValue(d.public), private: jsonValue(d.private), trusted: jsonValue(d.trusted) });
}

function sub(s: TopicSub): Obj {
  const seen = s.lastSeenTime !== 0n || s.lastSeenUserAgent
    ? compact({ when: time(s.lastSeenTime), ua: s.lastSeenUserAgent }) : undefined;
  return withValues(compact({
    updated: time(s.updatedAt), deleted: time(s.deletedAt), touched: time(s.touchedAt), online: s.online,
    acs: acs(s.acs) ?? {}, read: s.readId, recv: s.recvId, user: s.userId, topic: s.topic, seq: s.seqId,
    clear: s.delId, seen,
  }), { public: jsonValue(s.public), trusted: jsonValue(s.trusted), private: jsonValue(s.private) });
}
