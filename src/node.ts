/**
 * tfjs-fashion-mnist/node: everything of the platform-neutral entry, plus what needs Node: the
 * loader's local folders, caches and downloads, saving and loading models and checkpoints, writing
 * PNGs and charts, and decoding image files. Where a name exists in both entries (loadFashionMnist,
 * buildMontage, chartToPng) this entry's version takes the same arguments and does more.
 *
 * @module tfjs-fashion-mnist/node
 */
export * from './index.js';

export { loadFashionMnist } from './datasets/node.js';
export type { NodeLoadFashionMnistOptions } from './datasets/node.js';
export { buildMontage, chartToPng, saveChart } from './node/render.js';
export { decodeImage, readImage, savePng } from './node/images.js';
export type { ReadImageOptions } from './node/images.js';
export { decodePng } from './node/png-decode.js';
export { IMAGE_LIMITS } from './node/image-decoding.js';
export type { DecodeImageOptions } from './node/image-decoding.js';
export { encodePng } from './viz/png.js';
export { loadPretrainedModel } from './node/pretrained.js';
export { loadModel, saveModel } from './node/model-io.js';
export type { SavedModel, SaveModelOptions } from './node/model-io.js';
export { checkpointCallback, loadCheckpoint } from './node/checkpoint.js';
export type { Checkpoint } from './node/checkpoint.js';
