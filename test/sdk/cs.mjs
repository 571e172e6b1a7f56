// Customer service through the unmodified tinode-sdk 0.25.3: a customer and
// an agent, both on the SDK, see the conversation's events (queued,
// assigned, closed) as ordinary messages of the service topic, with
// head.event. The SDK knows nothing of Parley's {action} extension, so the
// actions go over a raw WebSocket of the same user (logged in with the
// SDK's token), as a workbench would send them beside the SDK.
//
// Run: PARLEY_ADDR=… PARLEY_ADMIN_TOKEN=… node --test cs.mjs (cs_test.go
// starts the server and runs this for `go test`).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import {
  ADDR, PASSWORD, RUN, closeAll, nextEvent, open, openLoggedIn, subscribe, waitUntil, within,
} from './harness.mjs';

const TOKEN = process.env.PARLEY_ADMIN_TOKEN;
after(closeAll);

// collect gathers the {data} a topic is given. Unlike the harness's
// collectData it keeps messages without "from": the server writes the
// conversation events itself.
function collect(topic) {
  const got = [];
  const prev = topic.onData;
  topic.onData = (d) => {
    if (prev) {
      prev(d);
    }
    if (d && typeof d.seq === 'number' && !d._sending && !got.some((g) => g.seq === d.seq)) {
      got.push(d);
    }
  };
  return got;
}

async function admin(path, body) {
  const res = await fetch(`http://${ADDR}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201, `${path}: ${res.status} ${await res.text()}`);
}

// act sends one {action} as the user holding token, on a raw connection.
async function act(token, what, topic, params) {
  const ws = new WebSocket(`ws://${ADDR}/v0/channels?apikey=parley-conformance`);
  const replies = new Map();
  const waiters = new Map();
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (m.ctrl && m.ctrl.id) {
      const w = waiters.get(m.ctrl.id);
      if (w) {
        w(m.ctrl);
      } else {
        replies.set(m.ctrl.id, m.ctrl);
      }
    }
  });
  await new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  const send = (id, msg) => within(new Promise((resolve) => {
    waiters.set(id, resolve);
    ws.send(JSON.stringify(msg));
  }), `${Object.keys(msg)[0]} ${id}`);
  try {
    await send('1', { hi: { id: '1', ver: '0.25.3' } });
    const login = await send('2', { login: { id: '2', scheme: 'token', secret: token } });
    assert.equal(login.code, 200, `raw login: ${JSON.stringify(login)}`);
    return await send('3', { action: { id: '3', what, topic, params } });
  } finally {
    ws.close();
  }
}

test('customer service events are messages to tinode-sdk', { timeout: 60_000 }, async () => {
  await admin('/v0/admin/teams', { name: 'support' });
  const agentLogin = `agent${RUN}`;
  await admin('/v0/admin/staff', { login: agentLogin, password: PASSWORD, role: 'agent', teams: ['support'], capacity: 3 });

  // The customer signs up with the SDK and opens a conversation.
  const cust = await open('ws', 'customer');
  const acc = await within(cust.createAccountBasic(`kim${RUN}`, PASSWORD, { public: { fn: 'Kim' } }), 'customer acc');
  assert.equal(acc.code, 200);
  const opened = await act(cust.getAuthToken().token, 'service.open');
  assert.equal(opened.code, 200, JSON.stringify(opened));
  assert.equal(opened.params.state, 'queued');
  const name = opened.params.topic;
  const ct = cust.getTopic(name);
  const custData = collect(ct);
  await subscribe(ct, ct.startMetaQuery().withLaterData(50).build());

  // The agent logs in with the SDK, goes online, and is invited.
  const agent = await openLoggedIn(agentLogin);
  const me = agent.getMeTopic();
  await subscribe(me, me.startMetaQuery().withDesc().withSub().build());
  // The desc follows the sub's ctrl: wait for it.
  await waitUntil(() => me.trusted && me.trusted.role === 'agent', `the agent's role in me trusted (${JSON.stringify(me.trusted)})`);
  const invite = nextEvent(me, 'onPres', (p) => p.what === 'acs' && p.src === name, 'pres acs for the service topic');
  const status = await act(agent.getAuthToken().token, 'agent.status', undefined, { status: 'online' });
  assert.equal(status.code, 200, JSON.stringify(status));
  await invite;

  const at = agent.getTopic(name);
  const agentData = collect(at);
  await subscribe(at, at.startMetaQuery().withLaterData(50).build());
  // A history page arrives newest first: order by seq.
  const bySeq = (list) => [...list].sort((a, b) => a.seq - b.seq);
  const events = (list) => bySeq(list).filter((d) => d.head && d.head.event).map((d) => d.head.event);
  await waitUntil(() => events(agentData).length >= 2, 'the agent to see the queued and assigned events');
  await waitUntil(() => events(custData).includes('assigned'), 'the customer to see the assigned event');
  assert.deepEqual(events(agentData).slice(0, 2), ['queued', 'assigned']);

  // A reply, then the agent closes: the customer sees both, in order.
  await within(at.publishMessage(at.createMessage('Hello Kim', false)), 'agent publish');
  const closed = await act(agent.getAuthToken().token, 'conv.close', name, { reason: 'done' });
  assert.equal(closed.code, 200, JSON.stringify(closed));
  await waitUntil(() => events(custData).includes('closed'), 'the customer to see the closed event');
  const seqs = bySeq(custData).map((d) => d.seq);
  assert.deepEqual(seqs, [1, 2, 3, 4], `the customer's seqs: ${seqs}`);
  const texts = bySeq(custData).map((d) => (d.head && d.head.event) || d.content);
  assert.deepEqual(texts, ['queued', 'assigned', 'Hello Kim', 'closed']);
  const last = bySeq(custData)[3];
  assert.equal(last.head.reason, 'done');
  assert.equal(last.head.by, agent.getCurrentUserID());
});
