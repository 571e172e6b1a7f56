// The workbench is Preact; @tanstack/react-virtual is written for React and
// runs on preact/compat, so react and react-dom are aliased to it.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  resolve: {
    alias: {
      react: 'preact/compat',
      'react-dom': 'preact/compat',
      'react/jsx-runtime': 'preact/jsx-runtime',
    },
  },
  build: { target: 'es2022', sourcemap: false, minify: process.env.PARLEY_NO_MINIFY ? false : "esbuild", chunkSizeWarningLimit: 300 },
});
