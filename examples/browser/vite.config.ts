// Vite config of the browser demo. `tfjs-fashion-mnist` resolves to the library's source, so the
// demo always runs the code in this repository; an app of yours imports the published package.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Cross-origin isolation lets the wasm backend use its multi-threaded build (SharedArrayBuffer).
export const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: {
    // The browser's view of the package: the root entry, and the wasm entry's default condition.
    alias: [
      // The package's shipped files (package.json "exports": ./pretrained/model.json, ./pretrained/weights.bin).
      { find: /^tfjs-fashion-mnist\/pretrained\//, replacement: fileURLToPath(new URL('../../pretrained/', import.meta.url)) },
      { find: /^tfjs-fashion-mnist\/wasm$/, replacement: fileURLToPath(new URL('../../src/wasm/index.ts', import.meta.url)) },
      { find: /^tfjs-fashion-mnist$/, replacement: fileURLToPath(new URL('../../src/index.ts', import.meta.url)) },
    ],
  },
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
  },
});
