// Bundle size of the SDK: minified with esbuild, then gzipped, without RxJS
// (an application has it anyway) and with it. `npm run size` in web/sdk.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

const entry = new URL('../src/index.ts', import.meta.url).pathname;
for (const [label, external] of [['without rxjs', ['rxjs']], ['with rxjs (what the SDK uses of it)', []]]) {
  const r = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser',
    target: 'es2022', external, write: false });
  const code = r.outputFiles[0].contents;
  console.log(`${label}: ${(code.length / 1024).toFixed(1)} KB min, ${(gzipSync(code, { level: 9 }).length / 1024).toFixed(1)} KB min+gzip`);
}
