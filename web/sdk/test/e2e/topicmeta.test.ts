// Reading a conversation's members and its older pages from a real
// `parley serve`: members come with their public cards, and loadOlder
// prepends the page before the oldest message, once each, in seq order.

import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Message } from '../../src/index.js';
import { BIN, RUN, Server, client, signup, waitFor } from './harness.js';

const jwtKey = 'a test secret that is long enough for HS256 keys';

/** shopJwt signs claims as a merchant's backend would (HS256, kid "shop"). */
function shopJwt(claims: Record<string, unknown>): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', kid: 'shop', typ: 'JWT' })}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', jwtKey).update(body).digest('base64url')}`;
}

describe.skipIf(!BIN)('members and older pages', () => {
  let srv: Server;
  const clients: Client[] = [];
  beforeAll(async () => {
    srv = await Server.start({ PARLEY_JWT_KEYS: JSON.stringify({ shop: { alg: 'HS256', key: jwtKey } }) });
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await srv?.stop();
  });

  it('lists a conversation\'s members with their public cards', async () => {
    const alice = await signup(srv, 'alice');
    const bob = await signup(srv, 'bob');
    clients.push(alice, bob);
    await alice.join(bob.userId);
    alice.send(bob.userId, { txt: 'hi' });
    await waitFor(() => alice.pending === 0, 'the first message to be stored');
    const members = await alice.members(bob.userId);
    const byUser = new Map(members.map((m) => [m.user, m]));
    expect(byUser.get(alice.userId)?.public).toEqual({ fn: 'alice' });
    expect(byUser.get(bob.userId)?.public).toEqual({ fn: 'bob' });
    expect(byUser.get(alice.userId)?.online).toBe(true);
  });

  it('gives what the merchant vouched for as the customer\'s trusted card', async () => {
    const agent = await signup(srv, 'agent');
    const cust = client(srv);
    clients.push(agent, cust);
    await cust.connect();
    await cust.loginJwt(shopJwt({ sub: `c${RUN}`, name: 'Mia', tier: 'gold', exp: Math.floor(Date.now() / 1000) + 300 }));
    await cust.join(agent.userId);
    cust.send(agent.userId, { txt: 'hello' });
    await waitFor(() => cust.pending === 0, 'the customer\'s message to be stored');
    await agent.join(cust.userId);
    const m = (await agent.members(cust.userId)).find((x) => x.user === cust.userId);
    expect(m?.public).toMatchObject({ fn: 'Mia' });
    expect(m?.trusted).toMatchObject({ verified: true, scheme: 'jwt', claims: { tier: 'gold' } });
  });

  it('loads the page before the oldest message, then says there is nothing older', async () => {
    const carol = await signup(srv, 'carol');
    const dave = await signup(srv, 'dave', { history: 5 });
    clients.push(carol, dave);
    await carol.join(dave.userId);
    for (let i = 0; i < 12; i++) {
      carol.send(dave.userId, { txt: `m${i}` });
    }
    await waitFor(() => carol.pending === 0, 'carol to have every send stored');
    let seen: readonly Message[] = [];
    dave.messages(carol.userId).subscribe((l) => (seen = l));
    await dave.join(carol.userId);
    await waitFor(() => seen.length === 5, () => `the first page of 5 (has ${seen.length})`);
    expect(seen[0]!.seq).toBe(8);

    expect(await dave.loadOlder(carol.userId, 8, 4)).toBe(true);
    await waitFor(() => seen.length === 9, () => `the older page of 4 (has ${seen.length})`);
    expect(seen.map((m) => m.seq)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(await dave.loadOlder(carol.userId, 4)).toBe(true);
    await waitFor(() => seen.length === 12, () => `the rest (has ${seen.length})`);
    expect(seen.map((m) => (m.content as { txt: string }).txt)).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`));
    expect(await dave.loadOlder(carol.userId, 1)).toBe(false);
  });
});
