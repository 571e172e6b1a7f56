// The 5,000-message burst and send() in a browser page (run by chromium.ts):
// the same measurement as bench.ts, with the browser's own scheduling
// (MessageChannel between slices) and garbage collector.

import type { Message } from '../src/index.js';
import { connected, until } from '../test/fakews.js';

const out: string[] = [];

async function burst(round: number): Promise<void> {
  const { c, ws } = await connected();
  await c.join('grpBurst');
  const before = { ...c.stats };
  const t = performance.now();
  for (let i = 1; i <= 5000; i++) {
    ws.pushNow({ data: { topic: 'grpBurst', from: 'usrPeer', seq: i, ts: '2026-12-06T10:00:00Z',
      head: { msgid: `b${i}` }, content: { txt: `burst ${i}` } } });
  }
  await until(() => c.messagesNow('grpBurst').length === 5000, 'the burst', 60_000);
  out.push(`burst of 5000 (run ${round}): ${(performance.now() - t).toFixed(1)} ms wall in ` +
    `${c.stats.slices - before.slices} slices, longest slice ${c.stats.longestMs.toFixed(2)} ms`);
  if (round === 3) {
    // The browser's clock is coarse (0.1 ms without cross-origin isolation): time 2,000 sends
    // together, and the slowest one.
    let slowest = 0;
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) {
      const s = performance.now();
      const m: Message = c.send('grpBurst', { txt: `mine ${i}` });
      slowest = Math.max(slowest, performance.now() - s);
      if (!c.messagesNow('grpBurst').includes(m)) {
        throw new Error('send() returned before the message was in the pool');
      }
    }
    out.push(`send() to the local message in the pool: mean ${((performance.now() - t0) / 2).toFixed(1)} µs ` +
      `(with the check), slowest ${slowest.toFixed(1)} ms`);
  }
  c.close();
}

(async () => {
  for (let r = 1; r <= 3; r++) {
    await burst(r);
  }
  document.body.textContent = out.join('\n');
  document.title = 'done';
})().catch((e: unknown) => {
  document.body.textContent = String(e);
  document.title = 'done';
});
