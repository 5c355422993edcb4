// examples/vite-config.ts: your app's vite.config.ts, for the wasm backend's threads.
import { defineConfig } from 'vite';

// Threads share memory (SharedArrayBuffer), which browsers give cross-origin isolated pages only.
const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({ server: { headers }, preview: { headers } });
