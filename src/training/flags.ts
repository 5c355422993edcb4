// The command line's training flags turned into trainFashionMnist options, every value checked with
// an error naming the flag. Kept out of src/cli/ so that it can be tested without running the CLI.
import { describeInteger, describeNumber, describeOneOf, inRange, invalid, type Range } from '../validate.js';
import type { AugmentOptions } from './augment.js';
import { recipeNames, trainingRecipe, type RecipeName, type TrainingRecipe } from './recipes.js';
import { scheduleFromFlags } from './schedules.js';
import type { TrainOptions } from './train-options.js';

/** The raw flag values, as written on the command line. */
export interface TrainingFlags {
  recipe?: string | undefined;
  epochs?: string | undefined;
  'batch-size'?: string | undefined;
  lr?: string | undefined;
  seed?: string | undefined;
  augment?: string | undefined;
  schedule?: string | undefined;
  warmup?: string | undefined;
  'label-smoothing'?: string | undefined;
  'weight-decay'?: string | undefined;
}

const AUGMENT_FLAG = 'a comma-separated list of translate=<pixels>, flip and erase[=<probability>], e.g. translate=2,flip,erase';

/** The trainFashionMnist options the command line sets. */
export type FlagTrainOptions = Pick<TrainOptions, 'epochs' | 'batchSize' | 'learningRate' | 'seed' | 'augment' | 'learningRateSchedule' | 'labelSmoothing' | 'weightDecay'>;

/**
 * The trainFashionMnist options the flags ask for: those of `--recipe` if given, then each flag
 * given on top of them; an absent flag adds nothing, so the library's defaults (the tutorial's)
 * apply. Every value is checked here, so that a typo fails before the data is loaded.
 */
export function trainOptionsFromFlags(flags: TrainingFlags): FlagTrainOptions {
  const recipe = recipeFromFlag(flags.recipe);
  const options: FlagTrainOptions = { ...recipe?.train };
  if (flags.epochs !== undefined) options.epochs = integerFromFlag(flags.epochs, '--epochs', 1);
  if (flags['batch-size'] !== undefined) options.batchSize = integerFromFlag(flags['batch-size'], '--batch-size', 1);
  if (flags.lr !== undefined) options.learningRate = numberOf('--lr', flags.lr, { above: 0 });
  if (flags.seed !== undefined) options.seed = integerFromFlag(flags.seed, '--seed', 0);
  if (flags.augment !== undefined) options.augment = augmentFromFlag(flags.augment);
  // --warmup alone changes the recipe's schedule's warm-up, not the schedule.
  const schedule = scheduleFromFlags(flags.schedule ?? (flags.warmup === undefined ? undefined : recipe?.train.learningRateSchedule?.name), flags.warmup);
  if (schedule) options.learningRateSchedule = schedule;
  const smoothing = flags['label-smoothing'];
  if (smoothing !== undefined) options.labelSmoothing = numberOf('--label-smoothing', smoothing, { min: 0, max: 1 });
  const weightDecay = flags['weight-decay'];
  if (weightDecay !== undefined) options.weightDecay = numberOf('--weight-decay', weightDecay, { min: 0 });
  return options;
}

/** The recipe `--recipe` names, or undefined without the flag. */
export function recipeFromFlag(name: string | undefined): TrainingRecipe | undefined {
  if (name === undefined) return undefined;
  if (!(recipeNames() as readonly string[]).includes(name)) throw invalid('--recipe', name, describeOneOf(recipeNames()));
  return trainingRecipe(name as RecipeName);
}

/** `{ translate: 2, flip: true }` as the flag writes it, `translate=2,flip`. */
export function augmentFlag(augment: AugmentOptions): string {
  const erase = augment.erase === true ? 'erase' : augment.erase ? `erase=${augment.erase.probability ?? ''}`.replace(/=$/, '') : '';
  return [augment.translate ? `translate=${augment.translate}` : '', augment.flip ? 'flip' : '', erase].filter(Boolean).join(',');
}

/** `translate=2,flip,erase=0.25` to `{ translate: 2, flip: true, erase: { probability: 0.25 } }`. */
export function augmentFromFlag(text: string): AugmentOptions {
  const options: AugmentOptions = {};
  for (const item of text.split(',')) {
    const [key, value, ...rest] = item.trim().split('=');
    if (rest.length > 0) throw invalid('--augment', text, AUGMENT_FLAG);
    if (key === 'translate' && value !== undefined) options.translate = numberOf('--augment translate', value, { min: 0, note: 'pixels' }, true);
    else if (key === 'flip' && value === undefined) options.flip = true;
    else if (key === 'erase') options.erase = value === undefined ? true : { probability: numberOf('--augment erase', value, { min: 0, max: 1, note: 'a probability' }) };
    else throw invalid('--augment', text, AUGMENT_FLAG);
  }
  return options;
}

/** A whole number of at least `min` written in decimal digits, or an error naming the flag. */
export function integerFromFlag(text: string, flag: string, min: number): number {
  const value = Number(text);
  if (!/^\s*[+-]?\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < min) throw invalid(flag, text, describeInteger({ min }));
  return value;
}

/** A number within `range` (an integer if asked), or an error naming the flag in the library's wording. */
function numberOf(argument: string, text: string, range: Range, integer = false): number {
  const value = Number(text);
  const valid = text.trim() !== '' && Number.isFinite(value) && (!integer || Number.isInteger(value)) && inRange(value, range);
  if (!valid) throw invalid(argument, text, integer ? describeInteger(range) : describeNumber(range));
  return value;
}
