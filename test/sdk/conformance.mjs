// Conformance of a Parley server with the unmodified tinode-sdk 0.25.3.
//
// Run: PARLEY_ADDR=127.0.0.1:6060 node --test conformance.mjs
// (sdk_test.go builds and starts the server and runs this for `go test`).
// Set PARLEY_SDK_LOG=1 to print every frame the SDK sends and receives.
//
// The flows run in order and share accounts and connections: a later flow
// uses the topics and messages an earlier one created, and says so when that
// earlier flow did not get far enough. Only the SDK's public API is used,
// except for the quiescence check in harness.mjs and two flags the SDK puts
// on its own local copies of messages and receipts (_sending, _noForwarding),
// which tell those apart from what the server sent.

import { createHmac } from 'node:crypto';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADDR, PASSWORD, RUN, close, closeAll, collectData, fetchHistory, nextEvent, open,
  openLoggedIn, subscribe, tick, uuid, waitUntil, within,
} from './harness.mjs';
import { NodeXHR } from './xhr.mjs';

const TIMEOUT = { timeout: 30_000 };
const N = 100;

// State shared by the flows, filled in as they pass.
const S = {
  login: {}, // name -> login string
  uid: {}, // name -> user id
  token: {}, // name -> auth token
  A: null, // alice's session: me + p2p with bob
  B: null, // bob's first session
  B2: null, // bob's session after reconnecting
  C: null, // carol's session
  ta: null, // alice's topic for bob
  tb2: null, // bob's topic for alice (after reconnect)
  published: 0, // messages alice published to bob
  presAcs: null, // the {pres what:acs} bob's me got when alice opened the p2p topic
};

after(closeAll);

function need(cond, what) {
  assert.ok(cond, `an earlier flow did not complete: ${what}`);
}

async function createAccount(name) {
  const login = `${name}${RUN}`;
  const c = await open('ws', name);
  try {
    const ctrl = await within(c.createAccountBasic(login, PASSWORD, { public: { fn: name } }), `acc ${login}`);
    assert.equal(ctrl.code, 200, `acc login:true for ${login}: want 200, got ${JSON.stringify(ctrl)}`);
    assert.match(ctrl.params.user, /^usr/, `acc: params.user should be a usr… id: ${JSON.stringify(ctrl.params)}`);
    assert.ok(ctrl.params.token, 'acc login:true: params.token missing');
    assert.ok(ctrl.params.expires instanceof Date, `acc: params.expires must parse as a date, got ${ctrl.params.expires}`);
    assert.equal(c.getCurrentUserID(), ctrl.params.user, 'SDK did not take the acc reply as a login');
    S.login[name] = login;
    S.uid[name] = ctrl.params.user;
  } finally {
    await close(c);
  }
}

async function loginFresh(name) {
  const c = await open('ws', name);
  const ctrl = await within(c.loginBasic(S.login[name], PASSWORD), `login ${name}`);
  assert.equal(ctrl.code, 200, `login basic ${name}: ${JSON.stringify(ctrl)}`);
  assert.equal(ctrl.params.user, S.uid[name], `login basic ${name}: params.user`);
  assert.ok(ctrl.params.token && ctrl.params.expires instanceof Date, `login basic ${name}: token and expires (a date) required: ${JSON.stringify(ctrl.params)}`);
  assert.ok(c.isAuthenticated(), `SDK is not authenticated after login ${name}`);
  assert.ok(c.getAuthToken(), `SDK has no usable auth token after login ${name}`);
  S.token[name] = ctrl.params.token;
  return c;
}

async function subscribeMe(c) {
  const me = c.getMeTopic();
  const ctrl = await subscribe(me, me.startMetaQuery().withDesc().withSub().build());
  assert.equal(ctrl.topic, 'me', `sub me: ctrl.topic: ${JSON.stringify(ctrl)}`);
  return me;
}

test('a. accounts: acc, login basic, login token, 401 on a wrong password, 409 on a duplicate', TIMEOUT, async () => {
  for (const name of ['alice', 'bob', 'carol']) {
    await createAccount(name);
  }
  assert.equal(new Set(Object.values(S.uid)).size, 3, `user ids must differ: ${JSON.stringify(S.uid)}`);

  S.A = await loginFresh('alice');
  S.B = await loginFresh('bob');
  S.C = await loginFresh('carol');

  const viaToken = await open('ws', 'token');
  const ctrl = await within(viaToken.loginToken(S.token.alice), 'login token');
  assert.equal(ctrl.code, 200, `login token: ${JSON.stringify(ctrl)}`);
  assert.equal(ctrl.params.user, S.uid.alice, 'login token: params.user should be alice');

  const wrong = await open('ws', 'wrong');
  await assert.rejects(within(wrong.loginBasic(S.login.alice, 'not-the-password'), 'wrong password'),
    (err) => err.code === 401, 'a wrong password must be rejected with 401');
  const dup = await open('ws', 'dup');
  await assert.rejects(within(dup.createAccountBasic(S.login.alice, PASSWORD), 'duplicate acc'),
    (err) => err.code === 409, 'a taken login must be rejected with 409');
  await Promise.all([close(viaToken), close(wrong), close(dup)]);
});

