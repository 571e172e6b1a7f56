// The client's data link on a scripted server: gap fill, batched
// acknowledgements, epochs, retries with the same msgid, render-first
// send, and a 5,000-message burst processed in slices.

import { describe, expect, it } from 'vitest';
import { IndexedDbStorage, MemoryStorage } from '../src/index.js';
import { Slicer } from '../src/slicer.js';
import { connected, FakeWS, until } from './fakews.js';

const data = (topic: string, seq: number, from = 'usrPeer') =>
  ({ data: { topic, from, seq, ts: '2026-12-06T10:00:00Z', head: { msgid: `${topic}-${seq}` }, content: `m${seq}` } });

describe('slicer', () => {
  it('ends a slice once its budget is spent, whatever the items cost', async () => {
    let t = 0;
    const ends: number[] = [];
    let handled = 0;
    const s = new Slicer<number>(() => {
      handled++;
      t += 1; // each item costs 1 ms on the fake clock
    }, () => ends.push(handled), 8, () => t);
    for (let i = 0; i < 100; i++) {
      s.push(i);
    }
    await until(() => handled === 100, 'the queue to drain');
    const sizes = ends.map((n, i) => n - (ends[i - 1] ?? 0));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8);
    expect(s.stats.longestMs).toBeLessThanOrEqual(8);
    expect(s.stats.slices).toBe(ends.length);
  });
});

