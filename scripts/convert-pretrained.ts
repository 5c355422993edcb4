// Converts a model folder saved by this library (saveModel, a checkpoint) into the pretrained
// weights the package ships: pretrained/model.json, pretrained/weights.bin and the digests in
// src/pretrained/manifest.ts. The shipped files are only ever made by this script from a real run.
//
//   npx tsx scripts/convert-pretrained.ts <model-dir> --source "<how the run was made>"
//   npx tsx scripts/convert-pretrained.ts --evaluate [--original <model-dir>]   # test accuracy of the
//     shipped files (and of the float32 model they came from)
//
// Storage: the convolution and dense kernels (99.9% of the 1.68 M parameters) as 8-bit affine
// quantisation per tensor (tfjs' `uint8` quantization: value = q * scale + min), everything else
// (biases, batch-norm parameters and statistics, a few thousand values) as float32: batch-norm
// variances span orders of magnitude that 256 levels cannot hold. The optimizer state and the
// training configuration are dropped: the model is for inference and fine-tuning.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateModel, loadFashionMnist, loadModel, loadPretrainedModel } from '../src/node.js';
import { useWasmBackend } from '../src/wasm/node.js';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'pretrained');
const manifestFile = join(root, 'src/pretrained/manifest.ts');
const WEIGHTS_FILE = 'weights.bin';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { source: { type: 'string' }, evaluate: { type: 'boolean', default: false }, original: { type: 'string' }, data: { type: 'string', default: '/usr/share/datasets/fashion-mnist' } },
});

await useWasmBackend({ threads: 1 });
if (positionals.length === 1) await convert(positionals[0]!, values.source);
else if (!values.evaluate) throw new Error('usage: convert-pretrained.ts <model-dir> --source "<run>" | --evaluate');
if (values.evaluate) await evaluate(values.data, values.original ?? positionals[0]);

async function convert(dir: string, source: string | undefined): Promise<void> {
  if (!source) throw new Error('--source must say which run the weights come from (command, epoch, results page)');
  const model = await loadModel(dir);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  const { modelTopology, weightSpecs, weightData } = artifacts!;
  const decoded = tf.io.decodeWeights(weightData as ArrayBuffer, weightSpecs!);
  const parts: Uint8Array[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const spec of weightSpecs!) {
    const values = decoded[spec.name]!.dataSync() as Float32Array;
    const isKernel = spec.name.endsWith('/kernel');
    const { bytes, entry } = isKernel ? quantizeUint8(spec, values) : { bytes: new Uint8Array(values.buffer.slice(0)), entry: { name: spec.name, shape: spec.shape, dtype: spec.dtype } };
    parts.push(bytes);
    specs.push(entry);
  }
  tf.dispose(Object.values(decoded));
  model.dispose();
  const weights = Buffer.concat(parts);
  const json = {
    format: 'layers-model',
    generatedBy: 'tfjs-fashion-mnist scripts/convert-pretrained.ts',
    convertedBy: null,
    modelTopology,
    userDefinedMetadata: { tfjsFashionMnistPretrained: { source, quantization: 'uint8 kernels, float32 others' } },
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  const text = `${JSON.stringify(json)}\n`;
  mkdirSync(out, { recursive: true });
  writeAtomically(join(out, WEIGHTS_FILE), weights);
  writeAtomically(join(out, 'model.json'), Buffer.from(text));
  writeAtomically(manifestFile, Buffer.from(manifestSource(text, weights, source)));
  console.log(`wrote ${out}: model.json ${text.length} bytes, ${WEIGHTS_FILE} ${weights.length} bytes; ${manifestFile}`);
}

/** tfjs' uint8 quantization of one tensor: q = round((v - min) / scale), read back as q * scale + min. */
function quantizeUint8(spec: tf.io.WeightsManifestEntry, values: Float32Array): { bytes: Uint8Array; entry: tf.io.WeightsManifestEntry } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max > min ? (max - min) / 255 : 1;
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) bytes[i] = Math.round((values[i]! - min) / scale);
  return { bytes, entry: { name: spec.name, shape: spec.shape, dtype: 'float32', quantization: { dtype: 'uint8', min, scale } } };
}

function writeAtomically(file: string, bytes: Uint8Array): void {
  writeFileSync(`${file}.tmp`, bytes);
  renameSync(`${file}.tmp`, file);
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function manifestSource(modelJson: string, weights: Uint8Array, source: string): string {
  return `// Generated by scripts/convert-pretrained.ts from a real training run; do not edit by hand.
/**
 * What the shipped pretrained files are: sizes and SHA-256 digests, which {@link loadPretrainedModel}
 * checks, and the run they come from. Internal: the package's entries do not export it.
 */
export const PRETRAINED_FILES = /* @__PURE__ */ Object.freeze({
  /** Bytes of pretrained/model.json. */
  modelJsonBytes: ${Buffer.byteLength(modelJson)},
  /** SHA-256 of pretrained/model.json. */
  modelJsonSha256: '${sha256(modelJson)}',
  /** Bytes of pretrained/weights.bin. */
  weightsBytes: ${weights.length},
  /** SHA-256 of pretrained/weights.bin. */
  weightsSha256: '${sha256(weights)}',
  /** The run the weights come from (see docs/results.md). */
  source: ${JSON.stringify(source)},
});
`;
}

/** Test accuracy of the shipped files and, given the folder they came from, of the float32 original. */
async function evaluate(dataDir: string, original: string | undefined): Promise<void> {
  const { test } = await loadFashionMnist({ dir: dataDir });
  const started = performance.now();
  const model = await loadPretrainedModel();
  const loaded = performance.now();
  const { accuracy } = await evaluateModel(model, test);
  console.log(`shipped (quantised): loaded in ${Math.round(loaded - started)} ms; test accuracy ${percent(accuracy)} on ${test.labels.length} images`);
  model.dispose();
  if (original) {
    const float = await loadModel(original);
    console.log(`original float32 (${original}): test accuracy ${percent((await evaluateModel(float, test)).accuracy)}`);
    float.dispose();
  }
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}