test('b. me: desc and sub; a new p2p topic reaches the peer\'s contact list', TIMEOUT, async () => {
  need(S.A && S.B, 'alice and bob logged in');
  const ame = await subscribeMe(S.A);
  const bme = await subscribeMe(S.B);
  await waitUntil(() => ame.public && ame.public.fn === 'alice', "alice's me desc.public.fn");
  assert.ok(ame.acs && ame.acs.isJoiner(), `me desc.acs should include J: ${JSON.stringify(ame.acs)}`);

  const presAcs = nextEvent(bme, 'onPres', (p) => p.what === 'acs' && p.src === S.uid.alice,
    "bob's me: {pres what:acs src:alice}");
  const metaSub = nextEvent(bme, 'onMetaSub', (c) => c && c.name === S.uid.alice,
    "bob's me: meta.sub entry for alice (reply to the SDK's get sub topic=alice)");

  S.ta = S.A.getTopic(S.uid.bob);
  const ctrl = await subscribe(S.ta, S.ta.startMetaQuery().withDesc().withSub().build());
  assert.equal(ctrl.code, 200, `alice sub bob: ${JSON.stringify(ctrl)}`);
  assert.equal(ctrl.topic, S.uid.bob, 'alice sub bob: ctrl.topic must be bob\'s id (the SDK renames the topic to it)');
  assert.equal(S.ta.name, S.uid.bob, 'alice\'s topic name after subscribe');
  assert.ok(S.ta.acs.isReader() && S.ta.acs.isWriter(), `alice's p2p mode should include R and W: ${JSON.stringify(ctrl.params)}`);

  const pres = await presAcs;
  assert.ok(pres.dacs, `pres acs must carry dacs: ${JSON.stringify(pres)}`);
  S.presAcs = pres;
  const contact = await metaSub;
  assert.equal(bme.getContact(S.uid.alice), contact, "bob's me.getContact(alice)");
  const names = [];
  bme.contacts((c) => names.push(c.name));
  assert.ok(names.includes(S.uid.alice), `bob's contacts ${JSON.stringify(names)} should include alice`);
  assert.equal(contact.public && contact.public.fn, 'alice', "bob's contact for alice: public.fn");
});

// Tinode clears pres.tgt (and act) when it names the recipient. The SDK
// reads a tgt on 'me' as "someone else's access changed" and then ignores the
// change for a contact it already knows.
test('b1. pres acs on the peer\'s me carries no tgt naming the peer itself', TIMEOUT, () => {
  need(S.presAcs, 'flow b received the pres acs');
  assert.notEqual(S.presAcs.tgt, S.uid.bob, `pres acs to bob names bob as tgt: ${JSON.stringify(S.presAcs)}`);
});

test(`c. p2p: ${N} concurrent publishes get seq 1..${N}; the peer receives them in order`, TIMEOUT, async () => {
  need(S.ta && S.ta.isSubscribed(), 'alice attached to the p2p topic');
  const tb = S.B.getTopic(S.uid.alice);
  const got = collectData(tb);
  const ctrl = await subscribe(tb, tb.startMetaQuery().withDesc().build());
  assert.equal(ctrl.topic, S.uid.alice, 'bob sub alice: ctrl.topic must be alice\'s id');

  const acks = await within(Promise.all(
    Array.from({ length: N }, (_, i) => S.ta.publish(`msg ${i + 1}`))), `${N} publish acks`, 15_000);
  acks.forEach((a, i) => {
    assert.ok(a, `publish #${i + 1} was rejected (see PARLEY_SDK_LOG=1)`);
    assert.equal(a.code, 202, `publish #${i + 1}: ctrl code ${JSON.stringify(a)}`);
    assert.equal(a.params && a.params.seq, i + 1, `publish #${i + 1}: params.seq`);
    assert.equal(a.topic, S.uid.bob, `publish #${i + 1}: ctrl.topic`);
    assert.ok(a.ts instanceof Date, `publish #${i + 1}: ctrl.ts must parse as a date (RFC 3339, ms precision), got ${a.ts}`);
  });
  S.published = N;

  await waitUntil(() => got.length >= N, `bob to receive ${N} messages (has ${got.length})`, 10_000);
  await tick();
  assert.equal(got.length, N, 'bob received extra messages');
  got.forEach((d, i) => {
    assert.equal(d.seq, i + 1, `bob's message #${i + 1}: seq (order)`);
    assert.equal(d.from, S.uid.alice, `bob's message seq ${d.seq}: from`);
    assert.equal(d.topic, S.uid.alice, `bob's message seq ${d.seq}: topic must be named by the peer's id`);
    assert.equal(d.content, `msg ${i + 1}`, `bob's message seq ${d.seq}: content`);
    assert.ok(d.ts instanceof Date, `bob's message seq ${d.seq}: ts must parse as a date, got ${d.ts}`);
  });
});

