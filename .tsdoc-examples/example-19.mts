// src/node/images.ts:56
import { decodeImage } from 'tfjs-fashion-mnist/node';
import { readFileSync } from 'node:fs';

const image = decodeImage(readFileSync('sneaker.jpg'));
export {};
