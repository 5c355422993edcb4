// src/node/images.ts:20
import { decodePng, encodePng } from 'tfjs-fashion-mnist/node';

const image = decodePng(encodePng({ width: 2, height: 1, data: new Uint8Array(6) }));
console.log(image.width, image.height); // 2 1
export {};
