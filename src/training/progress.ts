import { InvalidArgumentError } from '../errors.js';
import type { EpochLogs, TrainingCallbacks } from './train-options.js';
import { assertNumber, invalid, type OptionNames, resolveOptions } from '../validate.js';

/** Where {@link progressBar} writes: `process.stdout`, or anything with `write`. */
export interface ProgressStream {
  /** Writes text as is (no newline added). */
  write(text: string): unknown;
  /** Whether the stream is a terminal: only then is the bar redrawn in place during an epoch. */
  isTTY?: boolean;
}

/** Options of {@link progressBar}. Every field is optional. */
export interface ProgressBarOptions {
  /**
   * The stream to write to.
   * @defaultValue process.stdout
   */
  stream?: ProgressStream;
  /**
   * Minimum milliseconds between redraws of the bar.
   * @defaultValue 100
   */
  intervalMs?: number;
}

const BAR_WIDTH = 30;

/** Keras' bar: `=` for done, `>` at the head, `.` for the rest. */
export function renderBar(current: number, target: number): string {
  const done = Math.floor((BAR_WIDTH * current) / target);
  let bar = '[';
  if (done > 0) bar += '='.repeat(done - 1) + (current < target ? '>' : '=');
  return `${bar}${'.'.repeat(BAR_WIDTH - done)}]`;
}

/** Keras' number format for logs: four decimals, or scientific below 1e-3. */
export function formatMetric(value: number): string {
  return Math.abs(value) > 1e-3 || value === 0 ? value.toFixed(4) : value.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatEta(seconds: number): string {
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `${s}s`;
}

function formatPerStep(seconds: number): string {
  if (seconds >= 1) return `${seconds.toFixed(0)}s/step`;
  if (seconds >= 1e-3) return `${(seconds * 1e3).toFixed(0)}ms/step`;
  return `${(seconds * 1e6).toFixed(0)}us/step`;
}

function formatLogs(logs: Partial<Record<string, number>>): string {
  return ['loss', 'accuracy', 'val_loss', 'val_accuracy']
    .filter((key) => logs[key] !== undefined)
    .map((key) => ` - ${key}: ${formatMetric(logs[key]!)}`)
    .join('');
}

/** The defaults of {@link ProgressBarOptions} (the stream defaults to `process.stdout`). */
export const PROGRESS_BAR_DEFAULTS = /* @__PURE__ */ Object.freeze({ intervalMs: 100 });
const PROGRESS_BAR_OPTIONS: OptionNames<ProgressBarOptions> = { stream: true, intervalMs: true };

/**
 * A terminal progress bar in Keras' style, for {@link trainFashionMnist}:
 *
 * ```
 * Epoch 1/25
 * 1875/1875 [==============================] - 97s 52ms/step - loss: 0.5230 - accuracy: 0.8183 - val_loss: 0.3436 - val_accuracy: 0.8763
 * ```
 *
 * On a terminal the bar is redrawn in place with an ETA; otherwise (logs, CI) one line per epoch.
 *
 * @param options - Stream and redraw interval; see {@link ProgressBarOptions}.
 * @returns The callback.
 * @throws {@link InvalidArgumentError} when no stream is given and there is no `process.stdout` (browsers).
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMiniVGGNet, progressBar, trainFashionMnist } from 'tfjs-fashion-mnist';
 * import { loadFashionMnist } from 'tfjs-fashion-mnist/node';
 *
 * await trainFashionMnist(buildMiniVGGNet(), await loadFashionMnist(), { callbacks: [progressBar()] });
 * ```
 */
export function progressBar(options: ProgressBarOptions = {}): TrainingCallbacks {
  const settings = resolveOptions('options', options, PROGRESS_BAR_DEFAULTS, PROGRESS_BAR_OPTIONS);
  const stream = settings.stream ?? (globalThis as { process?: { stdout?: ProgressStream } }).process?.stdout;
  if (!stream) throw invalid('options.stream', settings.stream, 'a writable stream (there is no process.stdout to default to outside Node)');
  if (typeof stream.write !== 'function') throw invalid('options.stream', stream, 'a writable stream (an object with a write method)');
  assertNumber('options.intervalMs', settings.intervalMs, { min: 0 });
  const interval = settings.intervalMs;
  let epochs = 0;
  let steps = 0;
  let started = 0;
  let lastDraw = 0;
  const counter = (step: number) => `${String(step).padStart(String(steps).length)}/${steps}`;
  return {
    onTrainBegin(info) {
      epochs = info.epochs;
      steps = info.stepsPerEpoch;
    },
    onEpochBegin(epoch) {
      stream.write(`Epoch ${epoch + 1}/${epochs}\n`);
      started = performance.now();
      lastDraw = 0;
    },
    onBatchEnd(step, logs) {
      const now = performance.now();
      const current = step + 1;
      if (!stream.isTTY || current === steps || now - lastDraw < interval) return;
      lastDraw = now;
      const eta = ((now - started) / 1000 / current) * (steps - current);
      stream.write(`\r${counter(current)} ${renderBar(current, steps)} - ETA: ${formatEta(eta)}${formatLogs(logs)}\x1b[K`);
    },
    onEpochEnd(_epoch, logs: EpochLogs) {
      const perStep = logs.seconds / steps;
      const prefix = stream.isTTY ? '\r' : '';
      stream.write(`${prefix}${counter(steps)} ${renderBar(steps, steps)} - ${logs.seconds.toFixed(0)}s ${formatPerStep(perStep)}${formatLogs(logs)}${stream.isTTY ? '\x1b[K' : ''}\n`);
    },
  };
}
