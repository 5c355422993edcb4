// The library's checks of its arguments: one vocabulary, one argument order (the argument's name as
// the caller wrote it, the value, then what it must be) and one wording, so that every
// InvalidArgumentError reads "Argument `<name>` must be <expected>, but received <value>."
import type { FashionMnistSplit } from './datasets/fashion-mnist.js';
import { InvalidArgumentError } from './errors.js';

/** The error for `argument`, received as `value`, which must be `expected` (phrased to follow "must be"). */
export function invalid(argument: string, value: unknown, expected: string, options: ErrorOptions = {}): InvalidArgumentError {
  return new InvalidArgumentError(expected, { ...options, argument, received: value });
}

/**
 * Bounds of a number: `min` and `max` inclusive, `above` and `below` exclusive; `note` is added to the
 * message in parentheses, to say where a bound comes from.
 */
export interface Range {
  min?: number;
  max?: number;
  above?: number;
  below?: number;
  note?: string;
}

/** Throws unless `value` is an integer within `range`; a number is the least it may be (by default 1). */
export function assertInteger(argument: string, value: unknown, range: Range | number = 1): asserts value is number {
  const bounds = typeof range === 'number' ? { min: range } : range;
  if (typeof value !== 'number' || !Number.isInteger(value) || !inRange(value, bounds)) throw invalid(argument, value, describeInteger(bounds));
}

/** Throws unless `value` is a finite number within `range`. */
export function assertNumber(argument: string, value: unknown, range: Range = {}): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !inRange(value, range)) throw invalid(argument, value, describeNumber(range));
}

/** Whether `value` is within `range`. */
export function inRange(value: number, { min, max, above, below }: Range): boolean {
  return !(value < (min ?? -Infinity) || value > (max ?? Infinity) || value <= (above ?? -Infinity) || value >= (below ?? Infinity));
}

/** "a positive integer", "an integer from 1 to 4096", … */
export function describeInteger(range: Range): string {
  const { min, max, above, below } = range;
  if (max === undefined && above === undefined && below === undefined && (min === 0 || min === 1)) {
    return withNote(min === 1 ? 'a positive integer' : 'a non-negative integer', range);
  }
  return withNote(`an integer${describeBounds(range)}`, range);
}

/** "a number from 0 to 1", "a non-negative finite number", "a number above 0 and at most 1", … */
export function describeNumber(range: Range): string {
  const { min, max, above, below } = range;
  if (max === undefined && below === undefined && (min === 0 || above === 0) && (min === undefined || above === undefined)) {
    return withNote(min === 0 ? 'a non-negative finite number' : 'a positive finite number', range);
  }
  const bounded = max !== undefined || below !== undefined;
  return withNote(`${bounded ? 'a number' : 'a finite number'}${describeBounds(range)}`, range);
}

function describeBounds({ min, max, above, below }: Range): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  const lower = min !== undefined ? `of at least ${min}` : above !== undefined ? `above ${above}` : undefined;
  const upper = max !== undefined ? `at most ${max}` : below !== undefined ? `below ${below}` : undefined;
  if (lower !== undefined && upper !== undefined) return ` ${lower} and ${upper}`;
  if (lower !== undefined) return ` ${lower}`;
  if (upper !== undefined) return max !== undefined ? ` of ${upper}` : ` ${upper}`;
  return '';
}

function withNote(text: string, { note }: Range): string {
  return note === undefined ? text : `${text} (${note})`;
}

/** Throws unless `value` is `true` or `false`. */
export function assertBoolean(argument: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalid(argument, value, 'true or false');
}

/** Throws unless `value` is a non-empty string. */
export function assertString(argument: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') throw invalid(argument, value, 'a non-empty string');
}

/** Throws unless `value` is a function. */
export function assertFunction(argument: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw invalid(argument, value, 'a function');
}

/** Throws unless `value` is one of `allowed`. */
export function assertOneOf<T>(argument: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (!allowed.includes(value as T)) throw invalid(argument, value, describeOneOf(allowed));
}

/** "one of "a", "b" or "c"". */
export function describeOneOf(allowed: readonly unknown[]): string {
  const shown = allowed.map(quote);
  return shown.length === 1 ? shown[0]! : `one of ${shown.slice(0, -1).join(', ')} or ${shown.at(-1)!}`;
}

function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Throws unless `value` is an object (not null, not an array); `expected` says which. */
export function assertObject(argument: string, value: unknown, expected = 'an object'): asserts value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(argument, value, expected);
}

