// FIFOs put in place of a file at the worst moment: right before the library opens it (a hook in
// fs/promises' open, run once, so the swap happens after every check a path-based stat could make).
// A plain open would wait for a writer forever; the library's opens must refuse at once. A guard
// writes to the FIFO if an open does block, so that a regression fails instead of hanging.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'node:child_process';
import { constants, closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DatasetUnavailableError, encodePng, ImageDecodeError, loadFashionMnist, loadModel, loadPretrainedModel, ModelFileError, readImage, RendererError, saveModel } from '../src/node.js';
import { saveModelWithHook } from '../src/node/model-io.js';
import { nodeRendererAssets } from '../src/node/renderer-assets.js';
import { makeFixture, writeFixture } from './helpers/idx.js';
import { smallModel } from './helpers/models.js';

/** Run once, on the next open of a path matching `match`: may swap the file, or name another path to open. */
const hook = vi.hoisted(() => ({ match: undefined as RegExp | undefined, run: undefined as undefined | ((path: string) => string | void) }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: async (path: Parameters<typeof actual.open>[0], flags?: string | number, mode?: number) => {
      let target = path;
      if (hook.match?.test(String(path)) && hook.run) {
        const run = hook.run;
        hook.match = hook.run = undefined;
        target = run(String(path)) ?? path;
      }
      return actual.open(target, flags, mode);
    },
  };
});

const work = mkdtempSync(join(tmpdir(), 'fmnist-fifo-'));
beforeAll(() => tf.setBackend('cpu'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Replaces `path` by a FIFO. */
function fifoInstead(path: string): void {
  rmSync(path);
  execFileSync('mkfifo', [path]);
}

/** Arms the hook: the next open of a path matching `match` finds a FIFO there. */
function swapAtOpen(match: RegExp): void {
  hook.match = match;
  hook.run = fifoInstead;
}

/**
 * `promise`'s rejection. Should it still be pending after 10 s (an open blocked on `fifo`), a
 * writer opens the FIFO to release it and the test fails.
 */
async function refusal(promise: Promise<unknown>, fifo: string): Promise<Error> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const blocked = new Promise<'blocked'>((resolve) => {
    timer = setTimeout(() => {
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // No reader: nothing to release.
      }
      resolve('blocked');
    }, 10_000);
  });
  const outcome = await Promise.race([promise.then(() => 'resolved' as const, (error: Error) => error), blocked]);
  clearTimeout(timer);
  if (!(outcome instanceof Error)) throw new Error(`expected a refusal, but the call ${outcome === 'blocked' ? 'blocked on the FIFO' : 'succeeded'}`);
  return outcome;
}

describe('a FIFO swapped in just before the open', () => {
  it('readImage refuses it at once', async () => {
    const path = join(work, 'picture.png');
    writeFileSync(path, encodePng({ width: 1, height: 1, data: Uint8Array.from([1, 2, 3]) }));
    swapAtOpen(/picture\.png$/);
    const error = await refusal(readImage(path), path);
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error.message).toBe(`${path}: The path is not a regular file.`);
  });

  it("loadPretrainedModel refuses a FIFO in place of the package's model.json or weights", async () => {
    for (const name of ['model.json', 'weights.bin']) {
      const fifo = join(work, `pretrained-${name}`);
      execFileSync('mkfifo', [fifo]);
      hook.match = new RegExp(`pretrained/${name.replace('.', '\\.')}$`);
      hook.run = () => fifo;
      const error = await refusal(loadPretrainedModel(), fifo);
      expect(error).toBeInstanceOf(ModelFileError);
      expect(error.message).toMatch(new RegExp(`pretrained/${name.replace('.', '\\.')}: a FIFO, not a regular file\\.$`));
    }
  });

  it('loadFashionMnist refuses a FIFO in place of a data file of options.dir', async () => {
    const dir = writeFixture(makeFixture().files);
    const path = join(dir, 't10k-labels-idx1-ubyte');
    swapAtOpen(/t10k-labels-idx1-ubyte$/);
    const error = await refusal(loadFashionMnist({ dir, checksums: makeFixture().checksums }), path);
    expect(error).toBeInstanceOf(DatasetUnavailableError);
    expect(error.message).toBe(`${path}: cannot be read (it is a FIFO, not a regular file).`);
    rmSync(dir, { recursive: true });
  });

  it("loadModel refuses a FIFO in place of model.json or the weights; saveModel in place of the weights it reads back", async () => {
    const dir = join(work, 'model');
    const model = smallModel(1);
    await saveModel(model, dir);
    swapAtOpen(/model\/model\.json$/);
    const json = await refusal(loadModel(dir), join(dir, 'model.json'));
    expect(json).toBeInstanceOf(ModelFileError);
    expect(json.message).toBe(`${join(dir, 'model.json')}: not readable (it is a FIFO).`);

    const other = join(work, 'model-2');
    const { weightsFile } = await saveModel(model, other);
    swapAtOpen(/model-2\/weights\.[^/]+\.bin$/);
    const weights = await refusal(loadModel(other), join(other, weightsFile));
    expect(weights).toBeInstanceOf(ModelFileError);
    expect(weights.message).toBe(`${join(other, weightsFile)}: a FIFO, not a regular file.`);

    // The save opens its new weights to write them (flags 'wx'), then again to read them back.
    const third = join(work, 'model-3');
    let readBack = '';
    const saving = saveModelWithHook(model, third, {}, (step) => {
      if (step !== 'weights-written') return;
      hook.match = /model-3\/weights\.[^/]+\.bin$/;
      hook.run = (path) => {
        readBack = path;
        fifoInstead(path);
      };
    });
    const error = await refusal(saving, readBack || join(third, 'none'));
    expect(error).toBeInstanceOf(ModelFileError);
    expect(error.message).toBe(`${readBack}: replaced by a FIFO while it was written.`);
    model.dispose();
  });

  it("the renderer refuses a FIFO in place of the package's font", async () => {
    const fifo = join(work, 'font.woff2');
    execFileSync('mkfifo', [fifo]);
    hook.match = /dejavu-sans-latin-700-normal\.woff2$/;
    hook.run = () => fifo;
    const error = await refusal(nodeRendererAssets(), fifo);
    expect(error).toBeInstanceOf(RendererError);
    expect(error.message).toMatch(/^The renderer's .+dejavu-sans-latin-700-normal\.woff2 cannot be read \(it is a FIFO, not a regular file\)\.$/);
  });
});
