// The named recipes are the commands docs/results.md records, and --recipe applies them under the
// other flags.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, trainingRecipe, type LearningRateSchedule } from '../src/index.js';
import { augmentFlag, recipeFromFlag, trainOptionsFromFlags, type TrainingFlags } from '../src/training/flags.js';

const results = readFileSync(join(resolve(import.meta.dirname, '..'), 'docs/results.md'), 'utf8');

/** A schedule's rates over a short run of 3 epochs of 10 batches, to compare two schedules. */
function rates(schedule: LearningRateSchedule | undefined): number[] | undefined {
  return schedule && Array.from({ length: 30 }, (_, step) => schedule.learningRate({ step, stepsPerEpoch: 10, epochs: 3, baseLearningRate: 0.05 }));
}

/** Options with the schedule replaced by its rates, for toEqual. */
function comparable({ learningRateSchedule, ...rest }: ReturnType<typeof trainOptionsFromFlags>) {
  return { ...rest, rates: rates(learningRateSchedule), schedule: learningRateSchedule?.name };
}

/** The flags of a command line such as docs/results.md records. */
function flagsOf(command: string): TrainingFlags {
  const flags: Record<string, string> = {};
  for (const [, name, value] of command.matchAll(/--([\w-]+) ([^\s-][^\s]*)/g)) flags[name!] = value!;
  return flags;
}

describe('trainingRecipe', () => {
  it("gives recipe D's options as 'best', the command of docs/results.md that made the pretrained model", () => {
    const command = /### Recipe D[^\n]*\n\n- \*\*Command\*\*: `([^`]+)`/.exec(results)![1]!;
    const { threads: _, out: __, ...flags } = flagsOf(command) as Record<string, string>;
    // The command leaves the batch size at the tutorial's 32.
    expect(comparable(trainingRecipe('best').train)).toEqual(comparable({ batchSize: 32, ...trainOptionsFromFlags(flags) }));
    expect(trainingRecipe('best').evaluate).toEqual({ testTimeFlip: false });
  });

  it("gives the tutorial's settings as 'tutorial', the library's defaults", () => {
    expect(trainingRecipe('tutorial').train).toEqual({ epochs: 25, batchSize: 32, learningRate: 0.01 });
  });

  it("gives the five-epoch attempt docs/results.md names as `--recipe fast`", () => {
    const row = /^\| \d+ \(`--recipe fast`\) \| `([^`]+)`/m.exec(results)![1]!;
    const { threads: _, ...flags } = flagsOf(row) as Record<string, string>;
    expect(comparable(trainingRecipe('fast').train)).toEqual(comparable(trainOptionsFromFlags(flags)));
    expect(trainingRecipe('fast').evaluate).toEqual({ testTimeFlip: false });
  });

  it('returns a new object each call', () => {
    expect(trainingRecipe('fast')).not.toBe(trainingRecipe('fast'));
    expect(comparable(trainingRecipe('fast').train)).toEqual(comparable(trainingRecipe('fast').train));
  });

  it('refuses a name it does not know, naming the argument', () => {
    // @ts-expect-error: not a recipe name
    expect(() => trainingRecipe('quick')).toThrow(/^Argument `name` must be one of "tutorial", "best" or "fast"/);
    // @ts-expect-error: not a recipe name
    expect(() => trainingRecipe(undefined)).toThrow(InvalidArgumentError);
  });
});

describe('--recipe', () => {
  it('applies the recipe, then the flags given on top of it', () => {
    expect(comparable(trainOptionsFromFlags({ recipe: 'fast' }))).toEqual(comparable(trainingRecipe('fast').train));
    const changed = trainOptionsFromFlags({ recipe: 'fast', epochs: '3', augment: 'translate=2', 'batch-size': '32' });
    expect(changed.epochs).toBe(3);
    expect(changed.augment).toEqual({ translate: 2 });
    expect(changed.batchSize).toBe(32);
    expect(changed.weightDecay).toBe(0.0005);
  });

  it("changes the warm-up of the recipe's own schedule when --warmup comes alone", () => {
    const best = trainOptionsFromFlags({ recipe: 'best', warmup: '2' });
    expect(best.learningRateSchedule?.name).toBe('cosine');
    expect(rates(best.learningRateSchedule)).toEqual(rates(trainOptionsFromFlags({ schedule: 'cosine', warmup: '2' }).learningRateSchedule));
  });

  it('refuses an unknown recipe naming the flag', () => {
    expect(() => recipeFromFlag('quick')).toThrow(/--recipe/);
    expect(() => recipeFromFlag('quick')).toThrow(InvalidArgumentError);
    expect(recipeFromFlag(undefined)).toBeUndefined();
  });

  it('describes augmentation as the flag writes it', () => {
    expect(augmentFlag({ translate: 2, flip: true })).toBe('translate=2,flip');
    expect(augmentFlag({ flip: true, erase: { probability: 0.25 } })).toBe('flip,erase=0.25');
    expect(augmentFlag({ erase: true })).toBe('erase');
  });
});
