// Faults against a real `parley serve`: the server SIGKILLed and restarted
// in the middle of a stream, and a page reload in the middle of sending (a
// new client on the same IndexedDB). Nothing may be lost, doubled or
// reordered, on the sender's screen or the receiver's.

import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexedDbStorage, type Client, type Message } from '../../src/index.js';
import { BIN, PASSWORD, RUN, Server, client, signup, waitFor } from './harness.js';

const text = (m: Message) => (m.content as { txt: string }).txt;

/** expectExactly checks that list holds the texts t0..t(n-1) once each, in order, at seqs that only grow. */
function expectExactly(list: readonly Message[], n: number): void {
  expect(list.map(text)).toEqual(Array.from({ length: n }, (_, i) => `t${i}`));
  expect(new Set(list.map((m) => m.msgid)).size).toBe(n);
  for (let i = 1; i < list.length; i++) {
    expect(list[i]!.seq).toBeGreaterThan(list[i - 1]!.seq);
  }
}

describe.skipIf(!BIN)('faults against parley serve', () => {
  let srv: Server;
  const clients: Client[] = [];
  beforeAll(async () => {
    srv = await Server.start();
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await srv?.stop();
  });

  it('loses, doubles and reorders nothing when the server is SIGKILLed mid-stream', async () => {
    const alice = await signup(srv, 'ka');
    const bob = await signup(srv, 'kb');
    clients.push(alice, bob);
    await alice.join(bob.userId);
    await bob.join(alice.userId);
    let seen: readonly Message[] = [];
    bob.messages(alice.userId).subscribe((l) => (seen = l));
    const states: string[] = [];
    bob.state$.subscribe((s) => states.push(s.state));

    const N = 1000;
    const sent: Message[] = [];
    for (let i = 0; i < N; i++) {
      sent.push(alice.send(bob.userId, { txt: `t${i}` }));
      if (i === 400) {
        await waitFor(() => seen.length >= 200, 'bob to be in the middle of the stream');
        await srv.kill();
      }
    }
    await srv.restart();
    await waitFor(() => seen.length >= N && alice.pending === 0,
      () => `bob to have ${N} (has ${seen.length}), alice pending ${alice.pending}`, 60_000);
    expectExactly(seen, N);
    expectExactly(alice.messagesNow(bob.userId), N);
    expect(sent.every((m) => m.confirmed)).toBe(true);
    expect(states).toContain('disconnected'); // it really went down
  });

  it('resends after a reload mid-send, from the same IndexedDB, without doubling', async () => {
    const idb = new IDBFactory();
    const name = `ra${RUN}`;
    const first = await signup(srv, 'ra', { storage: new IndexedDbStorage('reload', idb), maxInFlight: 16 });
    const bob = await signup(srv, 'rb');
    clients.push(bob);
    await first.join(bob.userId);
    await bob.join(first.userId);
    let seen: readonly Message[] = [];
    bob.messages(first.userId).subscribe((l) => (seen = l));

    const N = 300;
    let confirmed = 0;
    let closed = false;
    // The reload: right after the 100th acknowledgement, with sends in flight and most still waiting.
    first.status$.subscribe((s) => {
      if (s.status === 'sent' && ++confirmed === 100) {
        closed = true;
        first.close();
      }
    });
    for (let i = 0; i < N; i++) {
      first.send(bob.userId, { txt: `t${i}` });
    }
    await waitFor(() => closed, 'the first page to have 100 sends acknowledged');

    const second = client(srv, { storage: new IndexedDbStorage('reload', idb), history: N });
    clients.push(second);
    await second.connect();
    await second.login(name, PASSWORD);
    const restored = second.pending;
    expect(restored).toBeGreaterThan(0);
    expect(second.messagesNow(bob.userId).filter((m) => !m.confirmed).length).toBe(restored); // on screen at once
    await waitFor(() => second.pending === 0 && seen.length >= N,
      () => `the reloaded client to finish (pending ${second.pending}, bob has ${seen.length})`);
    expectExactly(seen, N);
    await waitFor(() => second.messagesNow(bob.userId).length >= N, 'the reloaded page to load its history');
    const mine = second.messagesNow(bob.userId);
    expect(mine.every((m) => m.confirmed)).toBe(true);
    expectExactly(mine, N);
  });
});
