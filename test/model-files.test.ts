import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadCheckpoint, loadModel, ModelFileError, saveModel } from '../src/node.js';
import { inFlight, ownerPart, ownerTag, STALE_MS } from '../src/node/ownership.js';
import type { WriteStep } from '../src/node/model-files.js';
import { saveModelWithHook } from '../src/node/model-io.js';
import { checkpointModel, deadPid, plainLoad, serveFolder, weightValues } from './helpers/model-folders.js';
import { tempDir } from './helpers/temp-dir.js';

// Lets a test run code just before the loader opens a weights file (the loader opens with numeric
// flags; saving uses strings), to replace the model between a reader's model.json and its weights.
const beforeWeightsOpen = vi.hoisted(() => ({ run: undefined as undefined | (() => Promise<void>) }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: async (path: Parameters<typeof actual.open>[0], flags?: string | number, mode?: number) => {
      const run = beforeWeightsOpen.run;
      if (run && typeof flags === 'number' && /weights[^/]*\.bin$/.test(String(path))) {
        beforeWeightsOpen.run = undefined;
        await run();
      }
      return actual.open(path, flags, mode);
    },
  };
});

const work = tempDir('model-files');
const STEPS: WriteStep[] = ['prepared', 'weights-partial', 'weights-written', 'verified', 'manifest-written', 'committed', 'cleaned'];
const COMMITTED = new Set<WriteStep>(['committed', 'cleaned']);
let oldWeights: number[][];
let newWeights: number[][];

beforeAll(async () => {
  await tf.setBackend('cpu');
  [oldWeights, newWeights] = await Promise.all([1, 2].map(async (seed) => {
    const model = checkpointModel(seed, 0);
    const values = await weightValues(model);
    model.dispose();
    return values;
  })) as [number[][], number[][]];
});

/** Saves the old checkpoint (seed 1, epoch 0) into a fresh folder. */
async function oldCheckpoint(name: string): Promise<string> {
  const dir = join(work, name);
  const model = checkpointModel(1, 0);
  await saveModel(model, dir, { includeOptimizer: true });
  model.optimizer.dispose();
  model.dispose();
  return dir;
}

/**
 * Which checkpoint each of loadCheckpoint, loadModel and plain tfjs over HTTP sees in the folder:
 * 'old', 'new', 'a mixture', or the error when it finds none.
 */
async function eachLoads(dir: string, plain = true): Promise<string[]> {
  const seen: string[] = [];
  const server = await serveFolder(dir);
  const loads = [async () => (await loadCheckpoint(dir)).model, () => loadModel(dir), ...(plain ? [() => plainLoad(server.url)] : [])];
  try {
    for (const load of loads) {
      const model = await load().catch((error: Error) => error);
      if (model instanceof Error) {
        seen.push(`error: ${model.message}`);
        continue;
      }
      const values = await weightValues(model);
      const epoch = (model.getUserDefinedMetadata() as { tfjsFashionMnistCheckpoint: { epoch: number } }).tfjsFashionMnistCheckpoint.epoch;
      model.optimizer?.dispose();
      model.dispose();
      if (epoch === 0 && JSON.stringify(values) === JSON.stringify(oldWeights)) seen.push('old');
      else if (epoch === 1 && JSON.stringify(values) === JSON.stringify(newWeights)) seen.push('new');
      else seen.push('a mixture');
    }
  } finally {
    await server.close();
  }
  return seen;
}

/** What all three readers agree the folder holds (or all they saw, when they disagree). */
async function whatLoads(dir: string): Promise<string> {
  const seen = new Set(await eachLoads(dir));
  return [...seen].join(' | ');
}

// The frozen saves, kept reachable: a save frozen with a file open would otherwise be collected,
// and Node 26 turns a FileHandle closed by the garbage collector into an uncaught error.
const frozenSaves: Array<() => void> = [];

/** Starts saving the new checkpoint (seed 2, epoch 1) over `dir` and freezes it for good at `step`. */
async function freezeAt(dir: string, step: WriteStep): Promise<void> {
  await new Promise<void>((reached, failed) => {
    const model = checkpointModel(2, 1);
    saveModelWithHook(model, dir, { includeOptimizer: true }, (at) => {
      if (at !== step) return;
      reached();
      return new Promise<void>((resume) => void frozenSaves.push(resume));
    }).catch(failed);
  });
}

/** Files a crash left: everything but model.json and the weights file it lists. */
function leftovers(dir: string): string[] {
  const listed = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths as string[];
  return readdirSync(dir).filter((name) => name !== 'model.json' && !listed.includes(name));
}

