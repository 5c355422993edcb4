// src/viz/png.ts:16
import { encodePng } from 'tfjs-fashion-mnist/node';

const png = encodePng({ width: 1, height: 1, data: new Uint8Array([255, 0, 0]) });
console.log(png.length > 0); // true
export {};
