import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DataVerificationError, KerasSGD, loadModel, ModelFileError, saveModel } from '../src/node.js';
import { MAX_WEIGHT_BYTES, parseModelJson, specBytes, type WeightSpec } from '../src/node/model-json.js';
import { seededRandom } from '../src/random.js';
import { smallModel, weightsOf } from './helpers/models.js';
import { tempDir } from './helpers/temp-dir.js';

// Every file the loader opens for reading, to prove that no hostile model.json makes it open one
// outside its folder (realpath and stat only read metadata; `open` is the only way to content).
const opened = vi.hoisted(() => [] as string[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: (path: Parameters<typeof actual.open>[0], ...rest: [never?, never?]) => {
      opened.push(String(path));
      return actual.open(path, ...rest);
    },
  };
});

const work = tempDir('model-json');
const FILE = 'x/model.json';
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const spec = (over: Record<string, unknown> = {}) => ({ name: 'dense/kernel', shape: [2, 3], dtype: 'float32', ...over });
const json = (over: Record<string, unknown> = {}) => JSON.stringify({ modelTopology: { class_name: 'Sequential' }, weightsManifest: [{ paths: ['w.bin'], weights: [spec()] }], ...over });
const manifest = (weights: unknown[], paths: unknown = ['w.bin']) => json({ weightsManifest: [{ paths, weights }] });

/** Whether this runtime's JSON.stringify copes with `text`'s nesting (Node 26's copes with more than 22's and 24's). */
function stringifies(text: string): boolean {
  try {
    JSON.stringify(JSON.parse(text));
    return true;
  } catch {
    return false;
  }
}

