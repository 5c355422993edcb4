// Child process of the kill -9 test: saves checkpoint (seed 2, epoch 1) over `dir` and, on reaching
// `step`, reports it on stdout and freezes (no further instruction runs) until the parent kills it.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { writeSync } from 'node:fs';
import { saveModelWithHook } from '../../src/node/model-io.js';
import { checkpointModel } from './model-folders.js';

const [dir, step] = process.argv.slice(2) as [string, string];
await tf.setBackend('cpu');
await saveModelWithHook(checkpointModel(2, 1), dir, { includeOptimizer: true }, (reached) => {
  if (reached !== step) return;
  writeSync(1, `reached ${reached}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
writeSync(1, 'finished\n');
