// src/errors.ts:9
import { buildMiniVGGNet, FashionMnistError } from 'tfjs-fashion-mnist';

try {
  buildMiniVGGNet({ width: 3, height: 28, depth: 1, classes: 10 });
} catch (error) {
  if (error instanceof FashionMnistError) console.error(error.message);
}
export {};
