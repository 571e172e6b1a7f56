// Benchmarks of the SDK's hot paths (docs/benchmarks.md has the figures):
// the pool at 100,000 messages (insert, update, lookup), a 5,000-message
// burst through a connected client (the longest slice is what the page
// would freeze for), and send() up to the message being in the pool.

import { Message, localMessage } from '../src/message.js';
import { Pool } from '../src/pool.js';
import { connected, until } from '../test/fakews.js';

const N = 100_000;

function remote(seq: number): Message {
  return new Message({ msgid: `m${seq}`, topic: 't', from: 'usrPeer', own: false, content: { txt: `m${seq}` }, seq,
    status: 'sent', ts: new Date() });
}

/** time runs f n times and returns the mean per call in microseconds. */
function time(n: number, f: (i: number) => void): number {
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    f(i);
  }
  return ((performance.now() - t) * 1000) / n;
}

function row(what: string, us: number): void {
  console.log(`${what.padEnd(58)} ${us.toFixed(2).padStart(8)} µs/op`);
}

function poolBench(): void {
  // A yardstick for the machine's state at the time: a Map lookup among 100,000 keys.
  const yard = new Map(Array.from({ length: N }, (_, i) => [`k${i}`, i]));
  row(`(yardstick) Map.get among ${N} string keys`, time(100_000, (i) => yard.get(`k${(i * 7919) % N}`)));
  // A pool of 100,000 confirmed messages at even seqs; the odd ones arrive later, in random order.
  const pool = new Pool();
  row(`append in seq order, up to ${N}`, time(N, (i) => pool.insert(remote(2 * (i + 1)))));
  const odd = Array.from({ length: 10_000 }, (_, i) => 2 * Math.floor(Math.random() * N) + 1);
  row(`insert at a random place, pool of ${N}`, time(odd.length, (i) => pool.insert(remote(odd[i]!))));
  row(`duplicate by seq (dropped), pool of ${pool.size}`, time(10_000, (i) => pool.insert(remote(2 * (i + 1)))));
  row(`lookup by seq, pool of ${pool.size}`, time(100_000, (i) => pool.bySeq(2 * ((i * 7919) % N + 1))));
  row(`lookup by msgid, pool of ${pool.size}`, time(100_000, (i) => pool.get(`m${2 * ((i * 7919) % N + 1)}`)));
  // Update: our send confirmed at the newest seq (the common case), then a peer's read mark.
  let seq = 2 * N + 10;
  row(`send, then confirm at the newest seq, pool of ${pool.size}`, time(10_000, (i) => {
    pool.addLocal(localMessage('t', `l${i}`, 'usrMe', 'x'));
    pool.confirm(`l${i}`, ++seq);
  }));
  row(`peer read mark over one new message, pool of ${pool.size}`, time(10_000, (i) => {
    pool.markPeer('read', 2 * N + 11 + i);
  }));
  // A peer's receipts in a pool where nearly every message is the peer's: each covers one new message.
  const peer = new Pool();
  for (let i = 1; i <= N; i++) {
    peer.insert(remote(i));
  }
  peer.addLocal(localMessage('t', 'only-mine', 'usrMe', 'x'));
  peer.confirm('only-mine', N + 1);
  row(`peer receipt per new message, pool of ${peer.size} (1 own)`, time(10_000, (i) => {
    peer.insert(remote(N + 2 + i));
    peer.markPeer('delivered', N + 2 + i);
  }));
}

async function burst(round: number) {
  const { c, ws } = await connected();
  await c.join('grpBurst');
  let lists = 0;
  c.messages('grpBurst').subscribe(() => lists++);
  const frames = Array.from({ length: 5000 }, (_, i) => ({ data: { topic: 'grpBurst', from: 'usrPeer', seq: i + 1,
    ts: '2026-12-06T10:00:00Z', head: { msgid: `b${i + 1}` }, content: { txt: `burst ${i + 1}` } } }));
  const before = { ...c.stats };
  const t = performance.now();
  for (const f of frames) {
    ws.pushNow(f);
  }
  await until(() => c.messagesNow('grpBurst').length === 5000, 'the burst', 60_000);
  const total = performance.now() - t;
  console.log(`burst of 5000 (run ${round}): ${total.toFixed(1)} ms wall in ${c.stats.slices - before.slices} slices, ` +
    `longest slice ${c.stats.longestMs.toFixed(2)} ms, ${lists} list emissions`);
  return c;
}

async function burstBench(): Promise<void> {
  (await burst(1)).close();
  (await burst(2)).close();
  const c = await burst(3);
  // send(): from the call to the message in the pool, shown (synchronous).
  const samples: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const s = performance.now();
    const m = c.send('grpBurst', { txt: `mine ${i}` });
    samples.push((performance.now() - s) * 1000);
    if (!c.messagesNow('grpBurst').includes(m)) {
      throw new Error('send() returned before the message was in the pool');
    }
  }
  samples.sort((a, b) => a - b);
  console.log(`send() to the local message in the pool (pool of 5000+): median ${samples[1000]!.toFixed(1)} µs, ` +
    `p99 ${samples[1980]!.toFixed(1)} µs`);
  c.close();
}

// The burst first: a heap still full of the pool benchmark's 200,000 messages would add the
// garbage collector's pauses to the slices.
await burstBench();
poolBench();
