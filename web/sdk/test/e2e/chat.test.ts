// Two SDK clients chat through a real `parley serve`: 1,000 messages sent
// back to back arrive once each, in order, and every send ends confirmed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Message } from '../../src/index.js';
import { BIN, Server, signup, waitFor } from './harness.js';

describe.skipIf(!BIN)('two clients against parley serve', () => {
  let srv: Server;
  const clients: Client[] = [];
  beforeAll(async () => {
    srv = await Server.start();
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await srv?.stop();
  });

  it('delivers 1,000 messages once each, in order', async () => {
    const alice = await signup(srv, 'alice');
    const bob = await signup(srv, 'bob');
    clients.push(alice, bob);
    await alice.join(bob.userId);
    await bob.join(alice.userId);
    let seen: readonly Message[] = [];
    const arrivals: Message[] = [];
    bob.messages(alice.userId).subscribe((l) => (seen = l));
    bob.message$.subscribe((m) => arrivals.push(m));

    const N = 1000;
    const sent = Array.from({ length: N }, (_, i) => alice.send(bob.userId, { txt: `m${i}` }));
    expect(sent[0]!.status).toBe('sending'); // render first: it is there before the network
    await waitFor(() => seen.length >= N, () => `bob to have ${N} messages (has ${seen.length})`);
    await waitFor(() => alice.pending === 0, 'alice to have every send acknowledged');

    expect(seen.map((m) => (m.content as { txt: string }).txt)).toEqual(sent.map((m) => (m.content as { txt: string }).txt));
    expect(new Set(seen.map((m) => m.msgid)).size).toBe(N);
    expect(seen.map((m) => m.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(arrivals.length).toBe(N); // each arrived once
    expect(sent.every((m) => m.seq > 0 && m.status !== 'sending')).toBe(true);
    expect(sent.map((m) => m.seq)).toEqual(seen.map((m) => m.seq));
  });
});
