// Finds resvg's wasm and the bundled font in node_modules, and reads them as every package file is
// read: without blocking, regular files only (read-file.ts).
import { createRequire } from 'node:module';
import { RendererError } from '../errors.js';
import type { RendererAssets } from '../viz/renderer.js';
import { describeFsError } from './atomic.js';
import { readRegularFile } from './read-file.js';

/** Larger than any of the three files (resvg's wasm is about 2.5 MB). */
const MAX_ASSET_BYTES = 64 * 2 ** 20;

export async function nodeRendererAssets(): Promise<RendererAssets> {
  const require = createRequire(import.meta.url);
  const read = async (name: string): Promise<Uint8Array> => {
    const path = require.resolve(name);
    try {
      return await readRegularFile(path, MAX_ASSET_BYTES);
    } catch (error) {
      const kind = (error as { kind?: string }).kind;
      throw new RendererError(`The renderer's ${path} cannot be read (${kind ? `it is ${kind}, not a regular file` : describeFsError(error)}).`, { cause: error });
    }
  };
  const [wasm, regular, bold] = await Promise.all([
    read('@resvg/resvg-wasm/index_bg.wasm'),
    read('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff2'),
    read('@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff2'),
  ]);
  return { wasm, fonts: [regular, bold] };
}
