// The Node entry's loadPretrainedModel: without a URL it reads the package's own pretrained files.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { createRequire } from 'node:module';
import { DataVerificationError, ModelFileError } from '../errors.js';
import {
  loadPretrainedModel as fetchPretrainedModel,
  pretrainedModelFromBytes,
  resolvePretrainedOptions,
  type LoadPretrainedModelOptions,
} from '../pretrained/load.js';
import { PRETRAINED_FILES } from '../pretrained/manifest.js';
import { resolveTransferSettings } from '../datasets/fashion-mnist.js';
import { describeFsError } from './atomic.js';
import { invalid } from '../validate.js';
import { kindOf, openRegular, readFully, type OpenedRegular } from './read-file.js';

/**
 * Loads the pretrained MiniVGGNet that ships with this package: trained by this library on the 60,000
 * Fashion-MNIST training images (docs/results.md says which run, and its accuracy on the 10,000 test
 * images after the 8-bit storage). It takes what `buildMiniVGGNet()` takes by default: batches of
 * 28×28×1 channels-last images with pixels scaled to [0, 1]; {@link classifyImage} does that for
 * pictures. The model is not compiled: compile it before `fit` or `evaluate` (tfjs' own), not needed
 * for `predict`, {@link classifyImages} or {@link evaluateModel}.
 *
 * Without `options.modelUrl`, reads the package's `pretrained/model.json` and `weights.bin` from
 * disk (about 1.7 MB, no network); with it, fetches them like the platform-neutral entry. Either
 * way both files must be byte-for-byte the ones this version ships (SHA-256 checked).
 *
 * @param options - Optional URLs and timeouts; see {@link LoadPretrainedModelOptions}.
 * @returns The model, ready for `predict`; dispose it when done.
 * @throws {@link ModelFileError} when the package's files cannot be read;
 *   {@link DataVerificationError} when a file is not the shipped one; with URLs, as the
 *   platform-neutral `loadPretrainedModel`.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { classifyImage, loadPretrainedModel, readImage } from 'tfjs-fashion-mnist/node';
 *
 * const model = await loadPretrainedModel();
 * const { label, probability } = await classifyImage(model, await readImage('shirt.png'));
 * console.log(`${label} (${(probability * 100).toFixed(1)}%)`);
 * ```
 */
export async function loadPretrainedModel(options: LoadPretrainedModelOptions = {}): Promise<LayersModel> {
  const resolved = resolvePretrainedOptions(options);
  if (resolved.modelUrl !== undefined || resolved.weightsUrl !== undefined) {
    if (resolved.modelUrl === undefined) throw invalid('options.modelUrl', resolved.modelUrl, 'a URL when `options.weightsUrl` is given');
    return fetchPretrainedModel(options);
  }
  // Checked although no download follows, so that a mistake fails the same way with or without a URL.
  resolveTransferSettings(resolved);
  options.signal?.throwIfAborted();
  const modelJsonName = shippedFile('model.json');
  const weightsName = shippedFile('weights.bin');
  const [modelJson, weights] = await Promise.all([readShipped(modelJsonName, PRETRAINED_FILES.modelJsonBytes), readShipped(weightsName, PRETRAINED_FILES.weightsBytes)]);
  options.signal?.throwIfAborted();
  return pretrainedModelFromBytes({ modelJson, modelJsonName, weights, weightsName });
}

/** A file of the package's pretrained/ folder, found through the package's own exports. */
function shippedFile(name: 'model.json' | 'weights.bin'): string {
  try {
    return createRequire(import.meta.url).resolve(`tfjs-fashion-mnist/pretrained/${name}`);
  } catch (error) {
    throw new ModelFileError(`the package's copy cannot be found (${(error as Error).message.split('\n')[0]})`, { file: `pretrained/${name}`, cause: error });
  }
}

/**
 * Reads a shipped file, refusing one of another size before reading it. Opened without blocking
 * and checked on the descriptor, so a FIFO or device in its place is refused at once.
 */
async function readShipped(file: string, bytes: number): Promise<Uint8Array> {
  let opened: OpenedRegular | undefined;
  try {
    opened = await openRegular(file);
    if (!opened.handle) throw new ModelFileError(`${kindOf(opened.info)}, not a regular file`, { file });
    const { size } = opened.info;
    if (size !== bytes) throw new DataVerificationError("the size in bytes of this package version's pretrained file", { file, expected: bytes, actual: size });
    const data = new Uint8Array(bytes);
    const got = await readFully(opened.handle, data, 0, bytes);
    if (got !== bytes) throw new DataVerificationError('the bytes read', { file, expected: bytes, actual: got });
    return data;
  } catch (error) {
    if (error instanceof DataVerificationError || error instanceof ModelFileError) throw error;
    throw new ModelFileError(`cannot be read (${describeFsError(error)})`, { file, cause: error });
  } finally {
    await opened?.handle?.close();
  }
}
