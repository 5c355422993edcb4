// src/errors.ts:107
import { loadFashionMnist, DatasetUnavailableError } from 'tfjs-fashion-mnist/node';

try {
  await loadFashionMnist({ download: false });
} catch (error) {
  if (error instanceof DatasetUnavailableError) console.error(error.message);
}
export {};
