import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/index.js';
import { augmentFromFlag, trainOptionsFromFlags } from '../src/training/flags.js';
import { scheduleFromFlags } from '../src/training/schedules.js';

describe('command-line training flags', () => {
  it('add nothing when absent, so the defaults stay the tutorial\'s', () => {
    expect(trainOptionsFromFlags({})).toEqual({});
    expect(trainOptionsFromFlags({ schedule: 'keras' })).toEqual({});
    expect(trainOptionsFromFlags({ schedule: 'keras', warmup: '0' })).toEqual({});
  });

  it('parse --augment lists', () => {
    expect(augmentFromFlag('translate=2,flip,erase')).toEqual({ translate: 2, flip: true, erase: true });
    expect(augmentFromFlag(' flip , erase=0.25')).toEqual({ flip: true, erase: { probability: 0.25 } });
    expect(trainOptionsFromFlags({ augment: 'translate=3', 'label-smoothing': '0.1' })).toEqual({ augment: { translate: 3 }, labelSmoothing: 0.1 });
    expect(trainOptionsFromFlags({ 'weight-decay': '5e-4' })).toEqual({ weightDecay: 0.0005 });
  });

  it('read the run\'s size, rate and seed', () => {
    expect(trainOptionsFromFlags({ epochs: '3', 'batch-size': '8', lr: '0.05', seed: '0' })).toEqual({ epochs: 3, batchSize: 8, learningRate: 0.05, seed: 0 });
  });

  it('name the schedule and its warm-up', () => {
    const names = (['keras', 'cosine', 'one-cycle', 'step'] as const).map((name) => scheduleFromFlags(name, '1')?.name);
    expect(names).toEqual(['keras', 'cosine', 'one-cycle', 'step']);
    const cosine = trainOptionsFromFlags({ schedule: 'cosine', warmup: '2' }).learningRateSchedule!;
    // Warm-up over 2 epochs of 10 batches: the first batch gets a twentieth of the rate.
    expect(cosine.learningRate({ step: 0, stepsPerEpoch: 10, epochs: 5, baseLearningRate: 0.02 })).toBeCloseTo(0.001, 15);
  });

  it.each([
    [{ augment: 'translate' }, 'Argument `--augment` must be a comma-separated list of translate=<pixels>, flip and erase[=<probability>], e.g. translate=2,flip,erase, but received "translate".'],
    [{ augment: 'flip=1' }, 'Argument `--augment` must be a comma-separated list of translate=<pixels>, flip and erase[=<probability>], e.g. translate=2,flip,erase, but received "flip=1".'],
    [{ augment: 'rotate=5' }, 'Argument `--augment` must be a comma-separated list of translate=<pixels>, flip and erase[=<probability>], e.g. translate=2,flip,erase, but received "rotate=5".'],
    [{ augment: 'translate=two' }, 'Argument `--augment translate` must be a non-negative integer (pixels), but received "two".'],
    [{ augment: 'translate=1.5' }, 'Argument `--augment translate` must be a non-negative integer (pixels), but received "1.5".'],
    [{ augment: 'erase=2' }, 'Argument `--augment erase` must be a number from 0 to 1 (a probability), but received "2".'],
    [{ 'label-smoothing': '1.5' }, 'Argument `--label-smoothing` must be a number from 0 to 1, but received "1.5".'],
    [{ augment: 'erase=' }, 'Argument `--augment erase` must be a number from 0 to 1 (a probability), but received "".'],
    [{ schedule: 'linear' }, 'Argument `--schedule` must be one of "keras", "cosine", "one-cycle" or "step", but received "linear".'],
    [{ warmup: '-1' }, 'Argument `--warmup` must be a non-negative number of epochs, but received "-1".'],
    [{ warmup: 'x' }, 'Argument `--warmup` must be a non-negative number of epochs, but received "x".'],
    [{ 'label-smoothing': 'much' }, 'Argument `--label-smoothing` must be a number from 0 to 1, but received "much".'],
    [{ epochs: '-1' }, 'Argument `--epochs` must be a positive integer, but received "-1".'],
    [{ epochs: '1.5' }, 'Argument `--epochs` must be a positive integer, but received "1.5".'],
    [{ epochs: '1e1' }, 'Argument `--epochs` must be a positive integer, but received "1e1".'],
    [{ 'batch-size': '0' }, 'Argument `--batch-size` must be a positive integer, but received "0".'],
    [{ seed: '-3' }, 'Argument `--seed` must be a non-negative integer, but received "-3".'],
    [{ lr: '0' }, 'Argument `--lr` must be a positive finite number, but received "0".'],
    [{ 'weight-decay': '-0.1' }, 'Argument `--weight-decay` must be a non-negative finite number, but received "-0.1".'],
  ])('reject %j', (flags, message) => {
    expect(() => trainOptionsFromFlags(flags)).toThrow(InvalidArgumentError);
    expect(() => trainOptionsFromFlags(flags)).toThrow(message);
  });
});
