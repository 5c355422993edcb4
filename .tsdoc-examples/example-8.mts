// src/errors.ts:67
import { loadFashionMnist, DataVerificationError } from 'tfjs-fashion-mnist';

try {
  await loadFashionMnist({ dir: './my-copy' });
} catch (error) {
  if (error instanceof DataVerificationError) console.error(error.file, error.expected, error.actual);
}
export {};
