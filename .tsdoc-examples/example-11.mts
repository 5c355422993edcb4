// src/errors.ts:158
import { loadModel, ModelFileError } from 'tfjs-fashion-mnist/node';

try {
  await loadModel('no-such-model');
} catch (error) {
  if (error instanceof ModelFileError) console.error(error.file);
}
export {};
