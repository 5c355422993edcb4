// Helpers of the model-folder crash tests: distinguishable checkpoints, a tfjs reader that trusts
// the folder as any plain client would (over HTTP, as users serve models), and a pid that no
// process can have.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KerasSGD, registerKerasSGD } from '../../src/index.js';
import { smallModel } from './models.js';

/** A small model compiled with KerasSGD and marked as the checkpoint of `epoch`; `seed` sets its weights. */
export function checkpointModel(seed: number, epoch: number): tfl.LayersModel {
  const model = smallModel(seed);
  model.compile({ optimizer: new KerasSGD(), loss: 'categoricalCrossentropy' });
  model.setUserDefinedMetadata({ tfjsFashionMnistCheckpoint: { epoch, history: { loss: Array(epoch + 1).fill(1), accuracy: Array(epoch + 1).fill(0.5), val_loss: [], val_accuracy: [] } } });
  return model;
}

/** Serves a folder's files read-only over HTTP on localhost, as a user might serve a saved model. */
export async function serveFolder(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    try {
      const body = readFileSync(join(dir, decodeURIComponent(new URL(request.url!, 'http://x').pathname)));
      response.writeHead(200).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Loads with plain `tf.loadLayersModel` over HTTP, with none of this library's checks or recovery. */
export async function plainLoad(url: string): Promise<tfl.LayersModel> {
  registerKerasSGD();
  return tfl.loadLayersModel(`${url}/model.json`);
}

/** A pid above the kernel's maximum: `kill(pid, 0)` always fails with ESRCH, as for an exited writer. */
export function deadPid(): number {
  return Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
}

/** Weights as plain arrays, for exact comparisons. */
export async function weightValues(model: tfl.LayersModel): Promise<number[][]> {
  return Promise.all(model.getWeights().map(async (w: tf.Tensor) => Array.from(await w.data())));
}
