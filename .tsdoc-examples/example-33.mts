// src/viz/canvas.ts:14
import { drawImageToCanvas } from 'tfjs-fashion-mnist';

drawImageToCanvas({ width: 1, height: 1, data: new Uint8Array([255, 0, 0]) }, document.querySelector('canvas')!);
export {};
