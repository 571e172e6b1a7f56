// The customer-service actions and events against frames recorded from the
// wire contract (issue 12), and the policy verdicts (issue 14) as message
// states, on a scripted server.

import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CtrlError } from '../src/index.js';
import { connected, until } from './fakews.js';

describe('customer service actions', () => {
  it('service.open sends the contract frame, returns topic/state/position and joins the topic', async () => {
    const { c, ws } = await connected();
    const p = c.service.open('sales');
    const a = await ws.next('action');
    expect(a).toEqual({ id: a.id, what: 'service.open', params: { team: 'sales' } });
    ws.push({ ctrl: { id: a.id, code: 200, text: 'ok', params: { topic: 'grpCS1', state: 'queued', position: 3 } } });
    expect(await p).toEqual({ topic: 'grpCS1', state: 'queued', position: 3 });
    expect(c.messagesNow('grpCS1')).toEqual([]); // joined: the conversation exists
    c.close();
  });

  it('every other action sends its contract frame and reads its answer', async () => {
    const { c, ws } = await connected();
    const cases: Array<{ call: () => Promise<unknown>; frame: object; params: object; want: unknown }> = [
      { call: () => c.service.setStatus('online'), frame: { what: 'agent.status', params: { status: 'online' } },
        params: { status: 'online', load: 1, capacity: 5 }, want: { status: 'online', load: 1, capacity: 5 } },
      { call: () => c.service.transfer('grpCS1', 'team:vip'), frame: { topic: 'grpCS1', what: 'conv.transfer', params: { to: 'team:vip' } },
        params: {}, want: undefined },
      { call: () => c.service.close('grpCS1', 'solved'), frame: { topic: 'grpCS1', what: 'conv.close', params: { reason: 'solved' } },
        params: {}, want: undefined },
      { call: () => c.service.human('grpCS1'), frame: { topic: 'grpCS1', what: 'conv.human' },
        params: { state: 'queued', position: 2 }, want: { topic: 'grpCS1', state: 'queued', position: 2 } },
      { call: () => c.service.position('grpCS1'), frame: { topic: 'grpCS1', what: 'queue.position' },
        params: { position: 4 }, want: 4 },
      { call: () => c.service.deskState(), frame: { what: 'desk.state' },
        params: { agents: [{ user: 'usrA', status: 'busy', load: 2, capacity: 2 }], queue: [{ topic: 'grpQ', since: '2026-12-06T10:00:00Z' }] },
        want: { agents: [{ user: 'usrA', status: 'busy', load: 2, capacity: 2, teams: [], conversations: [] }],
          queue: [{ topic: 'grpQ', team: '', since: '2026-12-06T10:00:00Z' }], queued: {} } },
    ];
    for (const k of cases) {
      const p = k.call();
      const a = await ws.next('action');
      expect(a).toEqual({ id: a.id, ...k.frame });
      ws.push({ ctrl: { id: a.id, code: 200, text: 'ok', params: k.params } });
      expect(await p).toEqual(k.want);
    }
    c.close();
  });

  it('a wrong role rejects with the ctrl code', async () => {
    const { c, ws } = await connected();
    const p = c.service.deskState();
    const a = await ws.next('action');
    ws.push({ ctrl: { id: a.id, code: 403, text: 'permission denied' } });
    await expect(p).rejects.toBeInstanceOf(CtrlError);
    await expect(p).rejects.toMatchObject({ code: 403 });
    c.close();
  });
});

