import { defineConfig } from 'vite';

// Preact through esbuild's automatic JSX runtime: no Babel preset needed for a build this small.
// Everything (JS, CSS, Uppy's styles, hash-wasm's WebAssembly inlined as base64) ends up in
// dist/ and is served by the collector at `/`; nothing is fetched from a CDN.
export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
});
