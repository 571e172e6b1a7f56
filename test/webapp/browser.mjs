// Chromium, driven by playwright-core, with one browser context per user.
//
// The browser is Debian's Chromium (CHROMIUM, default /usr/bin/chromium):
// playwright-core never downloads one. Each user gets a context of their own
// (own cookies, localStorage and IndexedDB, like a separate browser profile),
// with the CDN interception of cdn.mjs and service workers blocked: the app's
// worker would load Firebase from a CDN, and requests from a worker bypass
// the interception.

import { chromium } from 'playwright-core';
import { join } from 'node:path';

import { routeCDNs } from './cdn.mjs';

// The flags the brief for this test fixes: no sandbox (root in CI), and no
// traffic of Chromium's own (updates, sync, QUIC probes) to slow a run down.
const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run',
];

// launch starts Chromium. Playwright gives it a fresh profile in a new
// temporary folder (--user-data-dir) and removes it on close; the users'
// contexts are incognito-like contexts of that one browser process, which
// costs far less than a process per user on a shared machine.
export function launch() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  return chromium.launch({ executablePath, args: chromiumArgs, headless: true });
}

// expectedMissing is what the app's package leaves to each deployment:
// firebase-init.js holds a deployment's push-notification keys.
const expectedMissing = /\/firebase-init\.js$/;

// actionTimeout bounds each click, fill and wait: a step that works takes
// well under a second, and a failing one should not hold a run for long.
const actionTimeout = 15_000;

// User is one person at one browser window.
export class User {
  constructor(name, context, page) {
    this.name = name;
    this.context = context;
    this.page = page;
    this.blocked = []; // outside URLs the page tried to reach
    this.console = []; // the page's console errors, for failure reports
    this.frames = []; // the page's WebSocket frames, for failure reports
  }

  // framesSince is the WebSocket frames sent and received from the time
  // since on (Date.now() milliseconds), one line each: the time relative to
  // since, the direction (> sent, < received) and the text, cut to max
  // characters.
  framesSince(since, max = 400) {
    return this.frames.filter(f => f.t >= since).map(f => {
      const text = f.text.length > max ? `${f.text.slice(0, max)}…(${f.text.length} chars)` : f.text;
      return `+${String(f.t - since).padStart(6)} ms ${f.dir} ${text}`;
    });
  }

  // open creates the user's context and page and loads the app.
  static async open(browser, name, appURL, modules) {
    const context = await browser.newContext({ serviceWorkers: 'block', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(actionTimeout);
    const u = new User(name, context, page);
    await routeCDNs(context, modules, u.blocked);
    // Failed loads are recorded with their URL from the response; the
    // console's own line for them does not say which resource it was.
    page.on('console', m => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) u.console.push(m.text());
    });
    page.on('response', r => {
      if (r.status() >= 400 && !expectedMissing.test(r.url())) u.console.push(`HTTP ${r.status()} ${r.url()}`);
    });
    page.on('requestfailed', r => {
      const why = r.failure()?.errorText || '';
      // Blocked ones are in u.blocked; aborted ones were cut short by a reload.
      if (!/BLOCKED_BY_CLIENT|ERR_ABORTED/.test(why) && !expectedMissing.test(r.url())) {
        u.console.push(`${why} ${r.url()}`);
      }
    });
    page.on('pageerror', e => u.console.push(`uncaught: ${e.message}`));
    // The wire, as the app saw it: when a flow fails, what the server sent
    // tells a server's fault from the app's or the test's.
    page.on('websocket', ws => {
      const add = (dir, payload) => {
        const text = typeof payload === 'string' ? payload : `(binary, ${payload.length} bytes)`;
        u.frames.push({ t: Date.now(), dir, text });
      };
      u.frames.push({ t: Date.now(), dir: '*', text: `open ${ws.url()}` });
      ws.on('framesent', f => add('>', f.payload));
      ws.on('framereceived', f => add('<', f.payload));
      ws.on('socketerror', e => u.frames.push({ t: Date.now(), dir: '*', text: `error ${e}` }));
      ws.on('close', () => u.frames.push({ t: Date.now(), dir: '*', text: 'closed' }));
    });
    await page.goto(appURL);
    return u;
  }

  // screenshot saves the page to dir and returns the file's path.
  async screenshot(dir, label) {
    const path = join(dir, `${label}-${this.name}.png`.replace(/[^\w.-]+/g, '_'));
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }

  close() {
    return this.context.close();
  }
}