test('b2. me: alice\'s subscription list reports the p2p topic with its seq', TIMEOUT, async () => {
  need(S.published === N, `${N} messages published`);
  const me = S.A.getMeTopic();
  const meta = await within(me.getMeta(me.startMetaQuery().withSub().build()), 'get me sub');
  assert.ok(Array.isArray(meta.sub), `get me what=sub: want meta.sub, got ${JSON.stringify(meta)}`);
  const entry = meta.sub.find((s) => s.topic === S.uid.bob);
  assert.ok(entry, `alice's me sub list should contain bob: ${JSON.stringify(meta.sub)}`);
  assert.equal(entry.seq, N, `alice's me sub entry for bob: seq ${JSON.stringify(entry)}`);
  assert.equal(entry.public && entry.public.fn, 'bob', 'alice\'s me sub entry for bob: public.fn');
});

test(`d. reconnect: login token, desc.seq = ${N}, history paged backwards to 204`, TIMEOUT, async () => {
  need(S.published === N && S.B, `${N} messages published and bob connected`);
  await close(S.B);
  S.B2 = await open('ws', 'bob2');
  const ctrl = await within(S.B2.loginToken(S.token.bob), 'bob login token');
  assert.equal(ctrl.code, 200, `bob login token: ${JSON.stringify(ctrl)}`);
  assert.equal(ctrl.params.user, S.uid.bob, 'bob login token: params.user');

  S.tb2 = S.B2.getTopic(S.uid.alice);
  await subscribe(S.tb2, S.tb2.startMetaQuery().withDesc().build());
  await waitUntil(() => S.tb2.seq === N, `desc.seq = ${N} on bob's topic (has ${S.tb2.seq})`);

  const { messages, ctrls } = await fetchHistory(S.tb2, { before: S.tb2.seq + 1, limit: 30 });
  const seqs = messages.map((d) => d.seq).sort((x, y) => x - y);
  assert.equal(new Set(seqs).size, seqs.length, `duplicates in history: ${seqs}`);
  assert.deepEqual(seqs, Array.from({ length: N }, (_, i) => i + 1), 'history must hold seq 1..N exactly');
  assert.deepEqual(ctrls.map((c) => c.code), [208, 208, 208, 208, 204], 'page codes for 100 messages, 30 a page');
  for (const d of messages) {
    assert.equal(d.content, `msg ${d.seq}`, `history seq ${d.seq}: content`);
    assert.equal(d.from, S.uid.alice, `history seq ${d.seq}: from`);
  }
});

test(`e. read receipt: bob's noteRead(${N}) reaches alice as {info what:read}`, TIMEOUT, async () => {
  need(S.tb2 && S.tb2.isSubscribed() && S.ta.isSubscribed(), 'both attached to the p2p topic');
  const info = nextEvent(S.ta, 'onInfo',
    (i) => !i._noForwarding && i.what === 'read' && i.from === S.uid.bob, "alice: {info what:read from:bob}");
  S.tb2.noteRead(N);
  const got = await info;
  assert.equal(got.seq, N, `read receipt seq: ${JSON.stringify(got)}`);
  assert.equal(got.topic, S.uid.bob, 'read receipt topic must be named by alice\'s view (bob\'s id)');
});

test('f. typing: bob\'s noteKeyPress reaches alice as {info what:kp}', TIMEOUT, async () => {
  need(S.tb2 && S.tb2.isSubscribed() && S.ta.isSubscribed(), 'both attached to the p2p topic');
  const info = nextEvent(S.ta, 'onInfo', (i) => i.what === 'kp', 'alice: {info what:kp}');
  S.tb2.noteKeyPress();
  const got = await info;
  assert.equal(got.from, S.uid.bob, `kp from: ${JSON.stringify(got)}`);
  assert.equal(got.topic, S.uid.bob, 'kp topic');
});

