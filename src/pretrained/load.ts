// The pretrained MiniVGGNet the package ships (pretrained/model.json and weights.bin, made by
// scripts/convert-pretrained.ts from a recorded run): fetched from URLs in any runtime, or read
// from the package's own files by the Node entry. Both files are checked against the SHA-256
// digests in manifest.ts before tfjs sees a byte, so nothing else can be loaded by this name.
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { sha256Hex } from '../datasets/decode.js';
import { LOAD_FASHION_MNIST_DEFAULTS, resolveTransferSettings, type LoadFashionMnistOptions } from '../datasets/fashion-mnist.js';
import { Transfer, type TransferSettings } from '../datasets/transfer.js';
import { DataVerificationError, DownloadError, InvalidArgumentError, ModelFileError } from '../errors.js';
import { PRETRAINED_FILES } from './manifest.js';
import { invalid, type OptionNames, resolveOptions } from '../validate.js';


/** Options of {@link loadPretrainedModel}. Every field is optional in the Node entry. */
export interface LoadPretrainedModelOptions extends Pick<LoadFashionMnistOptions, 'signal' | 'timeoutMs' | 'idleTimeoutMs' | 'onProgress'> {
  /**
   * Where `pretrained/model.json` is served: an absolute URL, or one relative to the page in a
   * browser. With a bundler, import the package's file as an asset URL, e.g. with Vite
   * `import modelUrl from 'tfjs-fashion-mnist/pretrained/model.json?url'`, or serve the package's
   * `pretrained/` folder.
   * @defaultValue required in the platform-neutral entry; the Node entry reads the package's own file
   */
  modelUrl?: string | URL;
  /**
   * Where `pretrained/weights.bin` is served, for bundlers that rename assets
   * (`import weightsUrl from 'tfjs-fashion-mnist/pretrained/weights.bin?url'` with Vite).
   * @defaultValue `weights.bin` beside `modelUrl`
   */
  weightsUrl?: string | URL;
}

/** The two shipped files, as read or fetched, with the names errors should use. */
export interface PretrainedBytes {
  modelJson: Uint8Array;
  modelJsonName: string;
  weights: Uint8Array;
  weightsName: string;
}

/**
 * Loads the pretrained MiniVGGNet that ships with this package: trained by this library on the 60,000
 * Fashion-MNIST training images (docs/results.md says which run, and its accuracy on the 10,000 test
 * images after the 8-bit storage). It takes what `buildMiniVGGNet()` takes by default: batches of
 * 28×28×1 channels-last images with pixels scaled to [0, 1]; {@link classifyImage} does that for
 * pictures. The model is not compiled: compile it before `fit` or `evaluate` (tfjs' own), not needed
 * for `predict`, {@link classifyImages} or {@link evaluateModel}.
 *
 * This entry fetches the two files from `options.modelUrl` (and `weightsUrl`); the Node entry
 * (`tfjs-fashion-mnist/node`) reads the package's copy when no URL is given. Both files must be
 * byte-for-byte the ones this version of the package ships (SHA-256 checked, sizes capped before
 * reading).
 *
 * @param options - Where the files are served, timeouts; see {@link LoadPretrainedModelOptions}.
 * @returns The model, ready for `predict`; dispose it when done.
 * @throws {@link InvalidArgumentError} for a missing or malformed URL or option;
 *   {@link DownloadError} when a file cannot be fetched (HTTP status, timeout, too large);
 *   {@link DataVerificationError} naming the URL when a file is not the shipped one;
 *   the signal's reason when `options.signal` aborts.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { classifyImage, loadPretrainedModel } from 'tfjs-fashion-mnist';
 *
 * // The package's pretrained/ folder, served beside the page.
 * const model = await loadPretrainedModel({ modelUrl: '/pretrained/model.json' });
 * const canvas = document.querySelector('canvas')!;
 * const { label, probability } = await classifyImage(model, canvas);
 * console.log(`${label} (${(probability * 100).toFixed(1)}%)`);
 * ```
 */