describe('a save stopped after each step', () => {
  it.each(STEPS)('leaves the old or the new checkpoint, whole, when frozen after %s; the leftovers go once the writer is gone', async (step) => {
    const dir = await oldCheckpoint(`frozen-${step}`);
    await freezeAt(dir, step);
    const expected = COMMITTED.has(step) ? 'new' : 'old';
    // While the writer is alive (frozen), readers see a whole checkpoint and leave its files alone.
    expect(await whatLoads(dir)).toBe(expected);
    // Its own files (weights, temporary model.json) are still there: a live writer's are kept.
    if (['weights-partial', 'weights-written', 'verified', 'manifest-written'].includes(step)) expect(leftovers(dir).length).toBeGreaterThan(0);
    // The writer "dies": nothing of this process writes those files any more.
    inFlight.clear();
    expect(await whatLoads(dir)).toBe(expected);
    expect(leftovers(dir)).toEqual([]);
    expect(readdirSync(work).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it.each(STEPS.filter((step) => !COMMITTED.has(step)))('leaves nothing to load, and nothing behind, when the first save is frozen after %s', async (step) => {
    const dir = join(work, `first-${step}`);
    await freezeAt(dir, step);
    inFlight.clear();
    await expect(loadCheckpoint(dir)).rejects.toThrow(`${join(dir, 'model.json')}: not readable (no such file).`);
    // The next save takes the folder (it holds only this library's files) and removes the leftovers.
    const model = checkpointModel(2, 1);
    const { weightsFile } = await saveModel(model, dir, { includeOptimizer: true });
    model.optimizer.dispose();
    model.dispose();
    expect(readdirSync(dir).sort()).toEqual(['model.json', weightsFile]);
  });

  it.each(STEPS)('keeps the old checkpoint or commits the new one, and cleans up, when a step fails after %s', async (step) => {
    const dir = await oldCheckpoint(`failed-${step}`);
    const model = checkpointModel(2, 1);
    const error = await saveModelWithHook(model, dir, { includeOptimizer: true }, (at) => {
      if (at === step) throw Object.assign(new Error(`ENOSPC: no space left on device, write '${dir}/.tmp'`), { code: 'ENOSPC' });
    }).catch((e: Error) => e);
    model.optimizer.dispose();
    model.dispose();
    if (step !== 'cleaned') {
      expect(error).toBeInstanceOf(ModelFileError);
      expect((error as Error).message).toBe(`${dir}: the model cannot be saved here; no space left on the device (ENOSPC).`);
    }
    expect(await whatLoads(dir)).toBe(COMMITTED.has(step) ? 'new' : 'old');
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('a save whose files another process removed', () => {
  it('does not commit a model.json naming weights that were removed meanwhile; the old checkpoint stays', async () => {
    const dir = await oldCheckpoint('removed-under-writer');
    const model = checkpointModel(2, 1);
    const error = await saveModelWithHook(model, dir, { includeOptimizer: true }, (at) => {
      // As a cleaner that took this save for a dead writer's would.
      if (at === 'manifest-written') for (const name of leftovers(dir).filter((n) => n.endsWith('.bin'))) rmSync(join(dir, name));
    }).catch((e: Error) => e);
    model.optimizer.dispose();
    model.dispose();
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as Error).message).toMatch(
      new RegExp(`^${dir}: the model cannot be saved here; its new weights file weights\\.\\d+\\.[0-9a-f.]+\\.bin was removed before the save could commit \\(another process took it for a dead writer's leftover\\)\\.$`),
    );
    expect(await whatLoads(dir)).toBe('old');
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('a writer killed with SIGKILL', () => {
  const writer = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'crash-writer.ts');

  /** Runs the crash writer until it reports `step`, then kills it with SIGKILL. */
  async function killAt(dir: string, step: WriteStep): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, step], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(`reached ${step}\n`)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`the writer exited (${code}) before ${step}: ${output}`)));
    });
    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
  }

  it('leaves the old or the new checkpoint, whole, at each step; the next load removes what the dead writer left', async () => {
    for (const step of ['weights-partial', 'manifest-written', 'committed'] as const) {
      const dir = await oldCheckpoint(`killed-${step}`);
      await killAt(dir, step);
      expect(leftovers(dir).length, step).toBeGreaterThan(0);
      expect(await whatLoads(dir), step).toBe(step === 'committed' ? 'new' : 'old');
      expect(leftovers(dir), step).toEqual([]);
    }
  }, 120_000);
});

/** The owner part of a name written by process `pid` of this PID namespace (see ownership.ts). */
const ours = (pid: number) => ownerPart().replace(/^\d+/, String(pid));

describe('leftovers of dead writers', () => {
  it('removes the leftovers of dead writers only, and never a file it does not own', async () => {
    const dir = await oldCheckpoint('mixed');
    const dead = deadPid();
    const live = process.ppid;
    const names = {
      deadWeights: `weights.${ours(dead)}0123456789ab.bin`,
      deadTemp: `.model.json.${ours(dead)}${randomUUID()}.tmp`,
      liveWeights: `weights.${ours(live)}0123456789ab.bin`,
      liveTemp: `.model.json.${ours(live)}${randomUUID()}.tmp`,
      tfjsNodeWeights: 'weights.bin',
      foreign: 'notes.txt',
    };
    for (const name of Object.values(names)) writeFileSync(join(dir, name), 'x');
    const model = await loadModel(dir);
    model.optimizer?.dispose();
    model.dispose();
    expect(leftovers(dir).sort()).toEqual([names.liveTemp, names.foreign, names.liveWeights].sort());
  });

  it('keeps the files of writers it cannot ask (another PID namespace or host, or an untagged name) until they are old', async () => {
    const dir = await oldCheckpoint('unknown-owners');
    const other = ownerTag() === 'ffffffff' ? '00000000' : 'ffffffff';
    const dead = deadPid();
    const fresh = [`weights.${dead}.${other}.0123456789ab.bin`, `.model.json.${dead}.${other}.${randomUUID()}.tmp`, `weights.${dead}.0123456789ab.bin`];
    const old = [`weights.${dead}.${other}.ba9876543210.bin`, `.model.json.${dead}.${other}.${randomUUID()}.tmp`, `weights.${dead}.ba9876543210.bin`];
    const longAgo = (Date.now() - STALE_MS - 60_000) / 1000;
    for (const name of [...fresh, ...old]) writeFileSync(join(dir, name), 'x');
    for (const name of old) utimesSync(join(dir, name), longAgo, longAgo);
    const model = await loadModel(dir);
    model.optimizer?.dispose();
    model.dispose();
    expect(leftovers(dir).sort()).toEqual([...fresh].sort());
  });

  it('keeps a weights.bin that model.json lists (a folder saved by tfjs-node)', async () => {
    const dir = await oldCheckpoint('tfjs-node-name');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    renameSync(join(dir, json.weightsManifest[0].paths[0]), join(dir, 'weights.bin'));
    json.weightsManifest[0].paths = ['weights.bin'];
    delete json.modelJsonSha256;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    expect(await whatLoads(dir)).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    // Replacing it removes the old weights.bin, which the new model.json no longer lists.
    const model = checkpointModel(2, 1);
    const { weightsFile } = await saveModel(model, dir, { includeOptimizer: true });
    model.optimizer.dispose();
    model.dispose();
    expect(readdirSync(dir).sort()).toEqual(['model.json', weightsFile]);
  });
});

describe('concurrent saves and loads in one process', () => {
  it('a load whose weights a save replaced after it read model.json reads the new model.json again', async () => {
    const dir = await oldCheckpoint('replaced-mid-load');
    const model = checkpointModel(2, 1);
    beforeWeightsOpen.run = async () => {
      await saveModel(model, dir, { includeOptimizer: true });
    };
    const loaded = await loadCheckpoint(dir);
    expect(beforeWeightsOpen.run).toBeUndefined();
    expect(loaded.initialEpoch).toBe(2);
    expect(await weightValues(loaded.model)).toEqual(newWeights);
    for (const m of [model, loaded.model]) {
      m.optimizer.dispose();
      m.dispose();
    }
  });

  // Plain tfjs is left out: a reader that fetches model.json just before a save commits and the
  // weights just after finds them deleted (a documented limit); the library's loaders read again.
  it('every load sees one whole checkpoint, and the folder ends with one weights file', async () => {
    const dir = await oldCheckpoint('concurrent');
    const models = [checkpointModel(1, 0), checkpointModel(2, 1)];
    const saves = Array.from({ length: 16 }, (_, i) => saveModel(models[i % 2]!, dir, { includeOptimizer: true }));
    const loads = Array.from({ length: 16 }, () => eachLoads(dir, false));
    await Promise.all(saves);
    for (const seen of (await Promise.all(loads)).flat()) expect(['old', 'new']).toContain(seen);
    expect(leftovers(dir)).toEqual([]);
    for (const model of models) {
      model.optimizer.dispose();
      model.dispose();
    }
  });
});