describe('client data link', () => {
  it('fetches a gap with get data since/before and acknowledges every topic in one datares', async () => {
    const { c, ws } = await connected({ ackDelayMs: 50 });
    await c.join('grpA');
    await c.join('grpB');
    // One socket read: the four frames are handled in one slice, before the ack delay ends.
    ws.pushNow(data('grpA', 1));
    ws.pushNow(data('grpA', 2));
    ws.pushNow(data('grpA', 5));
    ws.pushNow(data('grpB', 1));
    const get = await ws.next('get');
    expect(get).toMatchObject({ topic: 'grpA', what: 'data', data: { since: 3, before: 5 } });
    ws.push(data('grpA', 3));
    ws.push(data('grpA', 4));
    ws.push({ ctrl: { id: get.id, topic: 'grpA', code: 208, params: { what: 'data', count: 2 } } });
    await until(() => c.messagesNow('grpA').length === 5, 'the gap to be filled');
    type Ack = { topic: string; seq: number };
    const datares = () => ws.sent.filter((x) => 'datares' in x).map((x) => x.datares!.acks as Ack[]);
    await until(() => datares().some((acks) => acks.some((a) => a.topic === 'grpA' && a.seq === 5)), 'a datares up to 5');
    expect(datares()[0]).toContainEqual({ topic: 'grpB', seq: 1 }); // both topics in one frame
    expect(datares()[0]!.map((a) => a.topic).sort()).toEqual(['grpA', 'grpB']);
    expect(c.messagesNow('grpA').map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    c.close();
  });

  it('attaches again after the server evicted it from a topic (an agent released, then assigned again)', async () => {
    const { c, ws } = await connected();
    await c.join('grpE');
    expect(ws.subs.filter((t) => t === 'grpE')).toHaveLength(1);
    await c.join('grpE'); // attached: nothing to do
    expect(ws.subs.filter((t) => t === 'grpE')).toHaveLength(1);
    // Access taken away: the server detaches the session with an unsolicited ctrl 205.
    ws.pushNow({ ctrl: { topic: 'grpE', code: 205, text: 'evicted', params: { unsub: true } } });
    await until(() => c.conv('grpE').attached === 0, 'the eviction to be handled'); // frames are handled in slices
    await c.join('grpE'); // given back: a new sub, which fetches what came meanwhile
    expect(ws.subs.filter((t) => t === 'grpE')).toHaveLength(2);
    c.close();
  });

  it('acknowledges with note recv per topic on a Tinode server', async () => {
    FakeWS.build = 'mysql:v0.25.1';
    try {
      const { c, ws } = await connected({ ackDelayMs: 50 });
      await c.join('grpT1');
      await c.join('grpT2');
      ws.pushNow(data('grpT1', 1)); // one socket read: handled in one slice
      ws.pushNow(data('grpT2', 1));
      ws.pushNow(data('grpT2', 2));
      const notes = [await ws.next('note'), await ws.next('note')];
      expect(notes).toContainEqual({ topic: 'grpT1', what: 'recv', seq: 1 });
      expect(notes).toContainEqual({ topic: 'grpT2', what: 'recv', seq: 2 });
      expect(ws.sent.some((f) => 'datares' in f)).toBe(false);
      c.close();
    } finally {
      FakeWS.build = 'parley:test';
    }
  });

  it('keeps filtered messages out of the pool but acknowledges them; reports typing and receipts', async () => {
    const { c, ws } = await connected({ filter: (m) => m.head.type !== 'hidden', ackDelayMs: 50 });
    await c.join('grpF');
    const typing: string[] = [];
    const receipts: string[] = [];
    c.typing$.subscribe((t) => typing.push(`${t.topic}:${t.from}`));
    const sub = c.receipt$.subscribe((r) => receipts.push(`${r.what}:${r.seq}`));
    ws.pushNow(data('grpF', 1)); // one socket read: handled in one slice
    ws.pushNow({ data: { topic: 'grpF', from: 'usrPeer', seq: 2, head: { msgid: 'h2', type: 'hidden' }, content: 'x' } });
    ws.pushNow(data('grpF', 3));
    ws.push({ info: { topic: 'grpF', from: 'usrPeer', what: 'kp' } });
    ws.push({ info: { topic: 'grpF', from: 'usrPeer', what: 'read', seq: 3 } });
    await until(() => receipts.length === 1, 'the receipt');
    sub.unsubscribe();
    ws.push({ info: { topic: 'grpF', from: 'usrPeer', what: 'recv', seq: 3 } });
    expect(c.messagesNow('grpF').map((m) => m.seq)).toEqual([1, 3]);
    expect(typing).toEqual(['grpF:usrPeer']);
    const datares = await ws.next('datares');
    expect(datares.acks).toEqual([{ topic: 'grpF', seq: 3 }]); // the hidden one counts as received
    expect(receipts).toEqual(['read:3']); // nothing after unsubscribing
    c.close();
  });

  it('keeps each conversation\'s unread count and last message', async () => {
    const { c, ws } = await connected();
    await c.join('grpU');
    let list: Array<{ topic: string; unread: number; last?: { seq: number } }> = [];
    c.conversations$.subscribe((l) => (list = l));
    for (let i = 1; i <= 5; i++) {
      ws.push(data('grpU', i));
    }
    ws.push(data('grpU', 6, 'usrMe')); // our own, from another device: not unread
    await until(() => list.find((x) => x.topic === 'grpU')?.last?.seq === 6, 'the messages');
    expect(list.find((x) => x.topic === 'grpU')!.unread).toBe(5);
    c.noteRead('grpU', 3);
    expect(list.find((x) => x.topic === 'grpU')!.unread).toBe(2);
    expect(await ws.next('note')).toEqual({ topic: 'grpU', what: 'read', seq: 3 });
    c.close();
  });

  it('drops a conversation\'s history when its epoch changes, keeping unsent messages', async () => {
    const { c, ws } = await connected();
    await c.join('grpE');
    ws.push({ meta: { topic: 'grpE', desc: { seq: 2, epoch: 1 } } });
    ws.push(data('grpE', 1));
    ws.push(data('grpE', 2));
    await until(() => c.messagesNow('grpE').length === 2, 'the history');
    ws.sent.length = 0;
    ws.push({ pres: { topic: 'grpE', what: 'upd', epoch: 2 } });
    const get = await ws.next('get');
    expect(get).toMatchObject({ topic: 'grpE', what: 'desc data' });
    expect(c.messagesNow('grpE')).toEqual([]);
    c.close();
  });

  it('writes a send again with the same msgid after its timeout, and on a new connection', async () => {
    const { c, ws } = await connected({ sendTimeoutMs: 30, backoffBaseMs: 5, backoffMaxMs: 20 });
    await c.join('grpR');
    const m = c.send('grpR', 'hello');
    const first = await ws.next('pub');
    const again = await ws.next('pub');
    expect((again.head as { msgid: string }).msgid).toBe(m.msgid);
    expect((first.head as { msgid: string }).msgid).toBe(m.msgid);
    c.drop();
    await until(() => FakeWS.last !== ws, 'a new connection');
    const resent = await FakeWS.last!.next('pub');
    expect((resent.head as { msgid: string }).msgid).toBe(m.msgid);
    expect(c.pending).toBe(1);
    c.close();
  });

  it('shows a send synchronously, before the network, even in the middle of a burst', async () => {
    const { c, ws } = await connected();
    await c.join('grpS');
    for (let i = 1; i <= 2000; i++) {
      ws.pushNow(data('grpS', i));
    }
    const m = c.send('grpS', 'mine');
    expect(c.messagesNow('grpS').includes(m)).toBe(true);
    expect(m.status).toBe('sending');
    await until(() => c.messagesNow('grpS').length === 2001, 'the burst');
    c.close();
  });

  it('processes a 5,000-message burst in slices that yield, one list emission per slice', async () => {
    const { c, ws } = await connected();
    await c.join('grpBurst');
    let emissions = 0;
    c.messages('grpBurst').subscribe(() => emissions++);
    const before = c.stats.slices;
    for (let i = 1; i <= 5000; i++) {
      ws.pushNow(data('grpBurst', i));
    }
    await until(() => c.messagesNow('grpBurst').length === 5000, 'the burst', 10_000);
    expect(c.stats.slices - before).toBeGreaterThan(1); // it yielded in between
    expect(emissions).toBeLessThan(5000); // one list per slice, not per message
    c.close();
  });
});

describe('storage that never opens', () => {
  it('still connects and sends, keeping the outbox in memory', async () => {
    // An IndexedDB whose open is never answered, as in some private modes and headless browsers.
    const silent = { open: () => ({}) } as unknown as IDBFactory;
    const { c, ws } = await connected({ storage: new IndexedDbStorage('x', silent), storageWaitMs: 50 });
    await c.join('grpI');
    const m = c.send('grpI', 'hi');
    const pub = await ws.next('pub');
    expect((pub.head as { msgid: string }).msgid).toBe(m.msgid);
    c.close();
  });
});

describe('storage that is slow to answer', () => {
  it('does not hold the connection, and restores the saved sends when it answers', async () => {
    const storage = new MemoryStorage();
    storage.putSend({ topic: 'grpL', msgid: 'saved-1', content: 'from the last page', user: 'usrMe', order: 1, afterSeq: 0 });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const load = storage.loadOutbox.bind(storage);
    storage.loadOutbox = async () => {
      await gate;
      return load();
    };
    const { c, ws } = await connected({ storage, storageWaitMs: 20 });
    expect(c.pending).toBe(0); // connected and logged in without it
    release();
    const pub = await ws.next('pub');
    expect(pub).toMatchObject({ topic: 'grpL', head: { msgid: 'saved-1' }, content: 'from the last page' });
    expect(c.messagesNow('grpL').map((m) => m.msgid)).toEqual(['saved-1']);
    c.close();
  });
});

describe('a send that times out', () => {
  it('is failed on the page but stays in storage, so a reload tries it again', async () => {
    const storage = new MemoryStorage();
    const { c, ws } = await connected({ storage, sendTimeoutMs: 5, maxAttempts: 2 });
    await c.join('grpT');
    const m = c.send('grpT', 'unanswered');
    await ws.next('pub');
    await until(() => m.status === 'failed', 'the send to fail');
    expect((await storage.loadOutbox()).map((i) => i.msgid)).toEqual([m.msgid]);
    c.close();
  });
});
