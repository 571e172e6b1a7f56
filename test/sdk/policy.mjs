// The message policy through the unmodified tinode-sdk 0.25.3: a blocked
// message is an error to the sender and never reaches the peer; a masked
// one is masked text for both (the sender gets its own echo with the
// masked content); one held for review is accepted without a seq and
// reaches the peer only once approved.
//
// Run: PARLEY_ADDR=… PARLEY_ADMIN_TOKEN=… node --test policy.mjs
// (policy_test.go starts the server and runs this for `go test`).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADDR, PASSWORD, RUN, closeAll, collectData, open, subscribe, waitUntil, within,
} from './harness.mjs';

const TOKEN = process.env.PARLEY_ADMIN_TOKEN;
after(closeAll);

async function admin(method, path, body) {
  const res = await fetch(`http://${ADDR}${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

async function signup(name) {
  const t = await open('ws', name);
  const acc = await within(t.createAccountBasic(`${name}${RUN}`, PASSWORD, { public: { fn: name } }), `${name} acc`);
  assert.equal(acc.code, 200);
  return t;
}

test('policy verdicts seen by tinode-sdk', { timeout: 60_000 }, async () => {
  await admin('POST', '/v0/admin/words', { words: ['加微信', 'weixin'], action: 'block' });
  await admin('POST', '/v0/admin/words', { words: ['傻逼', 'idiot'], action: 'mask' });
  await admin('POST', '/v0/admin/words', { words: ['退款'], action: 'review' });

  const alice = await signup('alice');
  const bob = await signup('bob');
  const ta = alice.getTopic(bob.getCurrentUserID());
  const aliceGot = collectData(ta);
  await subscribe(ta, ta.startMetaQuery().withDesc().build());
  const tb = bob.getTopic(alice.getCurrentUserID());
  const bobGot = collectData(tb);
  await subscribe(tb, tb.startMetaQuery().withDesc().build());

  // Blocked: the SDK's request fails with the 422 (CommError), and the
  // topic marks the message failed; nothing is stored.
  const blocked = ta.createMessage('add me: w e i x i n', false);
  await assert.rejects(within(alice.publishMessage(blocked), 'blocked publish'),
    (err) => err.code === 422 && /blocked/.test(err.message), 'a blocked message must be a 422 error to the sender');
  const blocked2 = ta.createMessage('加 微 信', false);
  assert.equal(await within(ta.publishMessage(blocked2), 'blocked topic publish'), undefined);
  // _failed is what the SDK's msgStatus reads to show a failed own message.
  assert.equal(blocked2._failed, true, 'the topic marks the blocked message failed');

  // Masked: accepted with a seq; both sides hold the masked text.
  const ack = await within(ta.publish('you are an IDIOT, 傻 逼'), 'masked publish');
  assert.equal(ack.code, 202);
  assert.equal(ack.params.policy, 'masked', JSON.stringify(ack));
  const masked = 'you are an *****, ***';
  assert.equal(ack.params.content, masked);
  const seq = ack.params.seq;
  assert.equal(seq, 1, 'the blocked message took no seq');
  await waitUntil(() => bobGot.some((d) => d.seq === seq), 'bob to receive the masked message');
  assert.equal(bobGot.find((d) => d.seq === seq).content, masked);
  await waitUntil(() => aliceGot.some((d) => d.seq === seq), "alice's own echo");
  assert.equal(aliceGot.find((d) => d.seq === seq).content, masked, "the sender's screen matches the peer's");

  // Held: accepted without a seq; bob gets it once approved.
  const held = await within(ta.publish('我要退款'), 'held publish');
  assert.equal(held.code, 202);
  assert.equal(held.params.policy, 'review', JSON.stringify(held));
  assert.equal(held.params.seq, undefined, 'a held message has no seq');
  const { held: pending } = await admin('GET', '/v0/admin/reviews?state=pending');
  assert.equal(pending.length, 1);
  const { held: approved } = await admin('POST', `/v0/admin/reviews/${pending[0].id}/approve`);
  assert.equal(approved.seq, seq + 1);
  await waitUntil(() => bobGot.some((d) => d.seq === seq + 1), 'bob to receive the approved message');
  assert.equal(bobGot.find((d) => d.seq === seq + 1).content, '我要退款');
  assert.equal(bobGot.length, 2, `bob got only the masked and the approved message: ${JSON.stringify(bobGot)}`);
});
