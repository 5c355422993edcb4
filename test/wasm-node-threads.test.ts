import { readFileSync, statSync } from 'node:fs';
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
});