export async function loadPretrainedModel(options: LoadPretrainedModelOptions = {}): Promise<LayersModel> {
  const resolved = resolvePretrainedOptions(options);
  if (resolved.modelUrl === undefined) {
    throw invalid('options.modelUrl', resolved.modelUrl, "the URL of the package's pretrained/model.json (the Node entry, tfjs-fashion-mnist/node, reads it without one)");
  }
  const modelUrl = resolveUrl('options.modelUrl', resolved.modelUrl);
  const weightsUrl = resolved.weightsUrl === undefined ? besideModel(modelUrl) : resolveUrl('options.weightsUrl', resolved.weightsUrl);
  const settings = resolveTransferSettings(resolved);
  // Both at once; when both fail, the error names model.json, the URL the caller gave, whichever
  // failed first.
  const [modelJson, weights] = await Promise.allSettled([
    fetchShipped(modelUrl.href, 'model.json', PRETRAINED_FILES.modelJsonBytes, settings),
    fetchShipped(weightsUrl.href, 'weights.bin', PRETRAINED_FILES.weightsBytes, settings),
  ]);
  if (modelJson.status === 'rejected') throw modelJson.reason;
  if (weights.status === 'rejected') throw weights.reason;
  return pretrainedModelFromBytes({ modelJson: modelJson.value, modelJsonName: modelUrl.href, weights: weights.value, weightsName: weightsUrl.href });
}

const PRETRAINED_OPTIONS: OptionNames<LoadPretrainedModelOptions> = { modelUrl: true, weightsUrl: true, signal: true, timeoutMs: true, idleTimeoutMs: true, onProgress: true };

/** The options of both entries' `loadPretrainedModel`, with the download defaults applied. */
export function resolvePretrainedOptions(options: LoadPretrainedModelOptions) {
  const { idleTimeoutMs, timeoutMs } = LOAD_FASHION_MNIST_DEFAULTS;
  return resolveOptions('options', options, { idleTimeoutMs, timeoutMs }, PRETRAINED_OPTIONS);
}

function resolveUrl(argument: string, value: unknown): URL {
  if (value instanceof URL) return value;
  if (typeof value !== 'string' || value === '') throw invalid(argument, value, 'a URL (string or URL)');
  try {
    return new URL(value, globalThis.location?.href);
  } catch {
    throw invalid(argument, value, 'a URL (absolute, or relative to the page in a browser)');
  }
}

/** `weights.bin` beside model.json; a URL without folders (`data:`, `blob:`) has nothing beside it. */
function besideModel(modelUrl: URL): URL {
  try {
    return new URL('weights.bin', modelUrl);
  } catch {
    throw invalid('options.weightsUrl', undefined, `given when \`options.modelUrl\` is a ${modelUrl.protocol} URL, which has no folder to find weights.bin in`);
  }
}

/** Fetches one shipped file, refusing more bytes than it has (Content-Length first, then the body). */
async function fetchShipped(url: string, file: string, bytes: number, settings: TransferSettings): Promise<Uint8Array> {
  settings.signal?.throwIfAborted();
  const transfer = new Transfer(url, file, settings);
  try {
    const response = await transfer.response();
    if (!response.ok) {
      response.body?.cancel().catch(() => undefined);
      throw transfer.error(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    const data = new Uint8Array(bytes);
    let length = 0;
    for await (const chunk of transfer.body(response, () => bytes, `the pretrained ${file}`)) {
      data.set(chunk, length);
      length += chunk.length;
    }
    return length === bytes ? data : data.subarray(0, length);
  } finally {
    transfer.close();
  }
}

/**
 * Builds the model from the two files' bytes after checking both digests. Shared by both entries.
 */
export async function pretrainedModelFromBytes({ modelJson, modelJsonName, weights, weightsName }: PretrainedBytes): Promise<LayersModel> {
  await verify(modelJsonName, modelJson, PRETRAINED_FILES.modelJsonSha256);
  await verify(weightsName, weights, PRETRAINED_FILES.weightsSha256);
  // Verified: the JSON is the one the conversion script wrote.
  const json = JSON.parse(new TextDecoder().decode(modelJson)) as { modelTopology: object; weightsManifest: tf.io.WeightsManifestConfig };
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const handler = tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((group) => group.weights), weightData });
  try {
    return await loadLayersModel(handler);
  } catch (error) {
    // Only a tfjs that cannot read what this package's own tfjs wrote gets here (a peer-dependency mismatch).
    throw new ModelFileError(`tfjs could not build the pretrained model (${(error as Error).message})`, { file: modelJsonName, cause: error });
  }
}

async function verify(name: string, bytes: Uint8Array, expected: string): Promise<void> {
  const actual = await sha256Hex(bytes);
  if (actual !== expected) throw new DataVerificationError("the SHA-256 of this package version's pretrained file", { file: name, expected, actual });
}
