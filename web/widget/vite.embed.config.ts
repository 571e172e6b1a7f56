// The embeddable script, built as one classic script at dist/embed.js so
// merchants' pages load it with a plain <script src=".../widget/embed.js">.
// Its name carries no hash: it is the address merchants copy.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2020',
    lib: {
      entry: 'src/embed/embed.ts',
      name: 'ParleyEmbed',
      formats: ['iife'],
      fileName: () => 'embed.js',
    },
  },
});
