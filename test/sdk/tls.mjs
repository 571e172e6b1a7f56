// tinode-sdk 0.25.3 with `secure: true` against a Parley server serving TLS
// (wss:// and https:// long polling).
//
// Run: PARLEY_ADDR=127.0.0.1:6443 PARLEY_SECURE=1 NODE_EXTRA_CA_CERTS=ca.pem node --test tls.mjs
// (sdk_test.go's TestTinodeSDKOverTLS makes the CA and the certificate,
// starts the server and runs this). The full conformance flows run over
// plain connections in conformance.mjs; these check that the SDK's secure
// transports reach the same server.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, RUN, SECURE, close, closeAll, collectData, open, openLoggedIn, subscribe, waitUntil, within,
} from './harness.mjs';
import { NodeXHR } from './xhr.mjs';

const TIMEOUT = { timeout: 30_000 };

after(closeAll);

async function signup(name, transport) {
  const c = await open(transport, name);
  const ctrl = await within(c.createAccountBasic(`${name}${RUN}`, PASSWORD, { public: { fn: name } }), `acc ${name}`);
  assert.equal(ctrl.code, 200, `acc ${name} over ${transport}: ${JSON.stringify(ctrl)}`);
  await close(c);
  return ctrl.params.user;
}

for (const transport of ['ws', 'lp']) {
  test(`${transport} over TLS: sign up, log in, a one-to-one exchange in order`, TIMEOUT, async () => {
    assert.ok(SECURE, 'run with PARLEY_SECURE=1');
    const uid = { x: await signup(`tls${transport}x`, transport), y: await signup(`tls${transport}y`, transport) };
    const X = await openLoggedIn(`tls${transport}x${RUN}`, transport);
    const Y = await openLoggedIn(`tls${transport}y${RUN}`, transport);
    const tx = X.getTopic(uid.y);
    await subscribe(tx, tx.startMetaQuery().withDesc().build());
    const ty = Y.getTopic(uid.x);
    const got = collectData(ty);
    await subscribe(ty, ty.startMetaQuery().withDesc().build());

    const acks = await within(Promise.all([1, 2, 3].map((i) => tx.publish(`secure ${i}`))), 'publish acks');
    assert.deepEqual(acks.map((a) => a.params.seq), [1, 2, 3], `${transport}: seqs`);
    await waitUntil(() => got.length >= 3, `${transport}: y to receive 3 messages (has ${got.length})`);
    assert.deepEqual(got.map((d) => d.content), ['secure 1', 'secure 2', 'secure 3'], `${transport}: order`);
    assert.deepEqual(NodeXHR.errors.map(String), [], `${transport}: HTTP errors seen by the SDK`);
    await Promise.all([close(X), close(Y)]);
  });
}