test('g. group: create, invite two, three members see each message in the same seq order', TIMEOUT, async () => {
  need(S.A && S.B2 && S.C, 'alice, bob and carol connected');
  const grp = S.A.getTopic(S.A.newGroupTopicName());
  const tmp = grp.name;
  const ctrl = await subscribe(grp, grp.startMetaQuery().withDesc().withSub().build(),
    { desc: { public: { fn: `group ${RUN}` } } });
  assert.match(ctrl.topic || '', /^grp/, `sub ${tmp}: ctrl.topic must be the new grp… name: ${JSON.stringify(ctrl)}`);
  assert.equal(grp.name, ctrl.topic, 'SDK renames the topic to ctrl.topic');
  assert.ok(grp.acs.isOwner(), `the creator should own the group: ${JSON.stringify(ctrl.params)}`);

  const cme = await subscribeMe(S.C);
  for (const who of ['bob', 'carol']) {
    const inv = await within(grp.invite(S.uid[who], null), `invite ${who}`);
    assert.ok(inv && inv.code >= 200 && inv.code < 300, `invite ${who}: ${JSON.stringify(inv)}`);
  }
  // The invitation already wants what carol's default allows, so the SDK
  // takes the {pres what:acs} and lists the group as a contact she may join
  // (with want N it dropped the pres and the web app filed the group under
  // blocked contacts).
  await waitUntil(() => {
    const c = cme.getContact(grp.name);
    return c && c.acs && c.acs.isJoiner() && c.acs.isWriter();
  }, "carol's me lists the group she was invited to, joinable");
  const views = { alice: grp };
  for (const [who, c] of [['bob', S.B2], ['carol', S.C]]) {
    views[who] = c.getTopic(grp.name);
    await subscribe(views[who], views[who].startMetaQuery().withDesc().build());
  }
  const got = {};
  for (const who of Object.keys(views)) {
    got[who] = collectData(views[who]);
  }
  const acks = [];
  for (const who of ['alice', 'bob', 'carol']) {
    const a = await within(views[who].publish(`hello from ${who}`), `${who} publishes to the group`);
    assert.ok(a && a.code === 202, `${who}'s group publish: ${JSON.stringify(a)}`);
    acks.push(a.params.seq);
  }
  assert.deepEqual(acks, [acks[0], acks[0] + 1, acks[0] + 2], `group seqs must be consecutive: ${acks}`);
  for (const who of Object.keys(views)) {
    await waitUntil(() => got[who].length >= 3, `${who} to receive 3 group messages (has ${got[who].length})`);
  }
  await tick();
  const seen = (who) => got[who].map((d) => `${d.seq}:${d.from}:${d.content}`);
  const want = ['alice', 'bob', 'carol'].map((w, i) => `${acks[i]}:${S.uid[w]}:hello from ${w}`);
  for (const who of Object.keys(views)) {
    assert.deepEqual(seen(who), want, `${who}'s view of the group`);
    assert.ok(got[who].every((d) => d.topic === grp.name), `${who}: group data topic must be ${grp.name}`);
  }

  const meta = await within(grp.getMeta(grp.startMetaQuery().withSub().build()), 'get group sub');
  assert.ok(Array.isArray(meta.sub), `get sub on the group: want meta.sub, got ${JSON.stringify(meta)}`);
  const members = meta.sub.map((s) => s.user).sort();
  assert.deepEqual(members, [S.uid.alice, S.uid.bob, S.uid.carol].sort(), 'group members');
});

test('h. delete: soft delete hides messages from the caller only; the author\'s hard delete wipes one for all', TIMEOUT, async () => {
  need(S.tb2 && S.tb2.isSubscribed() && S.ta.isSubscribed(), 'both attached to the p2p topic');
  const soft = await within(S.tb2.delMessages([{ low: 1, hi: 11 }], false), 'bob soft-deletes 1..10');
  assert.equal(typeof soft.params.del, 'number', `del: params.del must be a number: ${JSON.stringify(soft)}`);
  assert.ok(soft.params.del > 0, `del: params.del must be positive: ${JSON.stringify(soft)}`);

  const list = await within(S.tb2.delMessagesList([60, 61, 62], false), 'bob soft-deletes 60, 61, 62');
  assert.ok(list.params.del > soft.params.del, `delete ids must grow per topic: ${soft.params.del} then ${JSON.stringify(list.params)}`);

  const gone = (s) => s <= 10 || (s >= 60 && s <= 62);
  const bobSeqs = (await fetchHistory(S.tb2, { before: N + 1, limit: 100 })).messages.map((d) => d.seq);
  assert.deepEqual(bobSeqs.filter(gone), [], "bob's history after his soft deletes still has these");
  assert.equal(bobSeqs.length, N - 13, 'bob\'s history after soft delete: count');
  const aliceSeqs = (await fetchHistory(S.ta, { before: N + 1, limit: 100 })).messages.map((d) => d.seq);
  assert.equal(aliceSeqs.length, N, 'alice still sees all messages after bob\'s soft delete');

  assert.ok(S.ta.acs.isDeleter(), `alice lacks D on the p2p topic (mode ${S.ta.acs.getMode()}), so no hard delete`);
  const presDel = nextEvent(S.tb2, 'onPres', (p) => p.what === 'del', "bob: {pres what:del} after alice's hard delete");
  const hard = await within(S.ta.delMessages([{ low: 50, hi: 51 }], true), 'alice hard-deletes seq 50');
  assert.equal(typeof hard.params.del, 'number', `hard del: params.del: ${JSON.stringify(hard)}`);
  assert.ok(hard.params.del > list.params.del, `delete ids must grow per topic: ${list.params.del} then ${hard.params.del}`);
  const pres = await presDel;
  assert.ok(Array.isArray(pres.delseq), `pres del needs delseq: ${JSON.stringify(pres)}`);
  assert.ok(pres.delseq.some((r) => r.low <= 50 && (r.hi ? r.hi > 50 : r.low === 50)), `pres del should cover 50: ${JSON.stringify(pres)}`);

  for (const [who, topic] of [['bob', S.tb2], ['alice', S.ta]]) {
    const msgs = (await fetchHistory(topic, { before: N + 1, limit: 100 })).messages;
    const m50 = msgs.find((d) => d.seq === 50);
    assert.ok(!m50 || !m50.content, `${who} still gets seq 50's content after the hard delete: ${JSON.stringify(m50)}`);
  }
});

