import { InvalidArgumentError } from '../errors.js';
import { assertInteger, assertNumber, describeNumber, describeOneOf, invalid, type OptionNames, resolveOptions } from '../validate.js';

/** Where a run is when {@link LearningRateSchedule.learningRate} is asked for the rate of a batch. */
export type ScheduleStep = {
  /** Batches before this one in the whole run, earlier epochs included: `epoch * stepsPerEpoch + batch`, from 0. */
  step: number;
  /** Batches per epoch. */
  stepsPerEpoch: number;
  /** Epochs of the whole run (`options.epochs`). */
  epochs: number;
  /** The optimizer's initial learning rate (`options.learningRate` for a model the library compiles). */
  baseLearningRate: number;
};

/**
 * A learning rate per batch, for {@link TrainOptions.learningRateSchedule}. The rate depends only on
 * where the run is, never on earlier calls, so a resumed run continues the schedule exactly. Make one
 * with {@link kerasTimeDecay}, {@link cosineDecay}, {@link oneCycle} or {@link stepDecay}, or write
 * your own.
 */
export interface LearningRateSchedule {
  /** A short name for logs, e.g. `'cosine'`. */
  readonly name: string;
  /** The learning rate of one batch: a finite number, at least 0. */
  learningRate(at: ScheduleStep): number;
}

/** Options every built-in schedule takes. */
export interface WarmupOptions {
  /**
   * Epochs (fractions allowed) over which the rate rises linearly from `rate / warm-up steps` to the
   * schedule's rate, counted in batches: `round(warmupEpochs * stepsPerEpoch)`.
   * @defaultValue 0 (no warm-up); for {@link oneCycle}, 30% of the run
   */
  warmupEpochs?: number;
}

