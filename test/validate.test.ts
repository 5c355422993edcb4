// The validation vocabulary (src/validate.ts): one argument order, one wording, and options objects
// whose unknown keys are refused by name, as every public function applies them.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  assertBoolean,
  assertInteger,
  assertNumber,
  assertObject,
  assertOneOf,
  assertSplit,
  assertString,
  assertTensor,
  invalid,
  type OptionNames,
  resolveOptions,
} from '../src/validate.js';
import {
  augmentSplit,
  buildMiniVGGNet,
  buildMontage,
  classificationReport,
  classifyImages,
  confusionMatrix,
  cosineDecay,
  earlyStopping,
  evaluateModel,
  InvalidArgumentError,
  KerasSGD,
  loadFashionMnist,
  progressBar,
  splitToTensors,
  toFashionMnistPixels,
  trainFashionMnist,
  trainingHistorySpec,
} from '../src/node.js';
import { useWasmBackend } from '../src/wasm/node.js';
import { loadFashionMnist as loadFashionMnistNeutral } from '../src/index.js';
import { smallModel } from './helpers/models.js';

function thrown(run: () => unknown): InvalidArgumentError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('the checks', () => {
  it('word integer ranges one way', () => {
    expect(thrown(() => assertInteger('n', 0)).message).toBe('Argument `n` must be a positive integer, but received 0.');
    expect(thrown(() => assertInteger('n', -1, 0)).message).toBe('Argument `n` must be a non-negative integer, but received -1.');
    expect(thrown(() => assertInteger('n', 1.5, { min: 1, max: 4 })).message).toBe('Argument `n` must be an integer from 1 to 4, but received 1.5.');
    expect(thrown(() => assertInteger('n', 2, { min: 3 })).message).toBe('Argument `n` must be an integer of at least 3, but received 2.');
    expect(thrown(() => assertInteger('n', 9, { max: 8, note: 'the tile height' })).message).toBe('Argument `n` must be an integer of at most 8 (the tile height), but received 9.');
    expect(thrown(() => assertInteger('n', '3')).received).toBe('3');
    expect(() => assertInteger('n', 4, { min: 1, max: 4 })).not.toThrow();
  });

  it('word number ranges one way, refusing NaN and infinities', () => {
    expect(thrown(() => assertNumber('x', Number.NaN, { min: 0, max: 1 })).message).toBe('Argument `x` must be a number from 0 to 1, but received NaN.');
    expect(thrown(() => assertNumber('x', Infinity, { min: 0 })).message).toBe('Argument `x` must be a non-negative finite number, but received Infinity.');
    expect(thrown(() => assertNumber('x', 0, { above: 0 })).message).toBe('Argument `x` must be a positive finite number, but received 0.');
    expect(thrown(() => assertNumber('x', 2, { above: 0, max: 1 })).message).toBe('Argument `x` must be a number above 0 and at most 1, but received 2.');
    expect(thrown(() => assertNumber('x', 1, { min: 0, below: 1 })).message).toBe('Argument `x` must be a number of at least 0 and below 1, but received 1.');
    expect(thrown(() => assertNumber('x', 'a')).message).toBe('Argument `x` must be a finite number, but received "a".');
    expect(() => assertNumber('x', 1e308)).not.toThrow();
  });

  it('word one-of, booleans, strings and objects one way', () => {
    expect(thrown(() => assertOneOf('kind', 'c', ['a', 'b'])).message).toBe('Argument `kind` must be one of "a" or "b", but received "c".');
    expect(thrown(() => assertOneOf('kind', 'yes', [true, false, 'auto'])).message).toBe('Argument `kind` must be one of true, false or "auto", but received "yes".');
    expect(thrown(() => assertBoolean('flag', 1)).message).toBe('Argument `flag` must be true or false, but received 1.');
    expect(thrown(() => assertString('name', '')).message).toBe('Argument `name` must be a non-empty string, but received "".');
    expect(thrown(() => assertObject('options', [])).message).toBe('Argument `options` must be an object, but received [].');
    expect(invalid('a', 1, 'two', { cause: 'why' }).cause).toBe('why');
  });

  it('check tensors: alive, of a rank, of a dtype', () => {
    const x = tf.zeros([2, 2]);
    expect(thrown(() => assertTensor('x', x, { ranks: [3, 4] })).message).toBe('Argument `x` must be a tensor of rank 3 or 4, but received a tensor of shape [2, 2].');
    expect(thrown(() => assertTensor('x', x, { dtypes: ['int32'] })).message).toBe('Argument `x` must be a tensor of int32, but received "a float32 tensor".');
    x.dispose();
    expect(thrown(() => assertTensor('x', x)).message).toBe('Argument `x` must be a tensor that has not been disposed, but received a tensor of shape [2, 2].');
    expect(thrown(() => assertTensor('x', [1, 2])).argument).toBe('x');
  });

  it('check splits, naming the field at fault', () => {
    const split = { images: new Uint8Array(4), labels: new Uint8Array(1), count: 1, height: 2, width: 2 };
    expect(() => assertSplit('data.train', split)).not.toThrow();
    expect(thrown(() => assertSplit('data.train', { ...split, images: new Uint8Array(3) })).argument).toBe('data.train.images');
    expect(thrown(() => assertSplit('data.train', { ...split, height: 0 })).argument).toBe('data.train.height');
    expect(thrown(() => assertSplit('data.train', null as never)).argument).toBe('data.train');
  });
});

