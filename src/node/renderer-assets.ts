// Finds resvg's wasm and the bundled font in node_modules.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { RendererAssets } from '../viz/renderer.js';

export async function nodeRendererAssets(): Promise<RendererAssets> {
  const require = createRequire(import.meta.url);
  const [wasm, regular, bold] = await Promise.all([
    readFile(require.resolve('@resvg/resvg-wasm/index_bg.wasm')),
    readFile(require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff2')),
    readFile(require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff2')),
  ]);
  return { wasm: new Uint8Array(wasm), fonts: [new Uint8Array(regular), new Uint8Array(bold)] };
}
