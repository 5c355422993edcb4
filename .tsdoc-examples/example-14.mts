// src/errors.ts:241
import { configureRenderer, RendererError } from 'tfjs-fashion-mnist';

try {
  configureRenderer({ wasm: new Uint8Array(), fonts: [] });
} catch (error) {
  if (error instanceof RendererError) console.error(error.message);
}
export {};
