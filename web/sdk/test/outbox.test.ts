// The outbox against a naive model: sends, acks, timeouts and reconnects in
// any order. Whatever happens, each connection writes the waiting sends in
// send order, an acknowledged send is never written again, the window is
// never exceeded, and every send ends acknowledged or reported expired,
// exactly once.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Outbox, type OutboxItem } from '../src/outbox.js';

type Cmd =
  | { t: 'send'; topic: number }
  | { t: 'ack'; i: number }
  | { t: 'flush' }
  | { t: 'tick'; ms: number }
  | { t: 'reconnect' };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ t: fc.constant('send' as const), topic: fc.nat(2) }),
  fc.record({ t: fc.constant('ack' as const), i: fc.nat(20) }),
  fc.constant<Cmd>({ t: 'flush' }),
  fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 1500 }) }),
  fc.constant<Cmd>({ t: 'reconnect' }),
);

const opts = { timeoutMs: 1000, maxAttempts: 3, maxInFlight: 4 };

describe('Outbox', () => {
  it('writes in send order per connection, never after the ack, within the window, and loses nothing', () => {
    fc.assert(fc.property(fc.array(cmd, { maxLength: 150 }), (cmds) => {
      const box = new Outbox(opts);
      let gen = 1;
      let now = 0;
      let n = 0;
      const added: OutboxItem[] = [];
      const acked = new Set<string>();
      const expired = new Set<string>();
      let inFlight: string[] = []; // written on this connection, not acked (the model's window)
      let firstWrites: number[] = []; // orders first written on this connection, per topic checked below
      const writtenOn = new Map<string, number>();

      const flush = () => {
        for (const topic of box.topics()) {
          const r = box.due(topic, gen, now);
          for (const it of r.expired) {
            expect(acked.has(it.msgid) || expired.has(it.msgid)).toBe(false);
            expired.add(it.msgid);
            inFlight = inFlight.filter((id) => id !== it.msgid);
          }
          let last = -1;
          for (const it of r.due) {
            expect(acked.has(it.msgid)).toBe(false);
            expect(it.order).toBeGreaterThan(last); // in send order within a write
            last = it.order;
            if (writtenOn.get(it.msgid) !== gen) {
              writtenOn.set(it.msgid, gen);
              firstWrites.push(it.order);
              inFlight.push(it.msgid);
            }
          }
          const mine = inFlight.filter((id) => added.find((a) => a.msgid === id)!.topic === topic);
          expect(mine.length).toBeLessThanOrEqual(opts.maxInFlight);
        }
      };

      for (const c of cmds) {
        switch (c.t) {
          case 'send': {
            const it = { topic: `t${c.topic}`, msgid: `m${++n}`, content: n, user: 'u', order: box.nextOrder(), afterSeq: 0 };
            added.push(it);
            box.add(it);
            break;
          }
          case 'ack': {
            if (inFlight.length > 0) {
              const id = inFlight[c.i % inFlight.length]!;
              inFlight = inFlight.filter((x) => x !== id);
              expect(box.remove(id)).toBe(true);
              acked.add(id);
            }
            break;
          }
          case 'flush':
            flush();
            break;
          case 'tick':
            now += c.ms;
            break;
          case 'reconnect':
            gen++;
            inFlight = [];
            firstWrites = [];
            break;
        }
        // Per topic, a connection's first writes follow send order.
        for (const t of ['t0', 't1', 't2']) {
          const orders = firstWrites.filter((o) => added.find((a) => a.order === o)!.topic === t);
          expect(orders).toEqual([...orders].sort((a, b) => a - b));
        }
      }
      // Drain: a fresh connection, acking everything written, ends with an empty outbox.
      gen++;
      inFlight = [];
      for (let round = 0; round < added.length + 2 && box.size > 0; round++) {
        flush();
        for (const id of inFlight) {
          box.remove(id);
          acked.add(id);
        }
        inFlight = [];
      }
      expect(box.size).toBe(0);
      for (const it of added) {
        expect(acked.has(it.msgid) !== expired.has(it.msgid)).toBe(true);
      }
    }), { numRuns: 300 });
  });

  it('keeps the send order of items restored out of order', () => {
    const box = new Outbox(opts);
    for (const o of [3, 1, 2]) {
      box.add({ topic: 't', msgid: `m${o}`, content: o, user: 'u', order: o, afterSeq: 0 });
    }
    expect(box.due('t', 1, 0).due.map((i) => i.msgid)).toEqual(['m1', 'm2', 'm3']);
    expect(box.nextOrder()).toBe(4);
  });

  describe('a preparing send (a file being uploaded)', () => {
    const item = (o: number, topic = 't') => ({ topic, msgid: `m${o}`, content: o, user: 'u', order: o, afterSeq: 0 });

    it('holds back itself and what follows it in its topic, not earlier sends nor other topics', () => {
      const box = new Outbox(opts);
      box.add(item(1));
      box.add(item(2), true);
      box.add(item(3));
      box.add(item(4, 'u'));
      expect(box.due('t', 1, 0).due.map((i) => i.msgid)).toEqual(['m1']);
      expect(box.due('u', 1, 0).due.map((i) => i.msgid)).toEqual(['m4']);
      expect(box.preparing('m2')).toBe(true);
      // Much later, on another connection: still nothing passes it.
      expect(box.due('t', 2, 1e6).due.map((i) => i.msgid)).toEqual(['m1']);
      expect(box.due('t', 2, 1e6 + 1).due).toEqual([]);
    });

    it('goes first with its final content and attachments when ready, then those behind it', () => {
      const box = new Outbox(opts);
      box.add(item(1), true);
      box.add(item(2));
      box.add(item(3));
      expect(box.due('t', 1, 0).due).toEqual([]);
      const it = box.ready('m1', { ent: 'file' }, ['/v0/file/s/x.bin']);
      expect(it?.content).toEqual({ ent: 'file' });
      expect(it?.attachments).toEqual(['/v0/file/s/x.bin']);
      expect(box.preparing('m1')).toBe(false);
      expect(box.ready('m1', 'again')).toBeUndefined(); // only once
      const due = box.due('t', 1, 0).due;
      expect(due.map((i) => i.msgid)).toEqual(['m1', 'm2', 'm3']);
      expect(due[0]!.content).toEqual({ ent: 'file' });
    });

    it('lets the sends behind it go when removed (the upload failed)', () => {
      const box = new Outbox(opts);
      box.add(item(1), true);
      box.add(item(2));
      box.add(item(3));
      expect(box.remove('m1')).toBe(true);
      expect(box.due('t', 1, 0).due.map((i) => i.msgid)).toEqual(['m2', 'm3']);
      expect(box.ready('m1', 'late')).toBeUndefined();
    });

    it('does not count against the window, and the window still applies behind it', () => {
      const box = new Outbox(opts);
      box.add(item(1), true);
      for (let o = 2; o <= 8; o++) {
        box.add(item(o));
      }
      box.ready('m1', 'file');
      expect(box.due('t', 1, 0).due.map((i) => i.msgid)).toEqual(['m1', 'm2', 'm3', 'm4']);
    });

    it('holds back a second file behind the first, each in turn', () => {
      const box = new Outbox(opts);
      box.add(item(1), true);
      box.add(item(2));
      box.add(item(3), true);
      box.add(item(4));
      box.ready('m3', 'second'); // the later upload finishes first: it still waits for the first
      expect(box.due('t', 1, 0).due).toEqual([]);
      box.ready('m1', 'first');
      expect(box.due('t', 1, 0).due.map((i) => i.msgid)).toEqual(['m1', 'm2', 'm3', 'm4']);
    });
  });
});
