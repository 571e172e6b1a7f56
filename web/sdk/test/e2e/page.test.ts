// The example page (examples/chat.html) in a real headless Chromium against
// a real `parley serve`: a person signs in, receives, sends, and reloads
// the page in the middle of sending 100 messages. The browser's own
// WebSocket, IndexedDB and task scheduling are used; the peer is an SDK
// client under Node. Skipped without PARLEY_BIN or a chromium binary.

import { build } from 'esbuild';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Message } from '../../src/index.js';
import { Browser, chromiumPath } from './browser.js';
import { BIN, PASSWORD, RUN, Server, signup, waitFor } from './harness.js';

const CHROMIUM = BIN ? chromiumPath() : '';

describe.skipIf(!BIN || !CHROMIUM)('the example page in Chromium', () => {
  let srv: Server;
  let web: HttpServer;
  let webAddr = '';
  const browser = new Browser();
  const clients: Client[] = [];

  beforeAll(async () => {
    srv = await Server.start();
    const dir = mkdtempSync(join(tmpdir(), 'parley-page-'));
    const examples = new URL('../../examples/', import.meta.url).pathname;
    await build({ entryPoints: [join(examples, 'chat.ts')], bundle: true, format: 'esm', target: 'es2022',
      outfile: join(dir, 'chat.js'), logLevel: 'warning' });
    copyFileSync(join(examples, 'chat.html'), join(dir, 'chat.html'));
    web = createServer((req, res) => {
      const file = req.url!.split('?')[0]!.endsWith('.js') ? 'chat.js' : 'chat.html';
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
      res.end(readFileSync(join(dir, file)));
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const a = web.address() as { port: number };
    webAddr = `127.0.0.1:${a.port}`;
    await browser.start(CHROMIUM);
  });
  afterAll(async () => {
    await browser.close();
    clients.forEach((c) => c.close());
    web?.close();
    await srv?.stop();
  });

  it('signs in, chats, and loses nothing to a reload in the middle of sending', async () => {
    const page = await signup(srv, 'pg');
    const pageUser = page.userId;
    page.close(); // the account exists; the person signs in on the page
    const bob = await signup(srv, 'pgb');
    clients.push(bob);
    await bob.join(pageUser);
    let seen: readonly Message[] = [];
    bob.messages(pageUser).subscribe((l) => (seen = l));

    await browser.call('Page.navigate', { url: `http://${webAddr}/chat.html?host=${srv.addr}` });
    await browser.until(`document.body.dataset.ready === 'signin'`, 'the sign-in form');
    await browser.eval(`(() => {
      document.querySelector('#login').value = 'pg${RUN}';
      document.querySelector('#password').value = '${PASSWORD}';
      document.querySelector('#peer').value = '${bob.userId}';
      document.querySelector('#signin').requestSubmit();
    })()`);
    await browser.until(`document.body.dataset.ready === '1'`, 'the page to sign in and join');

    bob.send(pageUser, 'hello from bob');
    await browser.until(`[...document.querySelectorAll('#log li')].some((li) => li.textContent.startsWith('hello from bob'))`,
      'bob\'s message on the page');

    // 100 sends, and a reload right after the 30th is stored, from inside the page. With at most
    // 64 unacknowledged on the wire, at least 6 were never written before the page went away:
    // bob can only get them from the reloaded page, which found them in IndexedDB.
    await browser.eval(`(() => {
      let stored = 0;
      parley.status$.subscribe((s) => { if (s.status === 'sent' && ++stored === 30) location.reload(); });
      for (let i = 0; i < 100; i++) parley.send('${bob.userId}', 'r' + i);
    })()`);
    await browser.until(`document.body.dataset.ready === '1' && performance.getEntriesByType('navigation')[0].type === 'reload'`,
      'the reloaded page to sign in again with its token');
    const fromPage = () => seen.filter((m) => m.from === pageUser).map((m) => String(m.content));
    await waitFor(() => fromPage().length >= 100, () => `bob to have 100 (has ${fromPage().length})`).catch(async (e) => {
      const diag = await browser.eval<string>(`(async () => {
        const db = await new Promise((r, j) => { const q = indexedDB.open('parley-sdk', 1); q.onsuccess = () => r(q.result); q.onerror = () => j(q.error); });
        const items = await new Promise((r) => { const q = db.transaction('outbox').objectStore('outbox').getAll(); q.onsuccess = () => r(q.result); });
        return JSON.stringify({ pending: parley.pending, user: parley.userId, shown: parley.messagesNow('${bob.userId}').length,
          unconfirmed: parley.messagesNow('${bob.userId}').filter((m) => !m.confirmed).map((m) => m.content + ':' + m.status),
          stored: items.map((i) => i.content + ':' + i.user) });
      })()`);
      throw new Error(`${String(e)}; page: ${diag}`);
    });
    expect(fromPage()).toEqual(Array.from({ length: 100 }, (_, i) => `r${i}`));
    expect(new Set(seen.map((m) => m.msgid)).size).toBe(seen.length);
    // The reloaded page shows the conversation's recent history (50 messages) ending in the last
    // send, each once, nothing left sending.
    const shown = () => `[...document.querySelectorAll('#log li')].map((li) => li.firstChild.textContent + ':' + li.dataset.status)`;
    await browser.until(`(() => { const l = ${shown()}; return l.length >= 50 && l.at(-1) === 'r99:' + l.at(-1).split(':')[1]
      && l.every((x) => !x.endsWith(':sending')); })()`, 'the page to show the conversation');
    const texts = (await browser.eval<string[]>(shown())).map((x) => x.split(':')[0]);
    expect(texts.slice(-50)).toEqual(Array.from({ length: 50 }, (_, i) => `r${i + 50}`));
  });

  it('chats over protobuf with the browser\'s own WebSocket (format=protobuf)', async () => {
    const page = await signup(srv, 'pgpb');
    const pageUser = page.userId;
    page.close();
    const bob = await signup(srv, 'pgpbb');
    clients.push(bob);
    await bob.join(pageUser);
    let seen: readonly Message[] = [];
    bob.messages(pageUser).subscribe((l) => (seen = l));

    // Forget the first test's sign-in (the page is still on the same origin), and record the
    // subprotocol and the kinds of frames of every socket the next page opens.
    await browser.eval(`localStorage.removeItem('parley-example')`);
    await browser.call('Page.enable');
    await browser.call('Page.addScriptToEvaluateOnNewDocument', { source: `(() => {
      const Native = WebSocket;
      window.__sockets = [];
      window.WebSocket = class extends Native {
        constructor(url, protocols) {
          super(url, protocols);
          const rec = { asked: protocols ?? null, protocol: '', binary: 0, text: 0 };
          window.__sockets.push(rec);
          this.addEventListener('open', () => { rec.protocol = this.protocol; });
          this.addEventListener('message', (e) => { typeof e.data === 'string' ? rec.text++ : rec.binary++; });
        }
      };
    })()` });
    await browser.call('Page.navigate', { url: `http://${webAddr}/chat.html?host=${srv.addr}&format=protobuf` });
    await browser.until(`document.body.dataset.ready === 'signin'`, 'the sign-in form').catch(async (e) => {
      const diag = await browser.eval<string>(`JSON.stringify({ ready: document.body.dataset.ready,
        sockets: window.__sockets, state: document.querySelector('#state')?.textContent })`);
      throw new Error(`${String(e)}; page: ${diag}`);
    });
    await browser.eval(`(() => {
      document.querySelector('#login').value = 'pgpb${RUN}';
      document.querySelector('#password').value = '${PASSWORD}';
      document.querySelector('#peer').value = '${bob.userId}';
      document.querySelector('#signin').requestSubmit();
    })()`);
    await browser.until(`document.body.dataset.ready === '1'`, 'the page to sign in and join');
    for (let i = 0; i < 20; i++) {
      bob.send(pageUser, `b${i}`);
    }
    await browser.eval(`(() => { for (let i = 0; i < 20; i++) parley.send('${bob.userId}', 'p' + i); })()`);
    const fromPage = () => seen.filter((m) => m.from === pageUser).map((m) => String(m.content));
    await waitFor(() => fromPage().length >= 20, () => `bob to have the page's 20 (has ${fromPage().length})`);
    expect(fromPage()).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`));
    const shown = `[...document.querySelectorAll('#log li')].map((li) => li.firstChild.textContent)`;
    await browser.until(`${shown}.filter((t) => t.startsWith('b')).length === 20`, 'bob\'s 20 on the page');
    const onPage = (await browser.eval<string[]>(shown)).filter((t) => t.startsWith('b'));
    expect(onPage).toEqual(Array.from({ length: 20 }, (_, i) => `b${i}`));
    const sockets = await browser.eval<{ asked: unknown; protocol: string; binary: number; text: number }[]>(
      'window.__sockets');
    expect(sockets.length).toBeGreaterThan(0);
    const last = sockets.at(-1)!;
    expect(last).toMatchObject({ asked: 'parley-protobuf', protocol: 'parley-protobuf', text: 0 });
    expect(last.binary).toBeGreaterThan(0);
  });
});