/**
 * Every option name of an options type, as the keys of a plain object literal checked by the compiler
 * (a missing or an unknown name does not compile); pass it to {@link resolveOptions}. A literal, not a
 * function's result, so that bundlers drop it with the function that uses it.
 */
export type OptionNames<O> = { readonly [K in keyof Required<O>]: true };

/** Options of type `O` with the defaults `D` applied: the defaulted fields are always set. */
export type Resolved<O, D> = Omit<O, keyof D> & { -readonly [K in keyof D]: K extends keyof O ? Exclude<O[K], undefined> | D[K] : D[K] };

/**
 * An options object with its defaults applied: `defaults` overridden by the options that are set (an
 * explicit `undefined` keeps the default). Throws unless `options` is an object (or undefined) whose
 * keys are all in `names`, so that a typo such as `{ epoch: 3 }` fails instead of being ignored; a
 * key whose value is `undefined` is let through, as a spread of another object may carry one.
 */
export function resolveOptions<O extends object, D extends object>(argument: string, options: O | undefined, defaults: D, names: OptionNames<O>): Resolved<O, D> {
  if (options === undefined) return { ...defaults } as Resolved<O, D>;
  assertObject(argument, options, 'an object of options');
  const set: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(names, key)) throw unknownOption(`${argument}.${key}`, value, key, Object.keys(names));
    set[key] = value;
  }
  return { ...defaults, ...set } as Resolved<O, D>;
}

function unknownOption(argument: string, value: unknown, key: string, names: readonly string[]): InvalidArgumentError {
  const close = names.filter((name) => editDistance(name.toLowerCase(), key.toLowerCase()) <= Math.max(1, Math.floor(name.length / 4)));
  const hint = close.length > 0 ? `did you mean ${close.map((name) => `\`${name}\``).join(' or ')}?` : `the options are ${names.join(', ')}`;
  return invalid(argument, value, `left out (no such option; ${hint})`);
}

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The tensor-like checks need only these members, so tensors of another copy of tfjs-core pass too. */
interface TensorLike {
  readonly shape: number[];
  readonly rank: number;
  readonly dtype: string;
  readonly isDisposed: boolean;
}

/** Whether `value` looks like a tensor (of any copy of tfjs-core). */
export function isTensor(value: unknown): value is TensorLike {
  const candidate = value as Partial<TensorLike & { dataSync: unknown }> | null;
  return typeof candidate === 'object' && candidate !== null && Array.isArray(candidate.shape) && typeof candidate.dtype === 'string' && typeof candidate.dataSync === 'function';
}

/** What a tensor argument must be: its ranks and dtypes (any when left out), and how to say so. */
export interface TensorRequirements {
  ranks?: readonly number[];
  dtypes?: readonly string[];
  /** The expectation in the message when the rank is wrong, e.g. `an image tensor of shape [n, height, width, 1 or 3]`. */
  expected?: string;
}

/** Throws unless `value` is a live tensor of one of the given ranks and dtypes. */
export function assertTensor(argument: string, value: unknown, requirements: TensorRequirements = {}): asserts value is TensorLike {
  const { ranks, dtypes, expected } = requirements;
  if (!isTensor(value) || value.isDisposed) throw invalid(argument, value, 'a tensor that has not been disposed');
  if (ranks !== undefined && !ranks.includes(value.rank)) throw invalid(argument, value, expected ?? `a tensor of rank ${describeOneOf(ranks).replace(/^one of /, '')}`);
  if (dtypes !== undefined && !dtypes.includes(value.dtype)) {
    throw invalid(argument, `a ${value.dtype} tensor`, `a tensor of ${dtypes.slice(0, -1).join(', ')}${dtypes.length > 1 ? ' or ' : ''}${dtypes.at(-1)!}`);
  }
}

/** Throws unless `split` is a well-formed split with at least one image. */
export function assertSplit(argument: string, split: FashionMnistSplit): void {
  assertObject(argument, split, 'a split { images, labels, count, height, width }');
  if (split.count === 0) throw invalid(argument, split.count, 'a split with at least one image');
  assertInteger(`${argument}.count`, split.count);
  assertInteger(`${argument}.height`, split.height);
  assertInteger(`${argument}.width`, split.width);
  const bytes = split.count * split.height * split.width;
  if (!(split.images instanceof Uint8Array) || split.images.length !== bytes) {
    throw invalid(`${argument}.images`, split.images, `a Uint8Array of count * height * width = ${bytes} bytes`);
  }
  if (!(split.labels instanceof Uint8Array) || split.labels.length !== split.count) {
    throw invalid(`${argument}.labels`, split.labels, `a Uint8Array of count = ${split.count} class indices`);
  }
}
