// src/datasets/preprocess.ts:27
import '@tensorflow/tfjs-backend-cpu';
import { decodePng, toFashionMnistPixels } from 'tfjs-fashion-mnist';
import { readFileSync } from 'node:fs';

const pixels = toFashionMnistPixels(decodePng(readFileSync('shoe.png')));
export {};
