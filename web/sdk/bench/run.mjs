// Runs a benchmark written in TypeScript (bench.ts by default, or the file
// named as the first argument): bundles it with esbuild for Node, then
// imports it. `npm run bench` in web/sdk.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const entry = new URL(`./${process.argv[2] ?? 'bench.ts'}`, import.meta.url).pathname;
// Beside the sources (git ignores it), so that packages left external resolve from node_modules.
const out = join(fileURLToPath(new URL('./.build/', import.meta.url)), 'bench.mjs');
await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: out,
  logLevel: 'warning', external: ['esbuild', 'ws'] });
await import(pathToFileURL(out).href);
