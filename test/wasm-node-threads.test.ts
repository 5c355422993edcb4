import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { withNodeWasmThreads } from '../src/wasm/node-threads.js';

describe('the Node worker shim of the threaded wasm build', () => {
  it('writes each worker script once, to its own file, and never rewrites one a worker may be reading', async () => {
    await withNodeWasmThreads(2, async () => {
      const first = URL.createObjectURL(new Blob(['postMessage("pool worker");']));
      const written = statSync(first);
      const again = URL.createObjectURL(new Blob(['postMessage("pool worker");']));
      expect(again).toBe(first);
      expect(statSync(again).mtimeMs).toBe(written.mtimeMs);
      const other = URL.createObjectURL(new Blob(['postMessage("another script");']));
      expect(other).not.toBe(first);
      expect(readFileSync(first, 'utf8')).toContain('postMessage("pool worker");');
      expect(readFileSync(other, 'utf8')).toContain('postMessage("another script");');
    });
  });

  it('writes CommonJS files (.cjs), which Deno too runs as CommonJS, not as ES modules', async () => {
    const file = await withNodeWasmThreads(2, async () => URL.createObjectURL(new Blob(['module.exports = typeof __filename;'])));
    expect(file).toMatch(/\.cjs$/);
  });

  it("makes a getter-only global writable before the script assigns it, as the worker scope's location is in Deno", async () => {
    const script = "Object.assign(globalThis, { location: { href: __filename } }); require('node:worker_threads').parentPort.postMessage(location.href);";
    const file = await withNodeWasmThreads(2, async () => URL.createObjectURL(new Blob([script])));
    // A worker whose global scope has a `location` with a getter only, then the written file.
    const worker = new Worker(`Object.defineProperty(globalThis, 'location', { get: () => undefined, configurable: true });\nrequire(${JSON.stringify(file)});`, { eval: true });
    const [href] = (await Promise.race([once(worker, 'message'), once(worker, 'error').then(([error]) => Promise.reject(error))])) as [string];
    expect(href).toBe(file);
    await worker.terminate();
  });
});
