// The workbench's browser benchmark (docs/benchmarks.md, "Agent workbench"):
// starts `parley serve` (PARLEY_BIN, default bin/parley: run `make build`
// first), drives Debian's Chromium with playwright-core, and prints the
// figures as a Markdown table.
//
//   send      300 sends at a 300 ms cadence: Enter → message in the DOM, p50/p99,
//             and how many were in the DOM before the next frame
//   scroll    a 10,000-message conversation opened and scrolled bottom to top:
//             long tasks, JS heap and DOM size
//   load      50 open conversations receiving 20 messages/s in total for
//             BENCH_LOAD_SECONDS (default 300): long tasks, heap over time
//   first     first load of the workbench: bytes transferred, time to the
//             sign-in form and, signed in, to the workbench
//
// BENCH=send,scroll picks some; BENCH_SENDS, BENCH_SCROLL_MESSAGES and
// BENCH_LOAD_SECONDS shrink them for a quick look.

import { readFileSync } from 'node:fs';
import { startServer } from './server.mjs';

const token = 'bench-admin';
const server = await startServer(token);
process.env.PARLEY_ADDR = server.addr;
process.env.PARLEY_ADMIN_TOKEN = token;
const { admin, staff, customer, waitFor, PASSWORD } = await import('../e2e/harness.mjs');
const { chromium } = await import('playwright-core');

const probes = readFileSync(new URL('./probes.js', import.meta.url), 'utf8');
const which = new Set((process.env.BENCH || 'first,send,scroll,load').split(','));
const sends = Number(process.env.BENCH_SENDS || 300);
const scrollMessages = Number(process.env.BENCH_SCROLL_MESSAGES || 10_000);
const loadSeconds = Number(process.env.BENCH_LOAD_SECONDS || 300);
const run = Date.now().toString(36).slice(-5);
const rows = [];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-quic', '--no-first-run', '--enable-precise-memory-info', '--js-flags=--expose-gc'],
});

await admin('POST', 'teams', { name: 'bench' });

// The yardstick: a page of its own in the same browser doing a fixed 4 ms of
// work every 16 ms. On an idle machine it has no long task; each one it has
// is the machine (other processes, the scheduler), not the workbench. Every
// phase reports the yardstick's long tasks over the same interval.
const yardstick = await (async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.setContent('<title>yardstick</title>');
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push({ at: performance.timeOrigin + e.startTime, ms: e.duration })))
      .observe({ type: 'longtask' });
    setInterval(() => {
      const end = performance.now() + 4;
      while (performance.now() < end) { /* fixed work */ }
    }, 16);
  });
  return {
    async between(from, to) {
      const l = await page.evaluate(([f, t]) => window.__long.filter((x) => x.at >= f && x.at <= t).map((x) => x.ms), [from, to]);
      return `${l.filter((x) => x > 50).length} (longest ${fmt(Math.max(0, ...l))} ms)`;
    },
    close: () => context.close(),
  };
})();

/** agentPage signs a new agent in and returns the page, with the probes installed. */
async function agentPage(name, capacity) {
  await staff(name, 'agent', ['bench'], capacity);
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
  await context.addInitScript(probes);
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(`http://${server.addr}/`);
  await page.getByLabel('Login').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('radio', { name: 'Online', checked: true }).waitFor();
  return { context, page };
}

/**
 * profiled runs fn under Chromium's CPU profiler when BENCH_PROFILE is set,
 * and prints the functions with the most self time (where a long task went).
 */
async function profiled(page, what, fn) {
  if (!process.env.BENCH_PROFILE) {
    return fn();
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const r = await fn();
  const { profile } = await cdp.send('Profiler.stop');
  const self = new Map();
  const dt = profile.timeDeltas ?? [];
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  (profile.samples ?? []).forEach((id, i) => {
    const n = byId.get(id);
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}:${f.columnNumber}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`CPU profile of ${what}: ${fmt(total)} ms sampled; most self time:`);
  [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).forEach(([k, v]) => console.log(`  ${fmt(v).padStart(8)} ms  ${k}`));
  return r;
}

const q = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
const fmt = (x) => (Math.round(x * 10) / 10).toString();
const mb = (x) => `${(x / 1048576).toFixed(1)} MB`;
const heap = (page) => page.evaluate(() => { window.gc?.(); return performance.memory.usedJSHeapSize; });
const longtasks = (page, from = 0) => page.evaluate((f) => window.__bench.longtasks.filter((t) => t.start >= f), from);
const now = (page) => page.evaluate(() => performance.now());

if (which.has('first')) {
  const context = await browser.newContext({ locale: 'en-US' });
  await context.addInitScript(probes);
  const page = await context.newPage();
  await page.goto(`http://${server.addr}/`, { waitUntil: 'load' });
  await page.locator('input[name=login]').waitFor();
  const r = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const bytes = nav.transferSize + res.reduce((a, e) => a + e.transferSize, 0);
    return { bytes, ready: window.__bench.ready.login, load: nav.loadEventEnd };
  });
  rows.push(['first load: bytes transferred (HTML, JS, CSS)', `${(r.bytes / 1024).toFixed(1)} KiB`]);
  rows.push(['first load: navigation → sign-in form in the DOM', `${fmt(r.ready)} ms`]);
  rows.push(['first load: navigation → load event', `${fmt(r.load)} ms`]);
  await context.close();
}