describe('agent tools and the supervisor actions', () => {
  it('sends each contract frame and reads the recorded answer', async () => {
    const { c, ws } = await connected();
    const cases: Array<{ call: () => Promise<unknown>; frame: object; params: object | undefined; want: unknown }> = [
      { call: () => c.service.open(), frame: { what: 'service.open', params: {} },
        params: { topic: 'grpCS1', state: 'queued', position: 2, eta: 40 },
        want: { topic: 'grpCS1', state: 'queued', position: 2, etaSeconds: 40 } },
      { call: () => c.service.queuePosition('grpCS1'), frame: { topic: 'grpCS1', what: 'queue.position' },
        params: { position: 1, eta: 12 }, want: { topic: 'grpCS1', position: 1, etaSeconds: 12 } },
      { call: () => c.service.deskState(), frame: { what: 'desk.state' },
        params: { agents: [{ user: 'usrA', status: 'online', load: 1, capacity: 4, teams: ['sales'], conversations: ['grpCS1'] }],
          queue: [{ topic: 'grpQ', team: 'sales', since: '2026-12-06T10:00:00Z' }], queued: { sales: 1, vip: 0 } },
        want: { agents: [{ user: 'usrA', status: 'online', load: 1, capacity: 4, teams: ['sales'], conversations: ['grpCS1'] }],
          queue: [{ topic: 'grpQ', team: 'sales', since: '2026-12-06T10:00:00Z' }], queued: { sales: 1, vip: 0 } } },
      { call: () => c.service.label('grpCS1', { add: ['vip', 'refund'], remove: ['new'] }),
        frame: { topic: 'grpCS1', what: 'conv.label', params: { add: ['vip', 'refund'], remove: ['new'] } },
        params: { labels: ['refund', 'vip'] }, want: ['refund', 'vip'] },
      { call: () => c.service.label('grpCS1', { remove: ['vip'] }), frame: { topic: 'grpCS1', what: 'conv.label', params: { remove: ['vip'] } },
        params: { labels: [] }, want: [] },
      { call: () => c.service.replies(), frame: { what: 'reply.list' },
        params: { replies: [{ scope: 'personal', key: 'hi', text: 'Hello!' }, { scope: 'team:sales', key: 'bye', text: 'Bye' }] },
        want: [{ scope: 'personal', key: 'hi', text: 'Hello!' }, { scope: 'team:sales', key: 'bye', text: 'Bye' }] },
      { call: () => c.service.saveReply('hi', 'Hello!'), frame: { what: 'reply.save', params: { key: 'hi', text: 'Hello!' } },
        params: undefined, want: undefined },
      { call: () => c.service.saveReply('bye', 'Bye', 'team:sales'),
        frame: { what: 'reply.save', params: { scope: 'team:sales', key: 'bye', text: 'Bye' } }, params: undefined, want: undefined },
      { call: () => c.service.deleteReply('hi'), frame: { what: 'reply.delete', params: { key: 'hi' } }, params: undefined, want: undefined },
      { call: () => c.service.deleteReply('bye', 'team:sales'), frame: { what: 'reply.delete', params: { scope: 'team:sales', key: 'bye' } },
        params: undefined, want: undefined },
      { call: () => c.service.metrics('2026-12-05T00:00:00Z'), frame: { what: 'desk.metrics', params: { since: '2026-12-05T00:00:00Z' } },
        params: { report: { since: '2026-12-05T00:00:00Z', conversations: 3, abandoned: 1, transfers: 2, wait_p50: 4.5, wait_p90: 9,
          first_response_p50: 2, first_response_p90: 3.5, agents: [{ user: 'usrA', conversations: 2, messages: 7, first_response_p50: 2 }] } },
        want: { since: '2026-12-05T00:00:00Z', conversations: 3, abandoned: 1, transfers: 2, waitP50: 4.5, waitP90: 9,
          firstResponseP50: 2, firstResponseP90: 3.5, agents: [{ user: 'usrA', conversations: 2, messages: 7, firstResponseP50: 2 }],
          truncated: false } },
      { call: () => c.service.metrics(), frame: { what: 'desk.metrics', params: {} },
        params: { report: { since: '2026-12-05T00:00:00Z', conversations: 0, abandoned: 0, transfers: 0, wait_p50: 0, wait_p90: 0,
          first_response_p50: 0, first_response_p90: 0, agents: [], truncated: true } },
        want: { since: '2026-12-05T00:00:00Z', conversations: 0, abandoned: 0, transfers: 0, waitP50: 0, waitP90: 0,
          firstResponseP50: 0, firstResponseP90: 0, agents: [], truncated: true } },
    ];
    for (const k of cases) {
      const p = k.call();
      const a = await ws.next('action');
      expect(a).toEqual({ id: a.id, ...k.frame });
      ws.push({ ctrl: { id: a.id, code: 200, text: 'ok', ...(k.params ? { params: k.params } : {}) } });
      expect(await p).toEqual(k.want);
    }
    c.close();
  });

  it('conv.join sends the contract frame, then attaches to the topic', async () => {
    const { c, ws } = await connected();
    const p = c.service.join('grpCS9');
    const a = await ws.next('action');
    expect(a).toEqual({ id: a.id, topic: 'grpCS9', what: 'conv.join' });
    ws.push({ ctrl: { id: a.id, code: 200, text: 'ok' } });
    await p;
    expect(c.messagesNow('grpCS9')).toEqual([]);
    c.close();
  });

  it('a missing reply rejects with 404', async () => {
    const { c, ws } = await connected();
    const p = c.service.deleteReply('nope');
    const a = await ws.next('action');
    ws.push({ ctrl: { id: a.id, code: 404, text: 'no such reply' } });
    await expect(p).rejects.toMatchObject({ code: 404 });
    c.close();
  });

  it('sends a private note as a pub with head.private, marked private in the pool', async () => {
    const { c, ws } = await connected();
    await c.join('grpCS1');
    const n = c.service.note('grpCS1', 'customer is angry');
    expect([n.private, n.status]).toEqual([true, 'sending']);
    const pub = await ws.next('pub');
    expect(pub).toEqual({ id: pub.id, topic: 'grpCS1', head: { private: true, msgid: n.msgid }, content: 'customer is angry' });
    ws.push({ ctrl: { id: pub.id, topic: 'grpCS1', code: 202, text: 'accepted', params: { seq: 3 } } });
    // A colleague's note as the server pushes it to staff.
    ws.push({ data: { topic: 'grpCS1', from: 'usrB', seq: 4, head: { msgid: 'x1', private: true }, content: 'seen before' } });
    ws.push({ data: { topic: 'grpCS1', from: 'usrC', seq: 5, head: { msgid: 'x2' }, content: 'hello' } });
    await until(() => c.messagesNow('grpCS1').length === 3 && n.seq === 3, 'the notes');
    expect(c.messagesNow('grpCS1').map((m) => [m.seq, m.private])).toEqual([[3, true], [4, true], [5, false]]);
    c.close();
  });

  it('emits {info what:"desk"} updates as typed desk events', async () => {
    const { c, ws } = await connected();
    const got = firstValueFrom(c.service.desk$.pipe(take(2), toArray()));
    ws.push({ info: { topic: 'me', from: 'usrMe', what: 'desk',
      payload: { event: 'assigned', topic: 'grpCS1', team: 'sales', state: 'assigned', agent: 'usrA' } } });
    ws.push({ info: { topic: 'me', what: 'desk', payload: { event: 'status', agent: 'usrA', status: 'away' } } });
    expect(await got).toEqual([
      { event: 'assigned', topic: 'grpCS1', team: 'sales', state: 'assigned', agent: 'usrA' },
      { event: 'status', agent: 'usrA', status: 'away' },
    ]);
    c.close();
  });
});