test('i. msgid idempotency: the same head.msgid twice gets one seq, duplicate:true, one delivery', TIMEOUT, async () => {
  need(S.A && S.C, 'alice and carol connected');
  const ac = S.A.getTopic(S.uid.carol);
  await subscribe(ac, ac.startMetaQuery().withDesc().build());
  const ca = S.C.getTopic(S.uid.alice);
  const got = collectData(ca);
  await subscribe(ca, ca.startMetaQuery().withDesc().build());

  const msgid = uuid();
  const send = (text) => {
    const msg = ac.createMessage(text, false);
    msg.head = { msgid };
    return within(ac.publishMessage(msg), `publish msgid ${msgid}`);
  };
  const first = await send('once only');
  const second = await send('once only');
  assert.ok(first && first.code === 202, `first publish: ${JSON.stringify(first)}`);
  assert.ok(second && second.code >= 200 && second.code < 300, `retry with the same msgid: ${JSON.stringify(second)}`);
  assert.equal(second.params.seq, first.params.seq, 'a retry with the same msgid must get the original seq');
  assert.ok(!first.params.duplicate, `first ack must not be a duplicate: ${JSON.stringify(first.params)}`);
  assert.equal(second.params.duplicate, true, `retry ack needs params.duplicate=true: ${JSON.stringify(second.params)}`);

  const next = await within(ac.publish('after'), 'publish a marker');
  assert.equal(next.params.seq, first.params.seq + 1, 'the next message gets the next seq');
  await waitUntil(() => got.some((d) => d.seq === next.params.seq), "carol to receive the marker");
  await tick();
  const copies = got.filter((d) => d.seq === first.params.seq);
  assert.equal(copies.length, 1, `carol must receive the msgid message once, got ${copies.length}`);
  assert.equal(copies[0].head && copies[0].head.msgid, msgid, 'the delivered message carries head.msgid');
});

