// The widget's first load in Chromium: bytes transferred and time to
// interactive, from the browser's Performance API.
//
//   PARLEY_BIN=bin/parley node bench/firstload.mjs     # starts a server of its own
//   PARLEY_ADDR=127.0.0.1:6060 node bench/firstload.mjs  # or a running one with a team "sales"
//
// Each run is a fresh browser context (empty cache and storage: a new
// visitor) loading /widget/; "interactive" is the page's
// parley-widget-ready mark (logged in, conversation open, message box
// usable). A second load in the same context shows the cached case. The
// merchant's side is the size of embed.js. RUNS sets the number of runs (10).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const runs = Number(process.env.RUNS || 10);
const adminToken = 'widget-bench-admin-token';

async function server() {
  if (process.env.PARLEY_ADDR) {
    return { addr: process.env.PARLEY_ADDR, stop: () => undefined };
  }
  const bin = process.env.PARLEY_BIN;
  if (!bin) {
    throw new Error('set PARLEY_BIN (a parley binary built after `make web`) or PARLEY_ADDR');
  }
  const data = mkdtempSync(join(tmpdir(), 'parley-widget-bench-'));
  const p = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data', data], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PARLEY_ADMIN_TOKEN: adminToken, PARLEY_SIGNUP_BURST: '1000' },
  });
  const addr = await new Promise((resolve, reject) => {
    let log = '';
    const look = (b) => {
      log += b;
      const m = /parley serving"? addr=(\S+)/.exec(log);
      if (m) resolve(m[1]);
    };
    p.stdout.on('data', look);
    p.stderr.on('data', look);
    p.on('exit', (code) => reject(new Error(`parley exited with ${code}:\n${log}`)));
  });
  // One team, so that the visitors' service.open has a queue to join.
  const res = await fetch(`http://${addr}/v0/admin/teams`, { method: 'POST', body: JSON.stringify({ name: 'sales' }),
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' } });
  if (!res.ok) {
    throw new Error(`adding the team: ${res.status} ${await res.text()}`);
  }
  return { addr, stop: () => { p.kill('SIGTERM'); rmSync(data, { recursive: true, force: true }); } };
}

/** measure reads the page's figures once it is interactive. */
async function measure(page) {
  await page.waitForFunction(() => performance.getEntriesByName('parley-widget-ready').length > 0, null,
    { timeout: 30_000 });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const http = res.filter((r) => r.name.startsWith('http'));
    return {
      bytes: nav.transferSize + http.reduce((n, r) => n + r.transferSize, 0),
      body: nav.encodedBodySize + http.reduce((n, r) => n + r.encodedBodySize, 0),
      requests: 1 + http.length,
      fcp: fcp ? fcp.startTime : NaN,
      domReady: nav.domContentLoadedEventEnd,
      interactive: performance.getEntriesByName('parley-widget-ready')[0].startTime,
    };
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function main() {
  const srv = await server();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const cold = [];
  const warm = [];
  try {
    const url = `http://${srv.addr}/widget/?lang=en&team=sales`;
    for (let i = 0; i < runs; i++) {
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
      const page = await ctx.newPage();
      await page.goto(url);
      cold.push(await measure(page));
      await page.reload();
      warm.push(await measure(page));
      await ctx.close();
    }
    const embed = await fetch(`http://${srv.addr}/widget/embed.js`).then((r) => r.arrayBuffer());
    const row = (name, xs) => `| ${name} | ${xs[0].requests} | ${(pct(xs.map((x) => x.bytes), 50) / 1024).toFixed(1)} KB | ` +
      `${pct(xs.map((x) => x.fcp), 50).toFixed(0)} ms | ${pct(xs.map((x) => x.interactive), 50).toFixed(0)} ms | ` +
      `${pct(xs.map((x) => x.interactive), 90).toFixed(0)} ms |`;
    console.log(`widget first load, ${runs} runs, Chromium ${browser.version()}, server ${srv.addr}`);
    console.log('| load | requests | bytes transferred (p50) | first contentful paint (p50) | interactive (p50) | interactive (p90) |');
    console.log('|---|---|---|---|---|---|');
    console.log(row('first (empty cache, new visitor)', cold));
    console.log(row('again (cached, same visitor)', warm));
    console.log(`body bytes of the first load: ${(cold[0].body / 1024).toFixed(1)} KB; embed.js: ${(embed.byteLength / 1024).toFixed(1)} KB`);
  } finally {
    await browser.close();
    srv.stop();
  }
}

await main();