describe('customer service events', () => {
  it('turns head.event messages, queue infos and assignments into typed events', async () => {
    const { c, ws } = await connected();
    await c.join('grpCS1');
    const events = firstValueFrom(c.service.events$.pipe(take(2), toArray()));
    const queue = firstValueFrom(c.service.queue$);
    const assigned = firstValueFrom(c.service.assigned$);
    ws.push({ data: { topic: 'grpCS1', from: 'usrSys', seq: 1, ts: '2026-12-06T10:00:00Z', head: { event: 'queued' }, content: {} } });
    ws.push({ data: { topic: 'grpCS1', from: 'usrSys', seq: 2, ts: '2026-12-06T10:00:01Z', head: { event: 'assigned' }, content: { agent: 'usrA' } } });
    ws.push({ info: { topic: 'grpCS1', what: 'queue', payload: { position: 2, eta: 30 } } });
    const released = firstValueFrom(c.service.released$);
    ws.push({ pres: { topic: 'me', what: 'acs', src: 'grpCS2', dacs: { want: 'JRWP', given: 'JRWP' } } });
    ws.push({ pres: { topic: 'me', what: 'acs', src: 'grpCS3', dacs: { want: 'N', given: 'N' } } });
    const [q, a] = await events;
    expect([q!.event, q!.seq, a!.event, a!.detail]).toEqual(['queued', 1, 'assigned', { agent: 'usrA' }]);
    expect(await queue).toEqual({ topic: 'grpCS1', position: 2, etaSeconds: 30 });
    expect(await assigned).toBe('grpCS2');
    expect(await released).toBe('grpCS3');
    expect(c.messagesNow('grpCS1').map((m) => m.seq)).toEqual([1, 2]); // events are messages of the topic
    c.close();
  });
});

