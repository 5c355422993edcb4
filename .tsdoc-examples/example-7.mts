// src/errors.ts:29
import { buildMiniVGGNet, InvalidArgumentError } from 'tfjs-fashion-mnist';

try {
  buildMiniVGGNet({ width: 0, height: 28, depth: 1, classes: 10 });
} catch (error) {
  if (error instanceof InvalidArgumentError) console.error(error.argument, error.expected);
}
export {};
