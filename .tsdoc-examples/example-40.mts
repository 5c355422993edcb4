// src/viz/renderer.ts:41
import { configureRenderer } from 'tfjs-fashion-mnist';
import wasmUrl from '@resvg/resvg-wasm/index_bg.wasm?url';
import fontUrl from '@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff2?url';

const font = new Uint8Array(await (await fetch(fontUrl)).arrayBuffer());
configureRenderer({ wasm: fetch(wasmUrl), fonts: [font] });
export {};
