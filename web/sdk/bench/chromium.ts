// Runs page.ts in headless Chromium and prints what it measured.
// `npm run bench:browser` in web/sdk (needs chromium on PATH, or CHROMIUM).

import { build } from 'esbuild';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromiumPath } from '../test/e2e/browser.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-bench-page-'));
// run.mjs bundles this file into bench/.build/, hence the '..'.
await build({ entryPoints: [new URL('../page.ts', import.meta.url).pathname], bundle: true, format: 'esm',
  target: 'es2022', outfile: join(dir, 'page.js'), logLevel: 'warning' });
const web = createServer((req, res) => {
  if (req.url!.endsWith('.js')) {
    res.writeHead(200, { 'content-type': 'text/javascript' });
    res.end(readFileSync(join(dir, 'page.js')));
  } else {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="page.js"></script>');
  }
});
await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
const path = chromiumPath();
if (!path) {
  throw new Error('no chromium: install it or set CHROMIUM');
}
const browser = new Browser();
await browser.start(path);
try {
  await browser.call('Page.navigate', { url: `http://127.0.0.1:${(web.address() as { port: number }).port}/` });
  await browser.until(`document.title === 'done'`, 'the page to finish', 120_000);
  console.log(await browser.eval<string>('document.body.textContent'));
} finally {
  await browser.close();
  web.close();
}
