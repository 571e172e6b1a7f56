// File sends against a real `parley serve`: the upload is a step of the
// conversation's ordered outbox. Texts typed during a slow upload are shown
// after the file at once and delivered after it; a refused upload fails the
// file and lets the texts go; a failed file's resend uploads it again.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, FetchLike, Message } from '../../src/index.js';
import { BIN, Server, signup, waitFor } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * slowUploads is a fetch whose file uploads crawl through a slow uplink of
 * bytesPerSec: the request body is streamed no faster than that. Everything
 * else (long polling) goes through untouched.
 */
function slowUploads(bytesPerSec: number, done: { at: number }): FetchLike {
  return (async (url: string, init: RequestInit) => {
    if (!url.includes('/v0/file/u/')) {
      return fetch(url, init);
    }
    const req = new Request(url, init);
    const start = Date.now();
    let sent = 0;
    const slow = req.body!.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, ctl) {
        sent += chunk.length;
        await sleep(start + (sent / bytesPerSec) * 1000 - Date.now());
        ctl.enqueue(chunk);
      },
    }));
    const res = await fetch(url, { method: 'POST', headers: req.headers, body: slow, signal: init.signal,
      duplex: 'half' } as RequestInit);
    done.at = Date.now();
    return res;
  }) as unknown as FetchLike;
}

/** failFirstUpload is a fetch whose first upload fails as a dropped network would. */
function failFirstUpload(): FetchLike {
  let failed = false;
  return (async (url: string, init: RequestInit) => {
    if (url.includes('/v0/file/u/') && !failed) {
      failed = true;
      throw new TypeError('fetch failed');
    }
    return fetch(url, init);
  }) as unknown as FetchLike;
}

const text = (m: Message) => (m.content as { txt: string }).txt;
const isFile = (m: Message) => Array.isArray((m.content as { ent?: unknown }).ent);
const label = (m: Message) => (isFile(m) ? 'file' : text(m));
const ref = (m: Message) => (m.content as { ent: { data: { ref?: string } }[] }).ent[0]!.data.ref;

describe.skipIf(!BIN)('file sends against parley serve', () => {
  let srv: Server;
  const clients: Client[] = [];
  beforeAll(async () => {
    srv = await Server.start();
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await srv?.stop();
  });

  /** pair signs two users up and attaches each to their one-to-one conversation; bob's view is recorded. */
  async function pair(a: string, b: string, fetchFn?: FetchLike) {
    const alice = await signup(srv, a, fetchFn ? { fetch: fetchFn } : {});
    const bob = await signup(srv, b);
    clients.push(alice, bob);
    await alice.join(bob.userId);
    await bob.join(alice.userId);
    const view = { seen: [] as readonly Message[], arrivals: [] as Message[] };
    bob.messages(alice.userId).subscribe((l) => (view.seen = l));
    bob.message$.subscribe((m) => view.arrivals.push(m));
    return { alice, bob, view };
  }

  it('delivers texts sent during a slow 5 MB upload after the file, each once', async () => {
    const uploaded = { at: 0 };
    const { alice, bob, view } = await pair('alice', 'bob', slowUploads(2.5 * (1 << 20), uploaded)); // ~2 s for 5 MB
    const data = new Uint8Array(5 << 20);
    crypto.getRandomValues(data.subarray(0, 65536));
    const t0 = Date.now();
    const file = alice.sendFile(bob.userId, { name: 'parcel.bin', type: 'application/octet-stream', data });
    expect(file.status).toBe('sending'); // render first
    const texts = [1, 2, 3].map((i) => alice.send(bob.userId, { txt: `text ${i}` }));
    // On alice's screen at once: the file, then the texts (virtual seqs).
    expect(alice.messagesNow(bob.userId).map(label)).toEqual(['file', 'text 1', 'text 2', 'text 3']);
    expect((file.content as { ent: { data: { name: string; size: number } }[] }).ent[0]!.data)
      .toMatchObject({ name: 'parcel.bin', size: 5 << 20 });

    await sleep(300);
    expect(uploaded.at).toBe(0); // still uploading...
    expect(view.seen).toEqual([]); // ...and nothing overtook it
    expect(texts.every((m) => m.status === 'sending')).toBe(true);

    await waitFor(() => view.seen.length >= 4, () => `bob to have 4 messages (has ${view.seen.map(label)})`);
    await waitFor(() => alice.pending === 0, 'alice to have every send acknowledged');
    expect(uploaded.at - t0).toBeGreaterThan(1500); // it was slow
    expect(uploaded.at).toBeGreaterThan(0);
    expect(view.seen.map(label)).toEqual(['file', 'text 1', 'text 2', 'text 3']);
    expect(view.seen.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(view.arrivals.length).toBe(4); // each once
    expect(file.seq).toBe(1);
    expect(texts.map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(alice.messagesNow(bob.userId).map(label)).toEqual(['file', 'text 1', 'text 2', 'text 3']);

    // The file message names the upload, and the attachment link lets bob download it.
    const url = ref(view.seen[0]!);
    expect(url).toMatch(/^\/v0\/file\/s\//);
    expect(ref(file)).toBe(url);
    const res = await fetch(`http://${srv.addr}${url}`, { headers: { 'X-Tinode-Auth': `Token ${bob.token}` } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true); // (toEqual on 5 MB is slow)
  });

  it('fails a refused upload (HTML, 415) and delivers the texts behind it', async () => {
    const { alice, bob, view } = await pair('carol', 'dave');
    const html = new TextEncoder().encode('<!DOCTYPE html><html><body>hi</body></html>');
    const file = alice.sendFile(bob.userId, new Blob([html], { type: 'text/html' }), { name: 'page.html' });
    [1, 2, 3].forEach((i) => alice.send(bob.userId, { txt: `text ${i}` }));
    await waitFor(() => file.status === 'failed', () => `the file to fail (is ${file.status})`);
    await waitFor(() => view.seen.length >= 3, () => `bob to have the 3 texts (has ${view.seen.map(label)})`);
    await waitFor(() => alice.pending === 0, 'alice to have every send acknowledged');
    expect(view.seen.map(label)).toEqual(['text 1', 'text 2', 'text 3']);
    expect(view.arrivals.length).toBe(3);
    expect(file.seq).toBe(0);
    // Still shown, failed, in its place (resend tries again).
    expect(alice.messagesNow(bob.userId).map(label)).toEqual(['file', 'text 1', 'text 2', 'text 3']);
  });

  it('uploads a failed file again on resend', async () => {
    const { alice, bob, view } = await pair('erin', 'frank', failFirstUpload());
    const file = alice.sendFile(bob.userId, { name: 'note.txt', type: 'text/plain', data: new TextEncoder().encode('parcel 42') });
    alice.send(bob.userId, { txt: 'text 1' });
    await waitFor(() => file.status === 'failed', () => `the file to fail (is ${file.status})`);
    await waitFor(() => view.seen.length >= 1, 'bob to have the text');
    alice.resend(file);
    expect(file.status).toBe('sending');
    await waitFor(() => view.seen.length >= 2, () => `bob to have the file too (has ${view.seen.map(label)})`);
    await waitFor(() => file.status === 'sent' || file.status === 'delivered' || file.status === 'read',
      () => `the file to be stored (is ${file.status})`);
    expect(view.seen.map(label)).toEqual(['text 1', 'file']);
    expect(view.arrivals.length).toBe(2);
    expect(file.seq).toBe(2);
    expect(ref(view.seen[1]!)).toBe(ref(file));
  });
});
