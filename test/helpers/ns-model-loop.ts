// Child process of the PID-namespace tests: `node --import tsx ns-model-loop.ts write <dir> <seed> <count>`
// saves `count` checkpoints into `dir` (seeds `seed` and `seed + 1` in turn) and after each checks
// that the model.json it committed names only files that exist; `... load <dir> <stopFile>` loads
// the folder (once the first save created it) again and again until `stopFile` exists. Each prints one JSON line with its counts and
// the messages of its failures.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, saveModel } from '../../src/node.js';
import { ownerTag } from '../../src/node/ownership.js';
import { checkpointModel } from './model-folders.js';

const [mode, dir, ...rest] = process.argv.slice(2) as [string, string, ...string[]];
await tf.setBackend('cpu');

/**
 * The weight files model.json lists that do not exist. A model.json replaced meanwhile (the other
 * writer committed) is checked again: only a model.json that stays put while naming a missing file
 * counts as broken.
 */
function missingListed(): string[] {
  const read = () => readFileSync(join(dir, 'model.json'), 'utf8');
  let text = read();
  for (let attempt = 0; attempt < 5; attempt++) {
    const paths = (JSON.parse(text) as { weightsManifest: Array<{ paths: string[] }> }).weightsManifest.flatMap((g) => g.paths);
    const missing = paths.filter((path) => !existsSync(join(dir, path)));
    const again = read();
    if (missing.length === 0 || again === text) return missing;
    text = again;
  }
  return [];
}

if (mode === 'write') {
  const [seed, count] = rest.map(Number) as [number, number];
  const models = [checkpointModel(seed, 0), checkpointModel(seed + 1, 1)];
  const failures: string[] = [];
  let saves = 0;
  let broken = 0;
  for (let i = 0; i < count; i++) {
    try {
      await saveModel(models[i % 2]!, dir, { includeOptimizer: true });
      saves++;
      if (missingListed().length > 0) broken++;
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  console.log(JSON.stringify({ pid: process.pid, tag: ownerTag(), saves, broken, failures }));
} else {
  const [stopFile] = rest as [string];
  const failures: string[] = [];
  let loads = 0;
  // The first save creates the folder.
  while (!existsSync(join(dir, 'model.json')) && !existsSync(stopFile)) await new Promise((resolve) => setTimeout(resolve, 10));
  while (!existsSync(stopFile)) {
    try {
      const model = await loadModel(dir);
      model.optimizer?.dispose();
      model.dispose();
      loads++;
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  console.log(JSON.stringify({ pid: process.pid, tag: ownerTag(), loads, failures }));
}
