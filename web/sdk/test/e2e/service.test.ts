// Customer service through a real `parley serve`: staff and a team made
// through the admin API, anonymous customers queued then assigned to an
// agent who went online, answers, queue positions, a transfer, a close,
// private notes only staff see (also after a reconnect and on a new
// device), quick replies, labels, and the supervisor's desk.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, DeskEvent, Message, QueuePosition } from '../../src/index.js';
import WebSocket from 'ws';
import type { WebSocketConstructor } from '../../src/index.js';
import { admin, BIN, client, PASSWORD, RUN, Server, waitFor } from './harness.js';

/** gets counts the get frames customers' clients send (the gap filler's fetches). */
let gets = 0;
class CountingWS extends WebSocket {
  override send(data: unknown, ...rest: unknown[]): void {
    if (typeof data === 'string' && data.startsWith('{"get"')) {
      gets++;
    }
    (super.send as (...a: unknown[]) => void)(data, ...rest);
  }
}

const TOKEN = `admin-${RUN}`;

describe.skipIf(!BIN)('customer service against parley serve', () => {
  let srv: Server;
  const clients: Client[] = [];
  beforeAll(async () => {
    srv = await Server.start({ PARLEY_ADMIN_TOKEN: TOKEN });
    await admin(srv, TOKEN, 'POST', 'teams', { name: 'sales' });
    for (const [login, role] of [['ann', 'agent'], ['bob', 'agent'], ['sue', 'supervisor']] as const) {
      await admin(srv, TOKEN, 'POST', 'staff', { login: login + RUN, password: PASSWORD, role, teams: ['sales'],
        ...(login === 'ann' ? { capacity: 1 } : login === 'bob' ? { capacity: 2 } : {}) });
    }
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await srv?.stop();
  });

  async function staff(name: string): Promise<Client> {
    const c = client(srv);
    clients.push(c);
    await c.connect();
    await c.login(name + RUN, PASSWORD);
    return c;
  }

  async function customer(o: { token?: string } = {}): Promise<Client> {
    const c = client(srv, { WebSocket: CountingWS as unknown as WebSocketConstructor });
    clients.push(c);
    await c.connect();
    if (o.token) {
      await c.loginToken(o.token);
    } else {
      await c.signupAnonymous({ fn: 'visitor' });
    }
    return c;
  }

  const events = (l: readonly Message[]) => l.filter((m) => typeof m.head.event === 'string').map((m) => m.head.event);
  const texts = (l: readonly Message[]) => l.filter((m) => m.head.event === undefined).map((m) => m.content);

  it('queues, assigns, answers, transfers and closes; notes stay with staff', async () => {
    // The supervisor watches the desk from the start.
    const sue = await staff('sue');
    const snap = await sue.service.watchDesk();
    expect(snap.queue).toEqual([]);
    const live: DeskEvent[] = [];
    sue.service.desk$.subscribe((e) => live.push(e));

    // Two anonymous customers open service while no agent is online: both wait.
    const alice = await customer();
    const a = await alice.service.open();
    expect(a).toMatchObject({ state: 'queued', position: 1 });
    expect(a.topic).toMatch(/^grp/);
    expect((await alice.service.open()).topic).toBe(a.topic); // the same topic every time
    const carol = await customer();
    const positions: QueuePosition[] = [];
    carol.service.queue$.subscribe((q) => positions.push(q));
    const c = await carol.service.open('sales');
    expect(c).toMatchObject({ state: 'queued', position: 2 });
    expect(await carol.service.position(c.topic)).toBe(2);
    expect(await carol.service.queuePosition(c.topic)).toMatchObject({ topic: c.topic, position: 2 });

    const waiting = await sue.service.deskState();
    expect(waiting.queue.map((q) => [q.topic, q.team])).toEqual([[a.topic, 'sales'], [c.topic, 'sales']]);
    expect(waiting.queued).toEqual({ sales: 2 });

    // Ann (capacity 1) goes online and gets the queue head; Carol moves up.
    const ann = await staff('ann');
    await ann.join('me');
    const annGot: string[] = [];
    const annLost: string[] = [];
    ann.service.assigned$.subscribe((t) => annGot.push(t));
    ann.service.released$.subscribe((t) => annLost.push(t));
    expect(await ann.service.setStatus('online')).toMatchObject({ status: 'online', capacity: 1 });
    await waitFor(() => annGot.includes(a.topic), 'ann to be assigned alice');
    await waitFor(() => positions.some((p) => p.position === 1), () => `carol's position to be 1 (${JSON.stringify(positions)})`);
    await waitFor(() => events(alice.messagesNow(a.topic)).includes('assigned'), 'alice to see the assignment');
    await ann.join(a.topic);

    // Ann answers; a private note goes along; Alice answers back.
    ann.send(a.topic, 'Hello, how can I help?');
    const note = ann.service.note(a.topic, 'returning customer, be nice');
    expect(note.private).toBe(true);
    await waitFor(() => ann.pending === 0, 'ann to have her messages stored');
    expect(note.seq).toBeGreaterThan(0);
    expect(note.status).not.toBe('failed');
    await waitFor(() => texts(alice.messagesNow(a.topic)).includes('Hello, how can I help?'), 'alice to get the answer');
    alice.send(a.topic, 'my order is late');
    await waitFor(() => texts(ann.messagesNow(a.topic)).includes('my order is late'), 'ann to get the question');

    // Labels and quick replies.
    expect(await ann.service.label(a.topic, { add: ['late', 'order'] })).toEqual(['late', 'order']);
    expect(await ann.service.label(a.topic, { remove: ['late'], add: ['vip'] })).toEqual(['order', 'vip']);
    await expect(alice.service.label(a.topic, { add: ['x'] })).rejects.toMatchObject({ code: 403 });
    await ann.service.saveReply('hi', 'Hello! How can I help?');
    await ann.service.saveReply('hi', 'Hi there!'); // replaces
    await sue.service.saveReply('bye', 'Thanks for writing to us.', 'team:sales');
    await expect(ann.service.saveReply('nope', 'x', 'team:sales')).rejects.toMatchObject({ code: 403 });
    expect(await ann.service.replies()).toEqual([
      { scope: 'personal', key: 'hi', text: 'Hi there!' },
      { scope: 'team:sales', key: 'bye', text: 'Thanks for writing to us.' },
    ]);
    await ann.service.deleteReply('hi');
    await expect(ann.service.deleteReply('hi')).rejects.toMatchObject({ code: 404 });
    expect((await ann.service.replies()).map((r) => r.key)).toEqual(['bye']);

    // The supervisor joins the conversation and sees the note, marked private.
    await sue.service.join(a.topic);
    await waitFor(() => sue.messagesNow(a.topic).some((m) => m.private), 'sue to see the private note');
    expect(sue.messagesNow(a.topic).find((m) => m.private)?.content).toBe('returning customer, be nice');
    expect(ann.messagesNow(a.topic).find((m) => m.msgid === note.msgid)?.private).toBe(true);

    // Bob (capacity 2) comes online and takes Carol from the queue; Ann transfers Alice to him.
    const bob = await staff('bob');
    await bob.join('me');
    const bobGot: string[] = [];
    bob.service.assigned$.subscribe((t) => bobGot.push(t));
    await bob.service.setStatus('online');
    await waitFor(() => bobGot.includes(c.topic), 'bob to be assigned carol');
    await waitFor(() => events(carol.messagesNow(c.topic)).includes('assigned'), 'carol to see her assignment');
    await ann.service.transfer(a.topic, bob.userId);
    await waitFor(() => bobGot.includes(a.topic), 'bob to be assigned alice');
    await waitFor(() => annLost.includes(a.topic), 'ann to lose alice');
    await bob.join(a.topic);
    await waitFor(() => bob.messagesNow(a.topic).some((m) => m.private), 'bob to see the note in the history');
    bob.send(a.topic, 'Bob here, let me check.');
    await waitFor(() => texts(alice.messagesNow(a.topic)).includes('Bob here, let me check.'), 'alice to get bob');

    const desk = await sue.service.deskState();
    const held = Object.fromEntries(desk.agents.map((x) => [x.user, x.conversations]));
    expect([...held[bob.userId]!].sort()).toEqual([a.topic, c.topic].sort());
    expect(held[ann.userId]).toEqual([]);
    expect(desk.queue).toEqual([]);

    // Bob closes.
    await bob.service.close(a.topic, 'solved');
    await waitFor(() => events(alice.messagesNow(a.topic)).includes('closed'), 'alice to see the close');

    // What Alice saw: the events as messages, in order, her agents' words, never the note.
    const seen = alice.messagesNow(a.topic);
    expect(events(seen)).toEqual(['queued', 'assigned', 'transferred', 'assigned', 'closed']);
    expect(texts(seen)).toEqual(['Hello, how can I help?', 'my order is late', 'Bob here, let me check.']);
    expect(seen.some((m) => m.private || m.msgid === note.msgid)).toBe(false);
    const seqs = seen.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(seqs).not.toContain(note.seq); // a hole for her
    const closed = seen.find((m) => m.head.event === 'closed')!;
    expect(closed.head).toMatchObject({ by: bob.userId, reason: 'solved' });
    const transferred = seen.find((m) => m.head.event === 'transferred')!;
    expect(transferred.head).toMatchObject({ from: ann.userId, to: bob.userId, by: ann.userId });

    // The note's seq is a hole for Alice: her client asked about it at most once per hole, and stopped.
    const getsNow = gets;
    await new Promise((r) => setTimeout(r, 300));
    expect(gets).toBe(getsNow);

    // After a reconnect (resume) and on a new device: still no note.
    let ups = 0;
    alice.state$.subscribe((st) => st.state === 'connected' && ups++);
    const upsBefore = ups;
    alice.drop();
    await waitFor(() => ups > upsBefore, 'alice to reconnect');
    await alice.join(a.topic);
    alice.send(a.topic, 'one more thing'); // reopens
    await waitFor(() => alice.pending === 0, 'alice to send after the reconnect');
    expect(alice.messagesNow(a.topic).some((m) => m.private || m.msgid === note.msgid)).toBe(false);
    const alice2 = await customer({ token: alice.token });
    await alice2.join(a.topic);
    await waitFor(() => texts(alice2.messagesNow(a.topic)).includes('one more thing'), 'the new device to load the history');
    const again = alice2.messagesNow(a.topic);
    expect(again.some((m) => m.private || m.msgid === note.msgid)).toBe(false);
    expect(texts(again).slice(0, 3)).toEqual(['Hello, how can I help?', 'my order is late', 'Bob here, let me check.']);
    await waitFor(() => events(alice2.messagesNow(a.topic)).includes('reopened'), 'the reopen event');

    // The supervisor's live view saw it all; a customer is refused the desk.
    await waitFor(() => live.some((e) => e.event === 'closed' && e.topic === a.topic), () => `the live close (${JSON.stringify(live)})`);
    expect(live).toContainEqual(expect.objectContaining({ event: 'assigned', topic: a.topic, agent: ann.userId, state: 'assigned' }));
    expect(live).toContainEqual(expect.objectContaining({ event: 'status', agent: bob.userId, status: 'online' }));
    await expect(alice.service.deskState()).rejects.toMatchObject({ code: 403 });
    const report = await sue.service.metrics();
    expect(report.conversations).toBeGreaterThanOrEqual(1);
    expect(report.transfers).toBeGreaterThanOrEqual(1);
  });
});