describe('parseModelJson', () => {
  it('accepts a valid file and computes the weights size', () => {
    const parsed = parseModelJson(FILE, json());
    expect(parsed.weightBytes).toBe(24);
    expect(parsed.weightsManifest).toEqual([{ paths: ['w.bin'], weights: [spec()], bytes: 24 }]);
  });

  it.each([
    ['float32', undefined, [2, 3], 24],
    ['int32', undefined, [5], 20],
    ['bool', undefined, [7], 7],
    ['complex64', undefined, [3], 24],
    ['float32', { dtype: 'uint8', min: 0, scale: 1 }, [10], 10],
    ['int32', { dtype: 'uint16', min: -1, scale: 0.5 }, [10], 20],
    ['float32', { dtype: 'float16' }, [10], 20],
    ['float32', undefined, [], 4],
    ['float32', undefined, [1e12, 0], 0],
  ] as const)('counts %s %j of shape %j as %d bytes', (dtype, quantization, shape, bytes) => {
    expect(specBytes({ name: 'w', dtype, shape: [...shape], ...(quantization ? { quantization } : {}) } as WeightSpec)).toBe(bytes);
  });

  it.each([
    ['{', /^x\/model\.json: not valid JSON \(.+\)\.$/],
    ['[]', 'x/model.json: must hold a JSON object, but holds [].'],
    ['null', 'x/model.json: must hold a JSON object, but holds null.'],
    [json({ format: 'graph-model' }), 'x/model.json: `format` must be "layers-model" (a graph model cannot be loaded as a layers model), but is "graph-model".'],
    [json({ modelTopology: undefined }), 'x/model.json: `modelTopology` must be an object, but is undefined.'],
    [json({ modelTopology: [] }), 'x/model.json: `modelTopology` must be an object, but is [].'],
    [json({ trainingConfig: 'sgd' }), 'x/model.json: `trainingConfig` must be an object, but is "sgd".'],
    [json({ userDefinedMetadata: [1] }), 'x/model.json: `userDefinedMetadata` must be an object, but is [1].'],
    [json({ weightsSha256: 'abc' }), 'x/model.json: `weightsSha256` must be a SHA-256 in 64 lowercase hexadecimal digits, but is "abc".'],
    [json({ weightsManifest: undefined }), 'x/model.json: `weightsManifest` must be an array of weight groups, but is undefined.'],
    [json({ weightsManifest: null }), 'x/model.json: `weightsManifest` must be an array of weight groups, but is null.'],
    [json({ weightsManifest: {} }), 'x/model.json: `weightsManifest` must be an array of weight groups, but is an object (Object).'],
    [json({ weightsManifest: [null] }), 'x/model.json: `weightsManifest[0]` must be an object with `paths` and `weights`, but is null.'],
    [json({ weightsManifest: [{ weights: [] }] }), 'x/model.json: `weightsManifest[0].paths` must be a non-empty array of file names, but is undefined.'],
    [json({ weightsManifest: [{ paths: [], weights: [] }] }), 'x/model.json: `weightsManifest[0].paths` must be a non-empty array of file names, but is [].'],
    [json({ weightsManifest: [{ paths: ['w.bin'] }] }), 'x/model.json: `weightsManifest[0].weights` must be an array of weight specifications, but is undefined.'],
    [manifest([spec()], [7]), 'x/model.json: `weightsManifest[0].paths[0]` must be a relative path inside the model folder (no "..", no absolute path), but is 7.'],
    [manifest([spec()], ['../../../../etc/passwd']), 'x/model.json: `weightsManifest[0].paths[0]` must be a relative path inside the model folder (no "..", no absolute path), but is "../../../../etc/passwd".'],
    [manifest([spec()], ['/dev/zero']), 'x/model.json: `weightsManifest[0].paths[0]` must be a relative path inside the model folder (no "..", no absolute path), but is "/dev/zero".'],
    [manifest([spec()], ['a\\..\\..\\b']), 'x/model.json: `weightsManifest[0].paths[0]` must be a relative path inside the model folder (no "..", no absolute path), but is "a\\\\..\\\\..\\\\b".'],
    [manifest([spec()], ['C:weights.bin']), 'x/model.json: `weightsManifest[0].paths[0]` must be a relative path inside the model folder (no "..", no absolute path), but is "C:weights.bin".'],
    [manifest([spec()], ['']), 'x/model.json: `weightsManifest[0].paths[0]` must be a relative path inside the model folder (no "..", no absolute path), but is "".'],
    [manifest([7]), 'x/model.json: `weightsManifest[0].weights[0]` must be an object with `name`, `shape` and `dtype`, but is 7.'],
    [manifest([spec({ name: undefined })]), 'x/model.json: `weightsManifest[0].weights[0].name` must be a non-empty string, but is undefined.'],
    [manifest([spec({ shape: null })]), 'x/model.json: `weightsManifest[0].weights[0].shape` must be an array of at most 32 non-negative integers, but is null.'],
    [manifest([spec({ shape: [2, -1] })]), 'x/model.json: `weightsManifest[0].weights[0].shape` must be an array of at most 32 non-negative integers, but is [2, -1].'],
    [manifest([spec({ shape: [1.5] })]), 'x/model.json: `weightsManifest[0].weights[0].shape` must be an array of at most 32 non-negative integers, but is [1.5].'],
    [manifest([spec({ shape: ['2'] })]), 'x/model.json: `weightsManifest[0].weights[0].shape` must be an array of at most 32 non-negative integers, but is ["2"].'],
    [manifest([spec({ dtype: 'string' })]), 'x/model.json: `weightsManifest[0].weights[0].dtype` must be one of float32, int32, bool, complex64, but is "string".'],
    [manifest([spec({ dtype: undefined })]), 'x/model.json: `weightsManifest[0].weights[0].dtype` must be one of float32, int32, bool, complex64, but is undefined.'],
    [manifest([spec({ group: 'other' })]), 'x/model.json: `weightsManifest[0].weights[0].group` must be "model" or "optimizer", but is "other".'],
    [manifest([spec({ quantization: null })]), 'x/model.json: `weightsManifest[0].weights[0].quantization` must be an object with a `dtype`, but is null.'],
    [manifest([spec({ quantization: { dtype: 'uint8', scale: 1 } })]), 'x/model.json: `weightsManifest[0].weights[0].quantization.min` must be a finite number, but is undefined.'],
    [
      manifest([spec({ dtype: 'int32', quantization: { dtype: 'float16' } })]),
      'x/model.json: `weightsManifest[0].weights[0].quantization.dtype` must be uint8 or uint16 (float32 or int32 weights) or float16 (float32 weights) for a int32 weight, but is "float16".',
    ],
    [manifest([spec({ shape: [1024, 1024, 1024] })]), 'x/model.json: declares 4294967296 bytes of weights, more than the limit of 2147483648 (2 GiB).'],
    [manifest([spec({ shape: [2 ** 40, 2 ** 40] })]), 'x/model.json: declares more bytes of weights than the limit of 2147483648 (2 GiB).'],
    [json({ weightsManifest: [{ paths: Array(10_001).fill('w.bin'), weights: [] }] }), 'x/model.json: `weightsManifest` must be a list of at most 10000 weight files, but is "a list of 10001".'],
  ])('rejects %# with a ModelFileError naming the file', (text, message) => {
    let error: unknown;
    try {
      parseModelJson(FILE, text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as ModelFileError).file).toBe(FILE);
    if (typeof message === 'string') expect((error as Error).message).toBe(message);
    else expect((error as Error).message).toMatch(message);
  });
});

