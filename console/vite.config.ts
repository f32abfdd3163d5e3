import { defineConfig } from 'vite';

/** The operator console: a static single-page app (Preact), built into console/dist; relative URLs so any host or path can serve it. */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: true, chunkSizeWarningLimit: 600 },
});
