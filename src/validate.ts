import { InvalidArgumentError } from './errors.js';

/** `defaults` overridden by the options that are set: an explicit `undefined` keeps the default. */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O): D & O {
  return { ...defaults, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as D & O;
}

/** Throws unless `value` is an integer >= `min` (default 1). */
export function assertInteger(argument: string, value: unknown, min = 1): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    const expected = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    throw new InvalidArgumentError(argument, expected, value);
  }
}

/** Throws unless `value` is a finite number within [min, max]. */
export function assertNumberInRange(argument: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidArgumentError(argument, `a number between ${min} and ${max}`, value);
  }
}

/** Throws unless `value` is one of `allowed`. */
export function assertOneOf<T extends string>(argument: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw new InvalidArgumentError(argument, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
}