if (which.has('send')) {
  const { context, page } = await agentPage(`send${run}`, 5);
  const c = await customer('bench');
  await page.locator(`[data-topic="${c.topic}"]`).click();
  const box = page.getByRole('textbox', { name: 'Message', exact: true });
  const t0 = await now(page);
  const wall0 = Date.now();
  for (let i = 0; i < sends; i++) {
    const started = Date.now();
    await box.fill(`send ${i}`);
    await box.press('Enter');
    const left = 300 - (Date.now() - started);
    if (left > 0) {
      await page.waitForTimeout(left); // the cadence of the brief: one send every 300 ms
    }
  }
  await waitFor(() => page.evaluate((n) => window.__bench.sends.length >= n, sends), 'every send to be measured');
  const s = await page.evaluate(() => window.__bench.sends);
  const ms = s.map((x) => x.ms).sort((a, b) => a - b);
  const lt = await longtasks(page, t0);
  rows.push([`send → in the DOM (${sends} sends, 300 ms apart): p50 / p99 / max`, `${fmt(q(ms, 0.5))} / ${fmt(q(ms, 0.99))} / ${fmt(ms[ms.length - 1])} ms`]);
  rows.push(['send: in the DOM before the next frame', `${s.filter((x) => x.inFrame).length} of ${s.length}`]);
  rows.push(['send: long tasks > 50 ms during the sends', `${lt.filter((t) => t.ms > 50).length} (longest ${fmt(Math.max(0, ...lt.map((t) => t.ms)))} ms)`]);
  rows.push(['send: the yardstick page\'s long tasks meanwhile', await yardstick.between(wall0, Date.now())]);
  c.client.close();
  await context.close();
}

if (which.has('scroll')) {
  // The customer writes while nobody is online: the conversation waits with its history.
  const c = await customer('long');
  for (let i = 1; i <= scrollMessages; i++) {
    c.client.send(c.topic, i % 7 === 0 ? `message ${i}\n${'a longer line of text that wraps '.repeat(1 + (i % 5))}` : `message ${i}`);
    if (i % 500 === 0) {
      await waitFor(() => c.client.pending === 0, 'the customer\'s messages to be stored', 120_000);
    }
  }
  await waitFor(() => c.client.pending === 0, 'the customer\'s messages to be stored', 120_000);
  const { context, page } = await agentPage(`scroll${run}`, 5);
  const before = await heap(page);
  const t0 = await now(page);
  await page.locator(`[data-topic="${c.topic}"]`).click();
  await page.locator('.rows li').first().waitFor();
  const started = Date.now();
  const wall0 = started;
  // Scroll up a screen per frame until the first message is on screen.
  await profiled(page, 'the scroll', () => page.evaluate(async () => {
    const el = document.querySelector('.scroll');
    const deadline = performance.now() + 600_000;
    while (!document.querySelector('.rows li[data-seq="1"]') && performance.now() < deadline) {
      el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight);
      await new Promise((r) => requestAnimationFrame(r));
    }
  }));
  const took = Date.now() - started;
  const lt = await longtasks(page, t0);
  const dom = await page.evaluate(() => ({ rows: document.querySelectorAll('.rows li').length, nodes: document.getElementsByTagName('*').length }));
  const after = await heap(page);
  rows.push([`scroll: ${scrollMessages} messages, bottom to top (older pages of 50 loaded on the way)`, `${fmt(took / 1000)} s`]);
  rows.push(['scroll: long tasks > 50 ms', `${lt.filter((t) => t.ms > 50).length} (longest ${fmt(Math.max(0, ...lt.map((t) => t.ms)))} ms)`]);
  rows.push(['scroll: the yardstick page\'s long tasks meanwhile', await yardstick.between(wall0, Date.now())]);
  rows.push(['scroll: JS heap before opening → at the top (after GC)', `${mb(before)} → ${mb(after)}`]);
  rows.push(['scroll: rows / DOM elements at the top', `${dom.rows} / ${dom.nodes}`]);
  c.client.close();
  await context.close();
}

if (which.has('load')) {
  const { context, page } = await agentPage(`load${run}`, 50);
  const custs = [];
  for (let i = 0; i < 50; i++) {
    custs.push(await customer(`c${i}`));
  }
  await waitFor(async () => (await page.locator('.convs li').count()) === 50, 'all 50 conversations to be assigned', 60_000);
  await page.locator(`[data-topic="${custs[0].topic}"]`).click();
  const t0 = await now(page);
  const heaps = [await heap(page)];
  const lt0 = await longtasks(page, t0);
  const wall0 = Date.now();
  const end = Date.now() + loadSeconds * 1000;
  let sent = 0;
  let nextHeap = Date.now() + 30_000;
  while (Date.now() < end) {
    const c = custs[sent % 50];
    c.client.send(c.topic, `load ${sent}`);
    sent++;
    await new Promise((r) => setTimeout(r, 50)); // 20 messages per second in total
    if (Date.now() >= nextHeap) {
      nextHeap += 30_000;
      heaps.push(await page.evaluate(() => performance.memory.usedJSHeapSize));
    }
  }
  const lt = (await longtasks(page, t0)).slice(lt0.length);
  heaps.push(await heap(page));
  rows.push([`load: 50 conversations, ${sent} messages at 20/s over ${loadSeconds} s: long tasks > 50 ms`, `${lt.filter((t) => t.ms > 50).length} (longest ${fmt(Math.max(0, ...lt.map((t) => t.ms)))} ms)`]);
  rows.push(['load: the yardstick page\'s long tasks meanwhile', await yardstick.between(wall0, Date.now())]);
  rows.push(['load: JS heap at start (GC) / every 30 s / end (GC)', heaps.map(mb).join(', ')]);
  custs.forEach((c) => c.client.close());
  await context.close();
}

await yardstick.close();
await browser.close();
server.stop();
console.log('| figure | value |\n|---|---|');
for (const [k, v] of rows) {
  console.log(`| ${k} | ${v} |`);
}
