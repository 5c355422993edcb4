// src/errors.ts:190
import { decodeImage, ImageDecodeError } from 'tfjs-fashion-mnist/node';

try {
  decodeImage(new Uint8Array([1, 2, 3]));
} catch (error) {
  if (error instanceof ImageDecodeError) console.error(error.message);
}
export {};
