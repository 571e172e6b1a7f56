// Runs bench.ts: bundles it with esbuild for Node (the SDK is TypeScript),
// then imports it. `npm run bench` in web/sdk.
import { build } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const out = join(mkdtempSync(join(tmpdir(), 'parley-bench-')), 'bench.mjs');
await build({ entryPoints: [new URL('./bench.ts', import.meta.url).pathname], bundle: true, platform: 'node',
  format: 'esm', outfile: out, logLevel: 'warning' });
await import(pathToFileURL(out).href);
