// Files with the unmodified tinode-sdk 0.25.3: LargeFileHelper uploads an
// image, a Drafty message refers to it (the SDK lists the entity's ref in
// extra.attachments), the peer downloads it with LargeFileHelper, and a
// user outside the conversation is refused.
//
// Run: PARLEY_ADDR=127.0.0.1:6060 node --test files.mjs
// (files_test.go builds and starts the server and runs this for `go test`).
//
// LargeFileHelper is written for a browser: it resolves URLs against the
// page, saves a download by clicking a link to a blob URL, and reads an
// error body with FileReader. The stand-ins below do exactly that and no
// more; the SDK's code runs unchanged.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { resolveObjectURL } from 'node:buffer';
import { deflateSync } from 'node:zlib';
import { ADDR, PASSWORD, RUN, closeAll, open, subscribe, waitUntil, within } from './harness.mjs';

const require = createRequire(import.meta.url);
const { Drafty } = require('tinode-sdk');

const TIMEOUT = { timeout: 30_000 };

const saved = []; // blobs LargeFileHelper.download "saved"
globalThis.window = { location: { origin: `http://${ADDR}` }, URL };
globalThis.document = {
  createElement: () => ({
    style: {},
    setAttribute() {},
    click() { saved.push(resolveObjectURL(this.href)); },
  }),
  body: { appendChild() {}, removeChild() {} },
};
globalThis.FileReader = class {
  readAsText(blob) {
    blob.text().then((text) => { this.result = text; this.onload(); });
  }
};

after(closeAll);

/** A valid grey PNG of w×h pixels, built by hand (no image library). */
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((w + 1) * h, 0x80);
  for (let y = 0; y < h; y++) raw[y * (w + 1)] = 0; // filter: none
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

async function account(name) {
  const c = await open('ws', name);
  const ctrl = await within(c.createAccountBasic(`${name}${RUN}`, PASSWORD, { public: { fn: name } }), `acc ${name}`);
  assert.equal(ctrl.code, 200, `acc ${name}: ${JSON.stringify(ctrl)}`);
  return c;
}

test('files: upload with LargeFileHelper, send in Drafty, the peer downloads, an outsider is refused', TIMEOUT, async () => {
  const alice = await account('falice');
  const bob = await account('fbob');
  const eve = await account('feve');

  const pic = png(40, 30);
  const url = await within(alice.getLargeFileHelper().upload(new Blob([pic], { type: 'image/png' })), 'upload');
  assert.match(url, /^\/v0\/file\/s\/[a-z2-7]{26}\.png$/, `upload answered ${url}`);

  const ta = alice.getTopic(bob.getCurrentUserID());
  await subscribe(ta);
  const tb = bob.getTopic(alice.getCurrentUserID());
  const got = [];
  tb.onData = (d) => { if (d && d.content && !d._sending) got.push(d); };
  await subscribe(tb);

  const content = Drafty.insertImage(Drafty.init(' '), 0,
    { mime: 'image/png', refurl: url, width: 40, height: 30, filename: 'parcel.png', size: pic.length });
  const ctrl = await within(ta.publishMessage(ta.createMessage(content, false)), 'publish');
  assert.equal(ctrl.code, 202, `publish: ${JSON.stringify(ctrl)}`);

  const msg = await waitUntil(() => got.find((d) => Drafty.hasEntities(d.content)), 'bob to receive the image');
  let ref;
  Drafty.entities(msg.content, (data) => { ref = ref || data.ref; });
  assert.equal(ref, url, 'the entity keeps its ref');

  await within(bob.getLargeFileHelper().download(ref, 'parcel.png', 'image/png'), 'bob downloads');
  assert.equal(saved.length, 1, 'one file saved');
  assert.deepEqual(Buffer.from(await saved[0].arrayBuffer()), pic, 'bob got the bytes alice uploaded');

  await assert.rejects(within(eve.getLargeFileHelper().download(ref, 'x.png', 'image/png'), 'eve downloads'),
    (err) => err.code === 403, 'a user outside the conversation gets 403');
});

test('files: an HTML page declared as an image is refused with the server\'s reason', TIMEOUT, async () => {
  const mallory = await account('fmal');
  await assert.rejects(
    within(mallory.getLargeFileHelper().upload(new Blob(['<html><script>alert(1)</script>'], { type: 'image/png' })), 'upload'),
    (err) => err.code === 415 && /not accepted/.test(err.message),
    'upload of HTML as image/png');
});
