// Errors that must be typed and say what happened: a data: model URL, a failure after a redirect
// (named by the URL that answered), folders that cannot be created (under /proc, where Node's own
// recursive mkdir never returns), and history records with a series that is not an array.
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPretrainedModel as loadPretrainedNeutral } from '../src/index.js';
import { DatasetUnavailableError, DownloadError, FileWriteError, InvalidArgumentError, loadFashionMnist, ModelFileError, saveModel, savePng, trainingHistorySpec } from '../src/node.js';
import { makeFixture } from './helpers/idx.js';
import { smallModel } from './helpers/models.js';

const work = mkdtempSync(join(tmpdir(), 'fmnist-wording-'));
let server: Server;
let base = '';

beforeAll(async () => {
  // /old/<name> redirects to /new/<name>, which does not exist.
  server = createServer((request, response) => {
    const url = request.url ?? '';
    if (url.startsWith('/old/')) response.writeHead(302, { location: url.replace('/old/', '/new/') }).end();
    else response.writeHead(404, 'Not Found').end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(work, { recursive: true, force: true });
});

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

describe('URLs', () => {
  it('a data: model URL without a weights URL is a typed argument error', async () => {
    const error = await errorOf(loadPretrainedNeutral({ modelUrl: 'data:application/json,{}' }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('Argument `options.weightsUrl` must be given when `options.modelUrl` is a data: URL, which has no folder to find weights.bin in, but received undefined.');
  });

  it('a failure after a redirect names the URL that answered, and where the request started', async () => {
    const pretrained = (await errorOf(loadPretrainedNeutral({ modelUrl: `${base}/old/model.json` }))) as DownloadError;
    expect(pretrained).toBeInstanceOf(DownloadError);
    expect(pretrained.file).toBe(`${base}/new/model.json`);
    expect(pretrained.message).toBe(`${base}/new/model.json: HTTP 404 Not Found (redirected from ${base}/old/model.json).`);

    const { checksums } = makeFixture();
    const data = await errorOf(loadFashionMnist({ cacheDir: join(work, 'cache'), sources: ['download'], mirrors: [`${base}/old/`], checksums }));
    expect(data).toBeInstanceOf(DatasetUnavailableError);
    expect(data.message).toBe(
      `Could not download train-images-idx3-ubyte.gz from any mirror (${base}/new/train-images-idx3-ubyte.gz: HTTP 404 Not Found (redirected from ${base}/old/train-images-idx3-ubyte.gz)).`,
    );
  });
});

describe('folders that cannot be created', () => {
  // Node's mkdir({ recursive: true }) loops forever there; these must fail at once.
  it.skipIf(process.platform !== 'linux')('under /proc: savePng, saveModel and the download cache fail with a typed error', async () => {
    const png = await errorOf(savePng({ width: 1, height: 1, data: new Uint8Array(3) }, '/proc/fmnist-x/y/pixel.png'));
    expect(png).toBeInstanceOf(FileWriteError);
    expect(png.message).toBe('/proc/fmnist-x/y/pixel.png: cannot be written; this file system does not allow creating folders there (ENOMKDIR).');
    const model = smallModel(1);
    const saved = await errorOf(saveModel(model, '/proc/fmnist-x'));
    model.dispose();
    expect(saved).toBeInstanceOf(ModelFileError);
    expect(saved.message).toBe('/proc/fmnist-x: the model cannot be saved here; this file system does not allow creating folders there (ENOMKDIR).');
    const cache = await errorOf(loadFashionMnist({ cacheDir: '/proc/fmnist-x/cache', sources: ['download'], mirrors: [`${base}/old/`] }));
    expect(cache).toBeInstanceOf(DatasetUnavailableError);
    expect(cache.message).toBe('/proc/fmnist-x/cache: the cache directory cannot be created (this file system does not allow creating folders there (ENOMKDIR)).');
  });

  it('under a file: the wording says a part of the path is a file', async () => {
    const path = join(fileURLToPath(import.meta.url), 'x', 'pixel.png');
    const error = await errorOf(savePng({ width: 1, height: 1, data: new Uint8Array(3) }, path));
    expect(error).toBeInstanceOf(FileWriteError);
    expect(error.message).toBe(`${path}: cannot be written; a part of the path is a file, not a folder (ENOTDIR).`);
  });
});

describe('history records', () => {
  it.each([
    [{ history: { loss: 'x' } }, 'Argument `history.loss` must be an array of numbers (one per epoch), but received "x".'],
    [{ loss: [0.5], accuracy: 'x' }, 'Argument `history.accuracy` must be an array of numbers (one per epoch), but received "x".'],
    [{ loss: [0.5], val_acc: { 0: 1 } }, 'Argument `history.val_acc` must be an array of numbers (one per epoch), but received an object (Object).'],
  ])('refuses a series that is not an array: %j', (history, message) => {
    expect(() => trainingHistorySpec(history as never)).toThrow(InvalidArgumentError);
    expect(() => trainingHistorySpec(history as never)).toThrow(message);
  });
});
