// Bundle size of the SDK: minified with esbuild, then gzipped, without RxJS
// (an application has it anyway) and with it; then with code splitting, as
// an application's bundler does it, to show what the protobuf codec
// (loaded by dynamic import on format: 'protobuf') adds and that the
// default bundle does not carry it. `npm run size` in web/sdk.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

const entry = new URL('../src/index.ts', import.meta.url).pathname;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const sizes = (code) => `${kb(code.length)} min, ${kb(gzipSync(code, { level: 9 }).length)} min+gzip`;
const common = { entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser',
  target: 'es2022', write: false };
for (const [label, external] of [['without rxjs', ['rxjs']], ['with rxjs (what the SDK uses of it)', []]]) {
  const r = await build({ ...common, external });
  console.log(`${label}, one file: ${sizes(r.outputFiles[0].contents)}`);
}
const split = await build({ ...common, external: ['rxjs'], splitting: true, outdir: '/out' });
for (const f of split.outputFiles) {
  const name = f.path.endsWith('/index.js') ? 'default bundle (entry chunk, without rxjs)'
    : f.text.includes('parley-protobuf') ? 'protobuf codec chunk (loaded on format: "protobuf")' : `shared chunk ${f.path}`;
  console.log(`${name}: ${sizes(f.contents)}`);
}
