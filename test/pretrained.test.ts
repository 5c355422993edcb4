import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPretrainedModel as loadPretrainedModelNeutral } from '../src/index.js';
import {
  DataVerificationError,
  DownloadError,
  InvalidArgumentError,
  loadFashionMnist,
  loadPretrainedModel,
  type FashionMnistSplit,
} from '../src/node.js';
import { PRETRAINED_FILES } from '../src/pretrained/manifest.js';
import { FASHION_MNIST, missing } from './helpers/requirements.js';
import { wasmBackend } from './helpers/wasm-backend.js';

const root = resolve(import.meta.dirname, '..');
const modelJson = readFileSync(join(root, 'pretrained/model.json'));
const weights = readFileSync(join(root, 'pretrained/weights.bin'));
const noData = missing(FASHION_MNIST);
let test: FashionMnistSplit;

wasmBackend();
beforeAll(async () => {
  if (!noData) ({ test } = await loadFashionMnist({ dir: '/usr/share/datasets/fashion-mnist', sources: ['debian'] }));
});

describe('the shipped files', () => {
  it('are what src/pretrained/manifest.ts records, and small', () => {
    const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    expect([modelJson.length, sha(modelJson), weights.length, sha(weights)]).toEqual([
      PRETRAINED_FILES.modelJsonBytes,
      PRETRAINED_FILES.modelJsonSha256,
      PRETRAINED_FILES.weightsBytes,
      PRETRAINED_FILES.weightsSha256,
    ]);
    expect(modelJson.length + weights.length).toBeLessThan(3.5e6);
  });
});

describe('loadPretrainedModel (Node entry, package files)', () => {
  it.skipIf(noData)("takes what buildMiniVGGNet() takes by default and leaves only the model's weights", async () => {
    const before = tf.memory().numTensors;
    const model = await loadPretrainedModel();
    expect(model.inputs[0]!.shape).toEqual([null, 28, 28, 1]);
    expect(model.outputs[0]!.shape).toEqual([null, 10]);
    expect(tf.memory().numTensors - before).toBe(model.weights.length);
    const probabilities = tf.tidy(() => (model.predict(tf.div(tf.tensor4d(test.images.slice(0, 784 * 8), [8, 28, 28, 1], 'float32'), 255)) as tf.Tensor).arraySync()) as number[][];
    for (const row of probabilities) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad options with the argument named', async () => {
    await expect(loadPretrainedModel(null as never)).rejects.toThrow(new InvalidArgumentError('an object of options', { argument: 'options', received: null }));
    await expect(loadPretrainedModel({ timeoutMs: -1 })).rejects.toThrow('Argument `options.timeoutMs` must be an integer from 1 to 2147483647 (milliseconds), but received -1.');
    await expect(loadPretrainedModel({ weightsUrl: 'http://localhost/w.bin' })).rejects.toThrow(
      'Argument `options.modelUrl` must be a URL when `options.weightsUrl` is given, but received undefined.',
    );
  });

  it('honours an aborted signal', async () => {
    const reason = new Error('stop');
    await expect(loadPretrainedModel({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});

describe('loadPretrainedModel over HTTP', () => {
  let server: Server;
  let base: string;
  /** What the server sends for each path; anything else is a 404. */
  const routes = new Map<string, (response: ServerResponse) => void>();
  const send = (body: Uint8Array, headers: Record<string, string> = {}) => (response: ServerResponse) => {
    response.writeHead(200, { 'content-length': String(body.length), ...headers });
    response.end(body);
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const route = routes.get(request.url ?? '');
      if (route) route(response);
      else response.writeHead(404).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    routes.set('/pretrained/model.json', send(modelJson));
    routes.set('/pretrained/weights.bin', send(weights));
    routes.set('/assets/model-1234.json', send(modelJson));
    routes.set('/assets/weights-abcd.bin', send(weights));
    const altered = Uint8Array.from(weights);
    altered[1000] = altered[1000]! ^ 1;
    routes.set('/altered/model.json', send(modelJson));
    routes.set('/altered/weights.bin', send(altered));
    routes.set('/huge/model.json', send(modelJson));
    routes.set('/huge/weights.bin', (response) => {
      response.writeHead(200, { 'content-length': String(weights.length + 1) });
      response.end();
    });
    routes.set('/long/model.json', send(modelJson));
    routes.set('/long/weights.bin', (response) => {
      // No Content-Length: the body is cut off at the shipped size plus one byte.
      response.writeHead(200);
      response.end(Buffer.concat([weights, Buffer.from([0])]));
    });
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('loads from a served pretrained/ folder, in both entries', async () => {
    const before = tf.memory().numTensors;
    for (const load of [loadPretrainedModel, loadPretrainedModelNeutral]) {
      const model = await load({ modelUrl: `${base}/pretrained/model.json` });
      expect(model.outputs[0]!.shape).toEqual([null, 10]);
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('loads from renamed assets (a bundler) with weightsUrl', async () => {
    const model = await loadPretrainedModelNeutral({ modelUrl: new URL(`${base}/assets/model-1234.json`), weightsUrl: `${base}/assets/weights-abcd.bin` });
    model.dispose();
  });

  it('needs modelUrl in the platform-neutral entry', async () => {
    await expect(loadPretrainedModelNeutral()).rejects.toThrow(
      "Argument `options.modelUrl` must be the URL of the package's pretrained/model.json (the Node entry, tfjs-fashion-mnist/node, reads it without one), but received undefined.",
    );
    await expect(loadPretrainedModelNeutral({ modelUrl: 'http://[nope' })).rejects.toThrow(InvalidArgumentError);
  });

  it('refuses files that are not the shipped ones, leaving no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const url = `${base}/altered/weights.bin`;
    const altered = await loadPretrainedModelNeutral({ modelUrl: `${base}/altered/model.json` }).catch((e: unknown) => e);
    expect(altered).toBeInstanceOf(DataVerificationError);
    expect((altered as DataVerificationError).message).toMatch(new RegExp(`^${url}: the SHA-256 of this package version's pretrained file should be ${PRETRAINED_FILES.weightsSha256} but is [0-9a-f]{64}\\.$`));
    await expect(loadPretrainedModelNeutral({ modelUrl: `${base}/huge/model.json` })).rejects.toThrow(
      new DownloadError(`the server announces ${weights.length + 1} bytes (Content-Length), more than the ${weights.length} bytes the pretrained weights.bin can be`, { file: `${base}/huge/weights.bin` }),
    );
    await expect(loadPretrainedModelNeutral({ modelUrl: `${base}/long/model.json` })).rejects.toThrow(
      new DownloadError(`the body is longer than ${weights.length} bytes, the most the pretrained weights.bin can be`, { file: `${base}/long/weights.bin` }),
    );
    await expect(loadPretrainedModelNeutral({ modelUrl: `${base}/missing/model.json` })).rejects.toThrow(new DownloadError('HTTP 404 Not Found', { file: `${base}/missing/model.json` }));
    expect(tf.memory().numTensors).toBe(before);
  });
});
