// Numerics that reproduce NumPy and Python exactly, so that reports match scikit-learn to the
// last printed digit.

/**
 * NumPy's pairwise summation (`np.sum` on a contiguous float64 array): plain below 8 items, eight
 * interleaved accumulators up to 128, and halves above. The order of additions changes the last
 * bits of the result, which can change a rounded digit.
 */
export function pairwiseSum(values: ArrayLike<number>, start = 0, length = values.length): number {
  if (length < 8) {
    let sum = 0;
    for (let i = start; i < start + length; i++) sum += values[i]!;
    return sum;
  }
  if (length <= 128) {
    const r = Array.from({ length: 8 }, (_, j) => values[start + j]!);
    let i = 8;
    for (; i < length - (length % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += values[start + i + j]!;
    }
    let sum = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < length; i++) sum += values[start + i]!;
    return sum;
  }
  let half = Math.floor(length / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, length - half);
}

/** `np.average(values, weights)`: the mean, or the weighted sum over the sum of weights. */
export function npAverage(values: readonly number[], weights?: readonly number[]): number {
  if (!weights) return pairwiseSum(values) / values.length;
  return pairwiseSum(values.map((v, i) => v * weights[i]!)) / pairwiseSum(weights);
}

/**
 * Python's `format(value, '.{digits}f')`: correctly rounded, ties to even (JavaScript's toFixed
 * breaks exact ties upward, so 0.125 would print 0.13 instead of Python's 0.12).
 */
export function formatFixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const rounded = value.toFixed(digits);
  // A double is an exact tie only if its decimal expansion ends in 5 right after `digits` places.
  const expansion = Math.abs(value).toFixed(Math.min(100, digits + 30));
  const point = expansion.indexOf('.');
  const tail = expansion.slice(point + 1 + digits);
  if (!/^50*$/.test(tail)) return rounded;
  const lastDigit = Number(rounded.at(-1));
  if (lastDigit % 2 === 0) return rounded;
  // toFixed rounded away from zero onto an odd digit: the even neighbour is the truncation.
  const truncated = expansion.slice(0, digits === 0 ? point : point + 1 + digits);
  return value < 0 ? `-${truncated}` : truncated;
}

/** Python's `repr(float)` (what `'{}'.format(x)` prints): shortest round-trip digits, Python's exponent style. */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [mantissa = '', exponent = '0'] = value.toExponential().split('e');
    const sign = exponent.startsWith('-') ? '-' : '+';
    return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  const text = String(value);
  return Number.isInteger(value) ? `${text}.0` : text;
}
