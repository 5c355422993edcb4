// The model evaluate and predict use: a saved model's folder, or the pretrained model.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { loadModel, loadPretrainedModel } from '../node.js';
import { PRETRAINED_FILES } from '../pretrained/manifest.js';
import { say } from './output.js';

/** A saved model's folder, or the pretrained model when none is given. */
export async function loadChosenModel(modelDir: string | undefined): Promise<LayersModel> {
  if (modelDir !== undefined) return loadModel(modelDir);
  say(`[INFO] model: the pretrained MiniVGGNet shipped with the package (${PRETRAINED_FILES.source})`);
  return loadPretrainedModel();
}