/** A saved small model compiled with KerasSGD (so a training configuration, in the metadata, and optimizer weights are present), and its weights. */
async function savedFolder(dir: string): Promise<{ weightsFile: string; expected: Float32Array[] }> {
  const model = smallModel();
  model.compile({ optimizer: new KerasSGD(), loss: 'categoricalCrossentropy' });
  const { weightsFile } = await saveModel(model, dir, { includeOptimizer: true });
  const expected = await weightsOf(model);
  model.dispose();
  return { weightsFile, expected };
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

describe('hostile model folders', () => {
  let dir: string;
  let file: string;
  let original: string;
  let weightsFile: string;
  const outside = join(work, 'outside.bin');

  beforeAll(async () => {
    dir = join(work, 'hostile');
    file = join(dir, 'model.json');
    ({ weightsFile } = await savedFolder(dir));
    original = readFileSync(file, 'utf8');
    // An outside file of exactly the weights' size: only confinement can stop it from loading.
    writeFileSync(outside, readFileSync(join(dir, weightsFile)));
    symlinkSync(outside, join(dir, 'escape.bin'));
    symlinkSync('/dev/zero', join(dir, 'zero.bin'));
    symlinkSync(weightsFile, join(dir, 'alias.bin'));
    execFileSync('mkfifo', [join(dir, 'fifo.bin')]);
    mkdirSync(join(dir, 'sub'));
  });

  // Edits drop the content checksum, as a hostile file would, or it would catch them first.
  const withPath = (path: string) => {
    const edited = JSON.parse(stripChecksum(original));
    edited.weightsManifest[0].paths = [path];
    writeFileSync(file, JSON.stringify(edited));
  };

  it.each([
    ['escape.bin', () => `${dir}/escape.bin: outside the model folder (it resolves to ${outside}); weight files must be inside it.`],
    ['zero.bin', () => `${dir}/zero.bin: outside the model folder (it resolves to /dev/zero); weight files must be inside it.`],
    ['fifo.bin', () => `${dir}/fifo.bin: a FIFO, not a regular file.`],
    ['sub', () => `${dir}/sub: a folder, not a regular file.`],
    ['.', () => `${dir}: a folder, not a regular file.`],
    ['missing.bin', () => `${dir}/missing.bin: listed in model.json but missing.`],
  ])('refuses the weights path %s before reading anything', async (path, message) => {
    withPath(path);
    opened.length = 0;
    const error = await errorOf(loadModel(dir));
    expect(error).toBeInstanceOf(ModelFileError);
    expect(error.message).toBe(message());
    // model.json only (read twice when a listed file is missing, in case a save replaced it meanwhile).
    expect(new Set(opened)).toEqual(new Set([realpathSync(file)]));
  });

  it('reports an edited model.json that kept its checksum as altered', async () => {
    writeFileSync(file, original.replace('"relu"', '"elu"'));
    const error = await errorOf(loadModel(dir));
    expect(error).toBeInstanceOf(DataVerificationError);
    expect(error.message).toMatch(new RegExp(`^${file}: the SHA-256 of its content \\(without \`modelJsonSha256\`\\) should be [0-9a-f]{64} but is [0-9a-f]{64}\\.$`));
  });

  it('refuses a model.json nested too deeply, with or without its checksum', async () => {
    const deep = '['.repeat(1e6) + ']'.repeat(1e6);
    const edited = JSON.parse(stripChecksum(original));
    writeFileSync(file, JSON.stringify(edited).replace('"modelTopology":{', `"modelTopology":{"deep":${deep},`));
    const error = await errorOf(loadModel(dir));
    expect(error).toBeInstanceOf(ModelFileError);
    expect(error.message).toBe(`${file}: tfjs cannot build its topology (Maximum call stack size exceeded).`);
    writeFileSync(file, original.replace('"modelTopology":{', `"modelTopology":{"deep":${deep},`));
    // The checksum needs JSON.stringify, which overflows the stack at this depth in Node 22 and 24;
    // Node 26's copes, so the file is refused as altered instead.
    if (stringifies(deep)) {
      await expect(loadModel(dir)).rejects.toThrow(new RegExp(`^${file}: the SHA-256 of its content \\(without \`modelJsonSha256\`\\) should be [0-9a-f]{64} but is [0-9a-f]{64}\\.$`));
    } else {
      await expect(loadModel(dir)).rejects.toThrow(`${file}: nested too deeply to be checked (Maximum call stack size exceeded).`);
    }
  });

  it('follows a link that stays inside the folder', async () => {
    withPath('alias.bin');
    const model = await loadModel(dir);
    model.optimizer?.dispose();
    model.dispose();
  });

  it('refuses weights declared beyond 2 GiB without opening a weights file', async () => {
    const edited = JSON.parse(stripChecksum(original));
    edited.weightsManifest[0].weights[0].shape = [1024, 1024, 1024];
    writeFileSync(file, JSON.stringify(edited));
    opened.length = 0;
    await expect(loadModel(dir)).rejects.toThrow(new RegExp(`^${file}: declares \\d+ bytes of weights, more than the limit of ${MAX_WEIGHT_BYTES} \\(2 GiB\\)\\.$`));
    expect(opened).toEqual([realpathSync(file)]);
  });

  it('refuses an oversized, FIFO, folder or escaping model.json without reading it', async () => {
    const other = join(work, 'odd');
    mkdirSync(other);
    const odd = join(other, 'model.json');
    writeFileSync(odd, '');
    truncateSync(odd, 64 * 1024 * 1024 + 1);
    await expect(loadModel(other)).rejects.toThrow(`${odd}: 67108865 bytes, more than the limit of 67108864 (64 MiB).`);
    rmSync(odd);
    execFileSync('mkfifo', [odd]);
    await expect(loadModel(other)).rejects.toThrow(`${join(other, 'model.json')}: not readable (it is a FIFO).`);
    rmSync(odd);
    mkdirSync(odd);
    await expect(loadModel(other)).rejects.toThrow(`${join(other, 'model.json')}: not readable (it is a folder).`);
    rmSync(odd, { recursive: true });
    symlinkSync(file, odd);
    await expect(loadModel(other)).rejects.toThrow(`${odd}: a link that leaves the model folder (to ${file}).`);
    await expect(loadModel(odd)).rejects.toThrow(`${join(odd, 'model.json')}: not readable (${odd} is not a folder).`);
  });

  it(
    'survives 400 seeded mutations of a saved model.json: a load of the same weights or a typed error, never a read outside',
    async () => {
      const fuzz = join(work, 'fuzz');
      const { weightsFile: fuzzWeights, expected } = await savedFolder(fuzz);
      const fuzzFile = join(fuzz, 'model.json');
      const text = readFileSync(fuzzFile, 'utf8');
      const weights = readFileSync(join(fuzz, fuzzWeights));
      symlinkSync(join(work, 'outside.bin'), join(fuzz, 'escape.bin'));
      execFileSync('mkfifo', [join(fuzz, 'fifo.bin')]);
      const random = seededRandom(20240613);
      const outcomes: Record<string, number> = {};
      const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 3);
      opened.length = 0;
      for (let i = 0; i < 400; i++) {
        writeFileSync(join(fuzz, fuzzWeights), weights);
        // Odd cases drop the content checksum first, as a hostile file would, so that the
        // validator and tfjs see the edits instead of the checksum catching them all.
        const checked = i % 2 === 0;
        const mutated = mutate(checked ? text : stripChecksum(text), random);
        writeFileSync(fuzzFile, mutated);
        const before = tf.memory().numTensors;
        const result = await loadModel(fuzz).catch((e: unknown) => e as Error);
        if (result instanceof Error) {
          const typed = result instanceof ModelFileError || result instanceof DataVerificationError;
          if (!typed) throw new Error(`case ${i}: ${result.name}: ${result.message}\n${mutated.slice(0, 2000)}`);
          outcomes[result.constructor.name] = (outcomes[result.constructor.name] ?? 0) + 1;
        } else {
          const actual = await weightsOf(result);
          // With the checksum the model is the saved one. Without, the manifest may slice the
          // same bytes otherwise (the file says so), but every value comes from the weights file.
          if (checked) expect(actual, `case ${i}`).toEqual(expected);
          else for (const w of actual) expect(weights.indexOf(Buffer.from(w.buffer, w.byteOffset, w.byteLength)), `case ${i}`).toBeGreaterThanOrEqual(0);
          tf.dispose(result.predict(x) as tf.Tensor);
          result.optimizer?.dispose();
          result.dispose();
          const key = checked ? 'loaded' : 'loaded without checksum';
          outcomes[key] = (outcomes[key] ?? 0) + 1;
        }
        expect(tf.memory().numTensors, `case ${i}`).toBe(before);
      }
      x.dispose();
      expect(opened.filter((path) => !path.startsWith(`${fuzz}/`))).toEqual([]);
      console.log('fuzz outcomes', outcomes);
      expect(Object.keys(outcomes).sort()).toEqual(['DataVerificationError', 'ModelFileError', 'loaded', 'loaded without checksum']);
    },
    120_000,
  );
});