test('j. long polling: accounts, p2p, 20 messages in order, history paging', TIMEOUT, async () => {
  const login = { x: `lpx${RUN}`, y: `lpy${RUN}` };
  const uid = {};
  for (const k of ['x', 'y']) {
    const c = await open('lp', `lp-${k}`);
    const ctrl = await within(c.createAccountBasic(login[k], PASSWORD, { public: { fn: k } }), `lp acc ${k}`);
    assert.equal(ctrl.code, 200, `lp acc ${k}: ${JSON.stringify(ctrl)}`);
    uid[k] = ctrl.params.user;
    await close(c);
  }
  const X = await openLoggedIn(login.x, 'lp');
  const Y = await openLoggedIn(login.y, 'lp');
  const tx = X.getTopic(uid.y);
  const sub = await subscribe(tx, tx.startMetaQuery().withDesc().build());
  assert.equal(sub.topic, uid.y, 'lp: ctrl.topic of the p2p sub');
  const ty = Y.getTopic(uid.x);
  const got = collectData(ty);
  await subscribe(ty, ty.startMetaQuery().withDesc().build());

  const acks = await within(Promise.all(Array.from({ length: 20 }, (_, i) => tx.publish(`lp ${i + 1}`))),
    'lp publish acks', 15_000);
  assert.deepEqual(acks.map((a) => a && a.code), Array(20).fill(202), 'lp publish codes');
  assert.deepEqual(acks.map((a) => a.params.seq), Array.from({ length: 20 }, (_, i) => i + 1), 'lp publish seqs');
  await waitUntil(() => got.length >= 20, `lp: y to receive 20 messages (has ${got.length})`, 10_000);
  assert.deepEqual(got.map((d) => d.seq), Array.from({ length: 20 }, (_, i) => i + 1), 'lp: receive order');
  assert.ok(got.every((d) => d.from === uid.x && d.content === `lp ${d.seq}`), 'lp: from and content');

  const tokenY = Y.getAuthToken().token;
  await close(Y);
  const Y2 = await open('lp', 'lp-y2');
  const tok = await within(Y2.loginToken(tokenY), 'lp login token');
  assert.equal(tok.params.user, uid.y, 'lp login token: params.user');
  const ty2 = Y2.getTopic(uid.x);
  await subscribe(ty2, ty2.startMetaQuery().withDesc().build());
  await waitUntil(() => ty2.seq === 20, `lp: desc.seq = 20 (has ${ty2.seq})`);
  const { messages } = await fetchHistory(ty2, { before: 21, limit: 7 });
  assert.deepEqual(messages.map((d) => d.seq).sort((p, q) => p - q), Array.from({ length: 20 }, (_, i) => i + 1),
    'lp: history');

  const all = await within(ty2.delMessagesAll(false), 'lp: delMessagesAll');
  assert.equal(typeof all.params.del, 'number', `lp: delMessagesAll: params.del: ${JSON.stringify(all)}`);
  const left = await fetchHistory(ty2, { before: 21, limit: 7 });
  assert.deepEqual(left.messages.map((d) => d.seq), [], 'lp: history after delMessagesAll');
  assert.deepEqual(NodeXHR.errors.map(String), [], 'lp: HTTP errors seen by the SDK');
  await Promise.all([close(X), close(Y2)]);
});

test('k. account: updateAccountBasic changes the password and the login; 409 for a taken login, 403 for another user', TIMEOUT, async () => {
  need(S.login.alice && S.uid.bob, 'accounts created');
  await createAccount('dave');
  const D = await loginFresh('dave');
  const NEW = 'newpass1';
  const ok = await within(D.updateAccountBasic(S.uid.dave, null, NEW), 'updateAccountBasic: password');
  assert.equal(ok.code, 200, `password change: ${JSON.stringify(ok)}`);

  const old = await open('ws', 'dave-old');
  await assert.rejects(within(old.loginBasic(S.login.dave, PASSWORD), 'login with the old password'),
    (err) => err.code === 401, 'the old password must be rejected with 401 after the change');
  const fresh = await open('ws', 'dave-new');
  const ctrl = await within(fresh.loginBasic(S.login.dave, NEW), 'login with the new password');
  assert.equal(ctrl.params.user, S.uid.dave, `login with the new password: ${JSON.stringify(ctrl)}`);

  await assert.rejects(within(D.updateAccountBasic(S.uid.dave, S.login.alice, null), 'rename to a taken login'),
    (err) => err.code === 409, 'a taken login must be rejected with 409');
  await assert.rejects(within(D.updateAccountBasic(S.uid.bob, null, 'hijack1'), "change bob's password"),
    (err) => err.code === 403, "another user's account must be rejected with 403");
  const renamed = `dave2${RUN}`;
  const rn = await within(D.updateAccountBasic(S.uid.dave, renamed, null), 'updateAccountBasic: login');
  assert.equal(rn.code, 200, `rename: ${JSON.stringify(rn)}`);
  const again = await open('ws', 'dave-renamed');
  const ctrl2 = await within(again.loginBasic(renamed, NEW), 'login with the new login');
  assert.equal(ctrl2.params.user, S.uid.dave, 'the renamed login logs into the same account');
  await Promise.all([close(D), close(old), close(fresh), close(again)]);
});