/** Options of {@link kerasTimeDecay}. */
export interface KerasTimeDecayOptions extends WarmupOptions {
  /**
   * Decay per batch: the rate is `baseLearningRate / (1 + decay * step)`.
   * @defaultValue baseLearningRate / epochs, the tutorial's `INIT_LR / NUM_EPOCHS`
   */
  decay?: number;
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions extends WarmupOptions {
  /**
   * The rate the cosine ends at, after the last batch.
   * @defaultValue 0
   */
  minLearningRate?: number;
}

/** Options of {@link oneCycle}. */
export interface OneCycleOptions extends WarmupOptions {
  /**
   * The peak rate, reached when the warm-up ends.
   * @defaultValue the base learning rate
   */
  maxLearningRate?: number;
  /**
   * The rate starts at `maxLearningRate / initialDivisor` (PyTorch's `div_factor`).
   * @defaultValue 25
   */
  initialDivisor?: number;
  /**
   * The rate ends at `maxLearningRate / initialDivisor / finalDivisor` (PyTorch's `final_div_factor`).
   * @defaultValue 10000
   */
  finalDivisor?: number;
}

/** Options of {@link stepDecay}. */
export interface StepDecayOptions extends WarmupOptions {
  /**
   * The rate is multiplied by `factor` every this many epochs.
   * @defaultValue 10
   */
  everyEpochs?: number;
  /**
   * What the rate is multiplied by at each drop, above 0 and at most 1.
   * @defaultValue 0.5
   */
  factor?: number;
}

/** The defaults of the built-in schedules. */
export const SCHEDULE_DEFAULTS = /* @__PURE__ */ Object.freeze({
  /** No warm-up. */
  warmupEpochs: 0,
  /** The share of the run one-cycle spends rising (PyTorch's `pct_start`). */
  oneCycleWarmupFraction: 0.3,
  /** Cosine decay ends at 0. */
  minLearningRate: 0,
  /** One-cycle starts at max / 25. */
  initialDivisor: 25,
  /** One-cycle ends at max / 25 / 10000. */
  finalDivisor: 1e4,
  /** Step decay drops every 10 epochs. */
  everyEpochs: 10,
  /** Step decay halves the rate. */
  factor: 0.5,
});

// The option names of each schedule; their defaults are SCHEDULE_DEFAULTS'.
const KERAS_TIME_DECAY_OPTIONS: OptionNames<KerasTimeDecayOptions> = { warmupEpochs: true, decay: true };
const COSINE_DECAY_OPTIONS: OptionNames<CosineDecayOptions> = { warmupEpochs: true, minLearningRate: true };
const ONE_CYCLE_OPTIONS: OptionNames<OneCycleOptions> = { warmupEpochs: true, maxLearningRate: true, initialDivisor: true, finalDivisor: true };
const STEP_DECAY_OPTIONS: OptionNames<StepDecayOptions> = { warmupEpochs: true, everyEpochs: true, factor: true };

/**
 * Keras' time-based decay, `rate = baseLearningRate / (1 + decay * step)` with the step counted in
 * batches: the tutorial's schedule, which {@link KerasSGD} applies by itself when no schedule is
 * given. Given explicitly, it gives the same rates (bit for bit), and can be combined with a warm-up.
 *
 * @param options - Decay and warm-up; see {@link KerasTimeDecayOptions}.
 * @returns The schedule.
 * @throws {@link InvalidArgumentError} for a negative or non-finite decay or warm-up.
 *
 * @example
 * ```ts
 * import { buildMiniVGGNet, kerasTimeDecay, trainFashionMnist } from 'tfjs-fashion-mnist';
 * import { loadFashionMnist } from 'tfjs-fashion-mnist/node';
 *
 * const data = await loadFashionMnist();
 * await trainFashionMnist(buildMiniVGGNet(), data, { learningRateSchedule: kerasTimeDecay({ warmupEpochs: 1 }) });
 * ```
 */
export function kerasTimeDecay(options: KerasTimeDecayOptions = {}): LearningRateSchedule {
  const { warmupEpochs, decay: fixedDecay } = resolveOptions('options', options, { warmupEpochs: SCHEDULE_DEFAULTS.warmupEpochs }, KERAS_TIME_DECAY_OPTIONS);
  assertNumber('options.warmupEpochs', warmupEpochs, { min: 0 });
  if (fixedDecay !== undefined) assertNumber('options.decay', fixedDecay, { min: 0 });
  return Object.freeze({
    name: 'keras',
    learningRate(at: ScheduleStep): number {
      // The expression KerasSGD.currentLearningRate evaluates, so that the rates are the same doubles.
      const decay = fixedDecay ?? at.baseLearningRate / at.epochs;
      return warm(at, warmupEpochs) * (at.baseLearningRate / (1 + decay * at.step));
    },
  });
}

/**
 * Cosine decay (Loshchilov & Hutter's SGDR without restarts) with an optional linear warm-up: after
 * the warm-up the rate falls from the base learning rate to `minLearningRate` along half a cosine
 * over the remaining batches of the run.
 *
 * @param options - Warm-up and final rate; see {@link CosineDecayOptions}.
 * @returns The schedule.
 * @throws {@link InvalidArgumentError} for a negative or non-finite warm-up or final rate.
 *
 * @example
 * ```ts
 * import { buildMiniVGGNet, cosineDecay, trainFashionMnist } from 'tfjs-fashion-mnist';
 * import { loadFashionMnist } from 'tfjs-fashion-mnist/node';
 *
 * const data = await loadFashionMnist();
 * await trainFashionMnist(buildMiniVGGNet(), data, { learningRate: 0.05, learningRateSchedule: cosineDecay({ warmupEpochs: 2 }) });
 * ```
 */
export function cosineDecay(options: CosineDecayOptions = {}): LearningRateSchedule {
  const { warmupEpochs, minLearningRate } = resolveOptions('options', options, { warmupEpochs: SCHEDULE_DEFAULTS.warmupEpochs, minLearningRate: SCHEDULE_DEFAULTS.minLearningRate }, COSINE_DECAY_OPTIONS);
  assertNumber('options.warmupEpochs', warmupEpochs, { min: 0 });
  assertNumber('options.minLearningRate', minLearningRate, { min: 0 });
  return Object.freeze({
    name: 'cosine',
    learningRate(at: ScheduleStep): number {
      const warmup = warmupSteps(at, warmupEpochs);
      if (at.step < warmup) return warm(at, warmupEpochs) * at.baseLearningRate;
      const progress = Math.min(1, (at.step - warmup) / Math.max(1, totalSteps(at) - warmup));
      return minLearningRate + (at.baseLearningRate - minLearningRate) * 0.5 * (1 + Math.cos(Math.PI * progress));
    },
  });
}

/**
 * Smith's one-cycle policy as PyTorch's `OneCycleLR` (cosine annealing, no momentum cycling): the
 * rate rises from `max / initialDivisor` to `maxLearningRate` over the warm-up (by default 30% of
 * the run), then falls to `max / initialDivisor / finalDivisor` at the last batch, both along half
 * cosines.
 *
 * @param options - Peak rate, warm-up and divisors; see {@link OneCycleOptions}.
 * @returns The schedule.
 * @throws {@link InvalidArgumentError} for a rate, warm-up or divisor that is negative, zero where it
 *   divides, or not finite.
 *
 * @example
 * ```ts
 * import { buildMiniVGGNet, oneCycle, trainFashionMnist } from 'tfjs-fashion-mnist';
 * import { loadFashionMnist } from 'tfjs-fashion-mnist/node';
 *
 * const data = await loadFashionMnist();
 * await trainFashionMnist(buildMiniVGGNet(), data, { epochs: 10, learningRateSchedule: oneCycle({ maxLearningRate: 0.1 }) });
 * ```
 */
export function oneCycle(options: OneCycleOptions = {}): LearningRateSchedule {
  const { warmupEpochs, maxLearningRate, initialDivisor, finalDivisor } = resolveOptions('options', options, { initialDivisor: SCHEDULE_DEFAULTS.initialDivisor, finalDivisor: SCHEDULE_DEFAULTS.finalDivisor }, ONE_CYCLE_OPTIONS);
  if (warmupEpochs !== undefined) assertNumber('options.warmupEpochs', warmupEpochs, { min: 0 });
  if (maxLearningRate !== undefined) assertNumber('options.maxLearningRate', maxLearningRate, { min: 0 });
  assertNumber('options.initialDivisor', initialDivisor, { above: 0 });
  assertNumber('options.finalDivisor', finalDivisor, { above: 0 });
  return Object.freeze({
    name: 'one-cycle',
    learningRate(at: ScheduleStep): number {
      const peak = maxLearningRate ?? at.baseLearningRate;
      const initial = peak / initialDivisor;
      const rise = warmupSteps(at, warmupEpochs ?? SCHEDULE_DEFAULTS.oneCycleWarmupFraction * at.epochs);
      // PyTorch's phase boundaries: the peak is reached at step rise - 1, the end rate at the last step.
      const peakStep = Math.max(0, rise - 1);
      if (at.step < peakStep) return anneal(initial, peak, at.step / peakStep);
      const span = totalSteps(at) - 1 - peakStep;
      return anneal(peak, initial / finalDivisor, span > 0 ? Math.min(1, (at.step - peakStep) / span) : 0);
    },
  });
}

/**
 * Step decay: the rate is multiplied by `factor` every `everyEpochs` epochs,
 * `rate = baseLearningRate * factor ** floor(epoch / everyEpochs)`, with an optional linear warm-up.
 *
 * @param options - Interval, factor and warm-up; see {@link StepDecayOptions}.
 * @returns The schedule.
 * @throws {@link InvalidArgumentError} for an interval that is not a positive integer, a factor not in
 *   (0, 1], or a negative or non-finite warm-up.
 *
 * @example
 * ```ts
 * import { buildMiniVGGNet, stepDecay, trainFashionMnist } from 'tfjs-fashion-mnist';
 * import { loadFashionMnist } from 'tfjs-fashion-mnist/node';
 *
 * const data = await loadFashionMnist();
 * await trainFashionMnist(buildMiniVGGNet(), data, { learningRateSchedule: stepDecay({ everyEpochs: 10, factor: 0.1 }) });
 * ```
 */
export function stepDecay(options: StepDecayOptions = {}): LearningRateSchedule {
  const { warmupEpochs, everyEpochs, factor } = resolveOptions('options', options, { warmupEpochs: SCHEDULE_DEFAULTS.warmupEpochs, everyEpochs: SCHEDULE_DEFAULTS.everyEpochs, factor: SCHEDULE_DEFAULTS.factor }, STEP_DECAY_OPTIONS);
  assertNumber('options.warmupEpochs', warmupEpochs, { min: 0 });
  assertInteger('options.everyEpochs', everyEpochs);
  assertNumber('options.factor', factor, { above: 0, max: 1 });
  return Object.freeze({
    name: 'step',
    learningRate(at: ScheduleStep): number {
      const drops = Math.floor(Math.floor(at.step / at.stepsPerEpoch) / everyEpochs);
      return warm(at, warmupEpochs) * at.baseLearningRate * factor ** drops;
    },
  });
}

/** The names the command line accepts for `--schedule`, `keras` being the tutorial's. */
export const SCHEDULE_NAMES = ['keras', 'cosine', 'one-cycle', 'step'] as const;

/**
 * The schedule of a command-line `--schedule` name and `--warmup` epochs; undefined for the
 * tutorial's (keras without warm-up), which leaves the optimizer's own decay in charge.
 */
export function scheduleFromFlags(name: string | undefined, warmup: string | undefined): LearningRateSchedule | undefined {
  if (name !== undefined && !(SCHEDULE_NAMES as readonly string[]).includes(name)) {
    throw invalid('--schedule', name, describeOneOf(SCHEDULE_NAMES));
  }
  const warmupEpochs = warmup === undefined ? undefined : Number(warmup);
  if (warmupEpochs !== undefined && !(Number.isFinite(warmupEpochs) && warmupEpochs >= 0 && warmup!.trim() !== '')) {
    throw invalid('--warmup', warmup, 'a non-negative number of epochs');
  }
  const options = warmupEpochs === undefined ? {} : { warmupEpochs };
  if (name === 'cosine') return cosineDecay(options);
  if (name === 'one-cycle') return oneCycle(options);
  if (name === 'step') return stepDecay(options);
  return warmupEpochs ? kerasTimeDecay(options) : undefined;
}

/** Throws unless `schedule` is one; used by trainFashionMnist before anything runs. */
export function assertSchedule(argument: string, schedule: unknown): asserts schedule is LearningRateSchedule {
  if (typeof schedule !== 'object' || schedule === null || typeof (schedule as LearningRateSchedule).learningRate !== 'function') {
    throw invalid(argument, schedule, 'a schedule: an object with a learningRate(step) method, such as cosineDecay() returns');
  }
}

/** The rate of one batch, refused unless it is a finite number >= 0 (a custom schedule may err). */
export function scheduledRate(argument: string, schedule: LearningRateSchedule, at: ScheduleStep): number {
  const rate = schedule.learningRate({ ...at });
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) {
    throw invalid(argument, rate, `a schedule whose learningRate(step) is ${describeNumber({ min: 0 })} (at step ${at.step})`);
  }
  return rate;
}

function totalSteps(at: ScheduleStep): number {
  return at.epochs * at.stepsPerEpoch;
}

function warmupSteps(at: ScheduleStep, warmupEpochs: number): number {
  return Math.round(warmupEpochs * at.stepsPerEpoch);
}

/** The linear warm-up factor: (step + 1) / warm-up steps during the warm-up, so the first batch moves too; 1 after. */
function warm(at: ScheduleStep, warmupEpochs: number): number {
  const steps = warmupSteps(at, warmupEpochs);
  return at.step < steps ? (at.step + 1) / steps : 1;
}

/** Half a cosine from `start` (progress 0) to `end` (progress 1), as PyTorch's `_annealing_cos`. */
function anneal(start: number, end: number, progress: number): number {
  return end + ((start - end) / 2) * (1 + Math.cos(Math.PI * progress));
}
