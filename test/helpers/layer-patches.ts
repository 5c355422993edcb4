// The checks every training-time layer switch (src/architectures/*-training.ts) must pass on a
// MiniVGGNet: it patches the instances of `className`, patching again changes nothing, and the saved
// topology loads as tfjs-layers' own, unpatched layers (`count` of them).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';
import { buildMiniVGGNet } from '../../src/index.js';

export async function expectIdempotentPatchThatSavesUnpatched(className: string, count: number, fuse: (model: tfl.LayersModel) => void): Promise<void> {
  await tf.setBackend('cpu');
  const model = buildMiniVGGNet();
  const isTarget = (l: tfl.layers.Layer) => l.getClassName() === className;
  const layer = model.layers.find(isTarget)!;
  const patched = layer.call;
  expect(patched).not.toBe(Object.getPrototypeOf(layer).call);
  fuse(model);
  expect(layer.call).toBe(patched);
  const loaded = await tfl.models.modelFromJSON({ modelTopology: model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
  const loadedLayers = loaded.layers.filter(isTarget);
  expect(loadedLayers).toHaveLength(count);
  for (const l of loadedLayers) expect(l.call).toBe(Object.getPrototypeOf(l).call);
  model.dispose();
  loaded.dispose();
}