test('l. fnd: setMeta desc.public then getMeta sub finds users by login and by tag', TIMEOUT, async () => {
  need(S.A && S.C && S.A.getMeTopic().isSubscribed(), "alice attached to me, carol connected");
  const fnd = S.C.getFndTopic();
  await within(fnd.setMeta({ desc: { public: S.login.alice } }), 'fnd setMeta (not subscribed)');
  const meta = await within(fnd.getMeta(fnd.startMetaQuery().withSub().build()), 'fnd getMeta sub');
  assert.ok(Array.isArray(meta.sub), `get sub on fnd: want meta.sub, got ${JSON.stringify(meta)}`);
  const hit = meta.sub.find((s) => s.user === S.uid.alice);
  assert.ok(hit, `searching alice's login should find her: ${JSON.stringify(meta.sub)}`);
  assert.equal(hit.public && hit.public.fn, 'alice', 'fnd entry: public.fn');
  assert.ok(!meta.sub.some((s) => s.user === S.uid.carol), 'the searcher is not in the results');
  await tick();
  const found = [];
  fnd.contacts((c, key) => found.push(key));
  assert.ok(found.includes(S.uid.alice), `fnd.contacts() ${JSON.stringify(found)} should include alice`);

  // Tags set on me are searchable once set, lowercased.
  const tag = `conf${RUN}`;
  const me = S.A.getMeTopic();
  await within(me.setMeta({ tags: [tag.toUpperCase()] }), 'alice sets tags on me');
  const tags = await within(me.getMeta(me.startMetaQuery().withTags().build()), 'get tags on me');
  assert.deepEqual(tags.tags, [tag], `tags on me: ${JSON.stringify(tags)}`);
  await within(fnd.subscribe(), 'carol subscribes to fnd');
  await within(fnd.setMeta({ desc: { public: `nobody${RUN}, ${tag}` } }), 'fnd setMeta by tag');
  const byTag = await within(fnd.getMeta(fnd.startMetaQuery().withSub().build()), 'fnd getMeta sub by tag');
  assert.deepEqual((byTag.sub || []).map((s) => s.user), [S.uid.alice], `search by tag: ${JSON.stringify(byTag)}`);
  await within(fnd.setMeta({ desc: { public: `nobody${RUN}` } }), 'fnd setMeta, nothing to find');
  const none = await within(fnd.getMeta(fnd.startMetaQuery().withSub().build()), 'fnd getMeta sub, no match');
  assert.equal(none.code, 204, `a search finding nothing answers 204: ${JSON.stringify(none)}`);
  await within(fnd.leave(false), 'carol leaves fnd');
});

test('m. get on a topic not attached: desc of a user answers the card and acs.mode, sub 204, data 403', TIMEOUT, async () => {
  need(S.C && S.uid.bob, 'carol connected');
  const t = S.C.getTopic(S.uid.bob);
  assert.ok(!t.isSubscribed(), 'carol is not attached to bob');
  const meta = await within(t.getMeta(t.startMetaQuery().withDesc().build()), "get bob's desc unattached");
  assert.equal(meta.desc && meta.desc.public && meta.desc.public.fn, 'bob', `desc of bob: ${JSON.stringify(meta)}`);
  await waitUntil(() => t.public && t.public.fn === 'bob', "the SDK applies bob's desc to the topic");
  // Without a subscription the access is bob's default for carol's auth
  // level, mode only; Tinode's web app enables its input from it.
  const acs = t.getAccessMode();
  assert.ok(acs && acs.getMode() === 'JRWPASD' && acs.getWant() === null && acs.isWriter(),
    `desc.acs of bob: want mode JRWPASD alone, got ${JSON.stringify(acs)}`);
  const sub = await within(t.getMeta(t.startMetaQuery().withSub().build()), 'get sub unattached');
  assert.equal(sub.code, 204, `get sub on a topic without a subscription: ${JSON.stringify(sub)}`);
  await assert.rejects(within(t.getMeta(t.startMetaQuery().withData(undefined, undefined, 10).build()), 'get data unattached'),
    (err) => err.code === 403, 'get data on a topic not attached must be rejected with 403');
  assert.ok(!t.isSubscribed(), 'a get does not attach');
});

test('n. password change: the changing session gets a fresh token, the other is closed, older tokens fail with 401', TIMEOUT, async () => {
  await createAccount('erin');
  const E = await loginFresh('erin');
  const oldToken = S.token.erin;
  const E2 = await loginFresh('erin');
  const otherToken = S.token.erin;
  const closed = nextEvent(E2, 'onDisconnect', () => true, "erin's other session to be closed by the server");
  const NEW = 'newpass2';
  const ok = await within(E.updateAccountBasic(S.uid.erin, null, NEW), 'updateAccountBasic: password');
  assert.equal(ok.code, 200, `password change: ${JSON.stringify(ok)}`);
  assert.ok(ok.params && ok.params.token && ok.params.expires, `password change: want a fresh token and expires: ${JSON.stringify(ok)}`);
  await closed;
  assert.ok(!E2.isConnected(), 'the other session must be disconnected after the password change');

  for (const [what, token] of [['the first token', oldToken], ["the other session's token", otherToken]]) {
    const c = await open('ws', 'erin-old');
    await assert.rejects(within(c.loginToken(token), `loginToken with ${what}`),
      (err) => err.code === 401, `${what} must be rejected with 401 after the password change`);
    await close(c);
  }
  const fresh = await open('ws', 'erin-new');
  const ctrl = await within(fresh.loginToken(ok.params.token), 'loginToken with the fresh token');
  assert.equal(ctrl.params.user, S.uid.erin, `the fresh token logs in: ${JSON.stringify(ctrl)}`);
  const me = await subscribeMe(E);
  assert.ok(me.isSubscribed(), 'the changing session keeps working');
  await Promise.all([close(E), close(fresh)]);
});