describe('policy verdicts', () => {
  it('shows blocked, held for review then approved or rejected, and masked', async () => {
    const { c, ws } = await connected();
    await c.join('grpP');
    const blocked = c.send('grpP', 'bad word');
    const held = c.send('grpP', 'maybe');
    const held2 = c.send('grpP', 'maybe not');
    const masked = c.send('grpP', 'some word');
    const pubs = [await ws.next('pub'), await ws.next('pub'), await ws.next('pub'), await ws.next('pub')];
    ws.push({ ctrl: { id: pubs[0]!.id, topic: 'grpP', code: 422, text: 'policy violation', params: { policy: 'blocked' } } });
    ws.push({ ctrl: { id: pubs[1]!.id, topic: 'grpP', code: 202, text: 'accepted', params: { policy: 'review' } } });
    ws.push({ ctrl: { id: pubs[2]!.id, topic: 'grpP', code: 202, text: 'accepted', params: { policy: 'review' } } });
    ws.push({ ctrl: { id: pubs[3]!.id, topic: 'grpP', code: 202, text: 'accepted', params: { seq: 1, policy: 'masked' } } });
    ws.push({ data: { topic: 'grpP', from: 'usrMe', seq: 1, head: { msgid: masked.msgid }, content: 'some ****' } });
    await until(() => masked.seq === 1 && held2.status === 'review', 'the verdicts');
    expect([blocked.status, blocked.policy, blocked.seq]).toEqual(['blocked', 'blocked', 0]);
    expect([held.status, held.policy, held.seq]).toEqual(['review', 'review', 0]);
    expect([masked.status, masked.policy]).toEqual(['sent', 'masked']);
    await until(() => masked.content === 'some ****', 'the masked text to replace what the sender wrote');
    expect(c.pending).toBe(0); // nothing is resent: the verdicts are final or held by the server

    ws.push({ info: { topic: 'grpP', what: 'review', payload: { msgid: held.msgid, seq: 2, verdict: 'approved' } } });
    ws.push({ info: { topic: 'grpP', what: 'review', payload: { msgid: held2.msgid, verdict: 'rejected' } } });
    await until(() => held.seq === 2 && held2.status === 'rejected', 'the review verdicts');
    expect(held.status).toBe('sent');
    expect(held2.policy).toBe('rejected');
    expect(c.messagesNow('grpP').filter((m) => m.confirmed).map((m) => m.msgid)).toEqual([masked.msgid, held.msgid]);
    c.close();
  });
});
