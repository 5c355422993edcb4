// src/node/images.ts:86
import { savePng } from 'tfjs-fashion-mnist/node';

await savePng({ width: 1, height: 1, data: new Uint8Array([0, 255, 0]) }, 'pixel.png');
export {};