test('o. delCurrentUser: the account goes, its login is free again, the peer keeps the history', TIMEOUT, async () => {
  need(S.C && S.uid.carol, 'carol connected');
  await createAccount('fay');
  const F = await loginFresh('fay');
  const fayToken = S.token.fay;
  const tf = F.getTopic(S.uid.carol);
  await subscribe(tf, tf.startMetaQuery().withDesc().build());
  const sent = await within(tf.publish('goodbye'), 'fay publishes to carol');
  assert.equal(sent.code, 202, `publish: ${JSON.stringify(sent)}`);

  const closed = nextEvent(F, 'onDisconnect', () => true, "fay's session to be closed after the deletion");
  await within(F.delCurrentUser(true), 'delCurrentUser');
  assert.equal(F.getCurrentUserID(), null, 'the SDK forgets the deleted user');
  await closed;

  const again = await open('ws', 'fay-again');
  await assert.rejects(within(again.loginBasic(S.login.fay, PASSWORD), 'login of the deleted user'),
    (err) => err.code === 401, 'the deleted account must not log in (401)');
  await assert.rejects(within(again.loginToken(fayToken), 'token of the deleted user'),
    (err) => err.code === 401, "the deleted account's token must fail with 401");
  const reborn = await within(again.createAccountBasic(S.login.fay, PASSWORD, { public: { fn: 'fay 2' } }), 'signup with the freed login');
  assert.equal(reborn.code, 200, `the login is free again: ${JSON.stringify(reborn)}`);
  assert.notEqual(reborn.params.user, S.uid.fay, 'a new account never reuses a deleted id');

  // Carol's subscription and the history outlive fay's account.
  const cf = S.C.getTopic(S.uid.fay);
  const got = collectData(cf);
  await subscribe(cf, cf.startMetaQuery().withDesc().withData(undefined, undefined, 10).build());
  await waitUntil(() => got.some((d) => d.seq === sent.params.seq && d.from === S.uid.fay && d.content === 'goodbye'),
    `carol to read fay's message after the deletion (has ${JSON.stringify(got)})`);
  await within(cf.leave(false), 'carol leaves the topic');
  await close(again);
});

// A merchant's backend signs customer tokens (HS256 here, with the key the
// server was started with); the page hands the token to the SDK as it is.
const JWT_KEY = process.env.PARLEY_JWT_KEY;

function signJWT(claims, key = JWT_KEY) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'sdk' })}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

test("p. jwt: login('jwt', token) as a shop's customer, the same user each time, the profile in trusted; a forged token is 401",
  { ...TIMEOUT, skip: !JWT_KEY && 'PARLEY_JWT_KEY not set (sdk_test.go sets it)' }, async () => {
    const sub = `shop-customer-${RUN}`;
    const exp = Math.floor(Date.now() / 1000) + 300;
    const c = await open('ws', 'customer');
    const ctrl = await within(c.login('jwt', signJWT({ sub, exp, name: 'Cleo', order: 'SO-1' })), "login('jwt')");
    assert.equal(ctrl.code, 200, `login jwt: ${JSON.stringify(ctrl)}`);
    assert.match(ctrl.params.user, /^usr/, `login jwt: params.user: ${JSON.stringify(ctrl.params)}`);
    assert.ok(c.isAuthenticated() && c.getAuthToken(), 'the SDK is logged in with a usable token');
    const me = await subscribeMe(c);
    await waitUntil(() => me.public && me.public.fn === 'Cleo' && me.trusted && me.trusted.verified === true &&
      me.trusted.claims && me.trusted.claims.order === 'SO-1', `me desc to carry the signed profile (public ${JSON.stringify(me.public)}, trusted ${JSON.stringify(me.trusted)})`);

    // createAccount with the jwt scheme is a login that creates the
    // account when it is new: the same customer is the same user.
    const again = await open('ws', 'customer-again');
    const acc = await within(again.createAccount('jwt', signJWT({ sub, exp, level: 'gold' }), true), "createAccount('jwt')");
    assert.equal(acc.code, 200, `acc jwt: ${JSON.stringify(acc)}`);
    assert.equal(acc.params.user, ctrl.params.user, 'the same sub must be the same user');

    const forged = await open('ws', 'forger');
    await assert.rejects(within(forged.login('jwt', signJWT({ sub, exp }, 'a-guess-of-the-merchant-key-0000000')), 'forged jwt'),
      (err) => err.code === 401 && /token signature invalid/.test(err.message), 'a forged token must be rejected with 401');
    await Promise.all([close(c), close(again), close(forged)]);
  });

process.on('exit', () => {
  if (process.exitCode) {
    console.error(`conformance against ${ADDR} failed; rerun with PARLEY_SDK_LOG=1 to see the frames`);
  }
});
