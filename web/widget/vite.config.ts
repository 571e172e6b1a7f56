// The widget page, served by `parley serve` at /widget/ (web/embed.go embeds
// dist). The SDK is compiled from its sources, so the widget builds without
// building the SDK package first and tree-shakes what it does not use.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/widget/',
  resolve: {
    alias: { '@parley-im/sdk': fileURLToPath(new URL('../sdk/src/index.ts', import.meta.url)) },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
  },
});