const HOSTILE_VALUES: unknown[] = [null, true, 0, -1, 1.5, 1e300, 2 ** 31, '', 'x', '../outside.bin', '/dev/zero', '/etc/passwd', 'escape.bin', 'fifo.bin', '.', [], {}, [null], [-1], ['../x'], [1e9, 1e9], 'float16', 'string', 'optimizer'];

/** One to three random edits: truncation, a character changed, or a JSON value deleted, retyped or altered. */
function mutate(text: string, random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const roll = random();
  if (roll < 0.1) return text.slice(0, Math.floor(random() * text.length));
  if (roll < 0.2) {
    const at = Math.floor(random() * text.length);
    return text.slice(0, at) + pick('{}[]",:0123456789-.aez '.split('')) + text.slice(at + 1);
  }
  const json = JSON.parse(text);
  for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
    // Half of the edits aim at the manifest, where the paths and sizes are.
    const paths = valuePaths(random() < 0.5 ? { weightsManifest: json.weightsManifest } : json);
    const path = pick(paths);
    const key = path.at(-1)!;
    const parent = path.slice(0, -1).reduce((node, k) => node[k], json);
    const value = parent[key];
    const op = random();
    if (op < 0.2) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (op < 0.6) parent[key] = structuredClone(pick(HOSTILE_VALUES));
    else if (typeof value === 'number') parent[key] = pick([value + 1, value * 2, -value, value / 3]);
    else if (typeof value === 'string') parent[key] = pick([`${value}_x`, value.toUpperCase(), value.slice(1)]);
    else if (Array.isArray(value) && value.length > 0) {
      if (random() < 0.5) value.push(structuredClone(pick(value)));
      else value.reverse();
    } else parent[key] = structuredClone(pick(HOSTILE_VALUES));
  }
  return JSON.stringify(json);
}

/** The key paths of every value in a JSON tree (the root excluded). */
function valuePaths(node: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof node !== 'object' || node === null) return [];
  const entries = Array.isArray(node) ? node.map((v, i) => [i, v] as const) : Object.entries(node);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...valuePaths(v, [...prefix, k])]);
}
function stripChecksum(text: string): string {
  const { modelJsonSha256: _, ...rest } = JSON.parse(text);
  return JSON.stringify(rest);
}
