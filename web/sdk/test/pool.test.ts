// The pool against a naive model: a server that assigns seqs, our sends,
// peers' messages, and deliveries in any order, repeated, with or without
// their msgid. After every step the pool must hold exactly what the model
// says, in the model's order (a full sort), with nothing twice.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Message, localMessage } from '../src/message.js';
import { Pool } from '../src/pool.js';

type Cmd =
  | { t: 'local' }
  | { t: 'ack'; i: number }
  | { t: 'lost'; i: number }
  | { t: 'peer' }
  | { t: 'deliver'; i: number; withId: boolean };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.constant<Cmd>({ t: 'local' }),
  fc.record({ t: fc.constant('ack' as const), i: fc.nat(50) }),
  fc.record({ t: fc.constant('lost' as const), i: fc.nat(50) }),
  fc.constant<Cmd>({ t: 'peer' }),
  fc.record({ t: fc.constant('deliver' as const), i: fc.nat(50), withId: fc.boolean() }),
);

/** Model is the naive pool: a record per message, sorted in full on every look. */
class Model {
  stored: Array<{ msgid: string; own: boolean }> = []; // the server's history: index = seq-1
  confirmed = new Map<number, string>(); // seq → msgid ('' when seen without it)
  pending: Array<{ msgid: string; after: number; local: number }> = [];
  local = 0;
  n = 0;

  maxSeq(): number {
    return Math.max(0, ...this.confirmed.keys());
  }

  confirm(msgid: string, seq: number): void {
    const i = this.pending.findIndex((p) => p.msgid === msgid);
    if (i < 0) {
      return;
    }
    const [me] = this.pending.splice(i, 1);
    this.confirmed.set(seq, msgid);
    for (const p of this.pending) {
      if (p.local > me!.local && p.after < seq) {
        p.after = seq;
      }
    }
  }

  order(): string[] {
    const all = [
      ...[...this.confirmed].map(([seq, id]) => ({ k: [seq, 0], id: `s${seq}:${id}` })),
      ...this.pending.map((p) => ({ k: [p.after, p.local], id: `p:${p.msgid}` })),
    ];
    all.sort((a, b) => a.k[0]! - b.k[0]! || a.k[1]! - b.k[1]!);
    return all.map((x) => x.id);
  }
}

function view(p: Pool): string[] {
  return p.items.map((m) => (m.confirmed ? `s${m.seq}:${m.msgid}` : `p:${m.msgid}`));
}

function step(pool: Pool, model: Model, c: Cmd): void {
  switch (c.t) {
    case 'local': {
      const id = `m${++model.n}`;
      model.pending.push({ msgid: id, after: model.maxSeq(), local: ++model.local });
      pool.addLocal(localMessage('t', id, 'me', { txt: id }));
      return;
    }
    case 'ack': {
      if (model.pending.length === 0) {
        return;
      }
      const p = model.pending[c.i % model.pending.length]!;
      // The server stores it once; an ack after a delivery changes nothing.
      let seq = model.stored.findIndex((s) => s.msgid === p.msgid) + 1;
      if (seq === 0) {
        model.stored.push({ msgid: p.msgid, own: true });
        seq = model.stored.length;
      }
      const other = model.confirmed.get(seq);
      if (other === '') {
        model.confirmed.delete(seq);
      }
      model.confirm(p.msgid, seq);
      pool.confirm(p.msgid, seq);
      return;
    }
    case 'lost': {
      // Stored, but the ack never came: only a delivery can confirm it now.
      if (model.pending.length === 0) {
        return;
      }
      const p = model.pending[c.i % model.pending.length]!;
      if (!model.stored.some((s) => s.msgid === p.msgid)) {
        model.stored.push({ msgid: p.msgid, own: true });
      }
      return;
    }
    case 'peer':
      model.stored.push({ msgid: `x${++model.n}`, own: false });
      return;
    case 'deliver': {
      if (model.stored.length === 0) {
        return;
      }
      const seq = (c.i % model.stored.length) + 1;
      const s = model.stored[seq - 1]!;
      const msgid = c.withId ? s.msgid : '';
      const pendingMine = msgid !== '' && model.pending.some((p) => p.msgid === msgid);
      if (pendingMine) {
        if (model.confirmed.get(seq) === '') {
          model.confirmed.delete(seq);
        }
        model.confirm(msgid, seq);
      } else if (!model.confirmed.has(seq) && !(msgid && [...model.confirmed.values()].includes(msgid))) {
        model.confirmed.set(seq, msgid);
      }
      pool.insert(new Message({ msgid, topic: 't', from: s.own ? 'me' : 'peer', own: s.own, content: {},
        seq, status: 'sent', ts: new Date() }));
      return;
    }
  }
}

describe('Pool', () => {
  it('matches a naive sorted model under any order of sends, acks and deliveries', () => {
    fc.assert(fc.property(fc.array(cmd, { maxLength: 120 }), (cmds) => {
      const pool = new Pool();
      const model = new Model();
      for (const c of cmds) {
        step(pool, model, c);
        expect(view(pool)).toEqual(model.order());
      }
      for (let i = 1; i < pool.items.length; i++) {
        const a = pool.items[i - 1]!.key;
        const b = pool.items[i]!.key;
        expect(a.seq < b.seq || (a.seq === b.seq && a.local < b.local)).toBe(true);
      }
      for (const m of pool.items) {
        if (m.confirmed) {
          expect(pool.bySeq(m.seq)).toBe(m);
        }
        if (m.msgid) {
          expect(pool.get(m.msgid)).toBe(m);
        }
      }
    }), { numRuns: 300 });
  });

  it('places a send after the last seq seen and keeps later sends after it when it is confirmed', () => {
    const pool = new Pool();
    pool.insert(new Message({ msgid: 'a', topic: 't', from: 'p', own: false, content: 1, seq: 1, status: 'sent', ts: new Date() }));
    const x = localMessage('t', 'x', 'me', 'x');
    const y = localMessage('t', 'y', 'me', 'y');
    pool.addLocal(x);
    pool.addLocal(y);
    pool.insert(new Message({ msgid: 'b', topic: 't', from: 'p', own: false, content: 2, seq: 2, status: 'sent', ts: new Date() }));
    expect(pool.items.map((m) => m.msgid)).toEqual(['a', 'x', 'y', 'b']);
    pool.confirm('x', 3);
    expect(pool.items.map((m) => m.msgid)).toEqual(['a', 'b', 'x', 'y']);
    expect(x.status).toBe('sent');
    expect(y.seq).toBe(0);
  });

  it('raises own messages to delivered and read, also those confirmed after the mark', () => {
    const pool = new Pool();
    const a = localMessage('t', 'a', 'me', 1);
    const b = localMessage('t', 'b', 'me', 2);
    pool.addLocal(a);
    pool.addLocal(b);
    pool.confirm('a', 1);
    expect(pool.markPeer('read', 2).map((m) => m.msgid)).toEqual(['a']);
    pool.confirm('b', 2);
    expect([a.status, b.status]).toEqual(['read', 'read']);
  });
});
