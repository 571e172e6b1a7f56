// Two SDK clients chat through a real `parley serve`: 1,000 messages sent
// back to back arrive once each, in order, and every send ends confirmed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Message, WebSocketConstructor } from '../../src/index.js';
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

  it('falls back to long polling when WebSocket cannot connect, and chats over it', async () => {
    // A WebSocket that never gets through, as behind a proxy that strips the upgrade.
    class Refused {
      readyState = 3;
      onopen = null;
      onmessage = null;
      onclose: ((ev: { code?: number }) => void) | null = null;
      onerror: ((ev: unknown) => void) | null = null;
      constructor() {
        setTimeout(() => this.onerror?.({}));
      }
      send(): void {}
      close(): void {}
    }
    const carol = await signup(srv, 'carol', { WebSocket: Refused as unknown as WebSocketConstructor, fallbackAfter: 2 });
    const dave = await signup(srv, 'dave');
    clients.push(carol, dave);
    const transports: string[] = [];
    carol.state$.subscribe((s) => s.state === 'connected' && transports.push(s.transport ?? ''));
    await carol.join(dave.userId);
    await dave.join(carol.userId);
    let seen: readonly Message[] = [];
    dave.messages(carol.userId).subscribe((l) => (seen = l));
    const N = 50;
    for (let i = 0; i < N; i++) {
      carol.send(dave.userId, { txt: `c${i}` });
    }
    dave.send(carol.userId, { txt: 'reply' });
    await waitFor(() => seen.length >= N + 1 && carol.pending === 0, () => `dave to have ${N + 1} (has ${seen.length})`);
    await waitFor(() => carol.messagesNow(dave.userId).length === N + 1, 'carol to get the reply over long polling');
    expect(transports).toEqual(['lp']);
    const texts = (l: readonly Message[]) => l.map((m) => (m.content as { txt: string }).txt);
    expect(texts(seen).filter((t) => t !== 'reply')).toEqual(Array.from({ length: N }, (_, i) => `c${i}`));
    expect(texts(carol.messagesNow(dave.userId))).toEqual(texts(seen)); // the same order on both sides
  });
});