describe('resolveOptions', () => {
  interface Options {
    epochs?: number;
    batchSize?: number;
    seed?: number;
  }
  const names: OptionNames<Options> = { epochs: true, batchSize: true, seed: true };
  const defaults = Object.freeze({ epochs: 25, batchSize: 32 });

  it('applies the defaults; an explicit undefined keeps one', () => {
    expect(resolveOptions('options', undefined, defaults, names)).toEqual({ epochs: 25, batchSize: 32 });
    expect(resolveOptions('options', { epochs: 3, batchSize: undefined, seed: 1 } as unknown as Options, defaults, names)).toEqual({ epochs: 3, batchSize: 32, seed: 1 });
  });

  it('refuses an unknown key by name, suggesting the option meant', () => {
    const error = thrown(() => resolveOptions('options', { epoch: 3 } as Options, defaults, names));
    expect(error.argument).toBe('options.epoch');
    expect(error.received).toBe(3);
    expect(error.message).toBe('Argument `options.epoch` must be left out (no such option; did you mean `epochs`?), but received 3.');
    expect(thrown(() => resolveOptions('options', { colour: 'red' } as Options, defaults, names)).message).toBe(
      'Argument `options.colour` must be left out (no such option; the options are epochs, batchSize, seed), but received "red".',
    );
  });

  it('lets through spread objects whose extra keys are undefined, and refuses what is not an object', () => {
    const spread = { ...{ epochs: 2 }, extra: undefined } as unknown as Options;
    expect(resolveOptions('options', spread, defaults, names)).toEqual({ epochs: 2, batchSize: 32 });
    expect(thrown(() => resolveOptions('options', null as never, defaults, names)).message).toBe('Argument `options` must be an object of options, but received null.');
    expect(thrown(() => resolveOptions('options', [] as never, defaults, names)).argument).toBe('options');
  });
});

describe('public functions refuse unknown option keys', () => {
  const split = { images: new Uint8Array(2 * 28 * 28), labels: new Uint8Array([0, 1]), count: 2, height: 28, width: 28 };
  const cases: Array<[string, () => unknown, string]> = [
    ['classificationReport', () => classificationReport([0, 1], [0, 1], { digit: 3 } as never), 'options.digit'],
    ['confusionMatrix', () => confusionMatrix([0, 1], [0, 1], { normalise: 'all' } as never), 'options.normalise'],
    ['splitToTensors', () => splitToTensors(split, { format: 'channelsLast' } as never), 'options.format'],
    ['toFashionMnistPixels', () => toFashionMnistPixels({ width: 1, height: 1, data: new Uint8Array(3) }, { inverted: true } as never), 'options.inverted'],
    ['augmentSplit', () => augmentSplit(split, { translation: 2 } as never, 1), 'options.translation'],
    ['augmentSplit (erase)', () => augmentSplit(split, { erase: { prob: 0.5 } } as never, 1), 'options.erase.prob'],
    ['earlyStopping', () => earlyStopping({ patients: 2 } as never), 'options.patients'],
    ['cosineDecay', () => cosineDecay({ warmup: 1 } as never), 'options.warmup'],
    ['KerasSGD', () => new KerasSGD({ lr: 0.1 } as never), 'options.lr'],
    ['progressBar', () => progressBar({ interval: 5 } as never), 'options.interval'],
    ['trainingHistorySpec', () => trainingHistorySpec({ loss: [1] }, { titel: 'x' } as never), 'options.titel'],
  ];
  it.each(cases)('%s', (_, run, argument) => {
    expect(thrown(run).argument).toBe(argument);
  });

  it('trainFashionMnist: a typo such as { epoch: 3 } is refused, not ignored', async () => {
    const model = smallModel();
    const error = (await trainFashionMnist(model, { train: split }, { epoch: 3 } as never).catch((e: unknown) => e)) as InvalidArgumentError;
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.argument).toBe('options.epoch');
    expect(error.message).toBe('Argument `options.epoch` must be left out (no such option; did you mean `epochs`?), but received 3.');
    // Refused before the model was compiled.
    expect(model.optimizer).toBeUndefined();
    model.dispose();
  });

  it('buildMiniVGGNet and useWasmBackend too', async () => {
    expect(thrown(() => buildMiniVGGNet({ widht: 28 } as never)).argument).toBe('options.widht');
    const error = (await useWasmBackend({ thread: 2 } as never).catch((e: unknown) => e)) as InvalidArgumentError;
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('Argument `options.thread` must be left out (no such option; did you mean `threads`?), but received 2.');
  });

  it('in the async functions too, before any work', async () => {
    const model = smallModel();
    const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as InvalidArgumentError);
    expect((await rejection(evaluateModel(model, split, { batch: 8 } as never)))?.argument).toBe('options.batch');
    expect((await rejection(classifyImages(model, new Uint8Array(784), { label: [] } as never)))?.argument).toBe('options.label');
    expect((await rejection(buildMontage(split, [28, 28], [1, 1], { caption: [] } as never)))?.argument).toBe('options.caption');
    expect((await rejection(loadFashionMnist({ directory: 'x' } as never)))?.argument).toBe('options.directory');
    // The platform-neutral loader has no local folders: a Node option is refused by name there.
    expect((await rejection(loadFashionMnistNeutral({ baseUrl: 'http://localhost/', dir: 'x' } as never)))?.argument).toBe('options.dir');
    model.dispose();
  });

  it('leave configurations tfjs reads back alone: KerasSGD.fromConfig ignores keys it does not know', () => {
    const optimizer = KerasSGD.fromConfig(KerasSGD, { learningRate: 0.1, momentum: 0.5, decay: 0, name: 'SGD', clipnorm: null }) as KerasSGD;
    expect([optimizer.learningRate, optimizer.momentum]).toEqual([0.1, 0.5]);
  });
});
