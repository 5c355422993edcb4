/**
 * What every error of this library is about, and what caused it: the second argument of every error
 * class's constructor, an `ErrorOptions` (`cause`) with the argument or file at fault.
 */
export interface FashionMnistErrorOptions extends ErrorOptions {
  /** The argument at fault, as the caller wrote it, e.g. `options.width` or `images[3]`. */
  argument?: string | undefined;
  /** The file, folder or URL at fault. */
  file?: string | undefined;
}

/**
 * Base class of every error this library throws on purpose.
 *
 * Catch it to tell the library's own, explained failures apart from bugs or errors raised by
 * TensorFlow.js itself. Every subclass is constructed the same way, `new XError(problem, options)`,
 * carries the argument or file at fault as `argument` or `file`, takes the standard `cause`, and has
 * a message that is one sentence: `` Argument `options.width` must be … `` or `<file>: <problem>.`
 *
 * @example
 * ```ts
 * import { buildMiniVGGNet, FashionMnistError } from 'tfjs-fashion-mnist';
 *
 * try {
 *   buildMiniVGGNet({ width: 3, height: 28, depth: 1, classes: 10 });
 * } catch (error) {
 *   if (error instanceof FashionMnistError) console.error(error.argument ?? error.file, error.message);
 * }
 * ```
 */
export class FashionMnistError extends Error {
  /** The error's class name, for logs and `instanceof`-free checks. */
  override name = 'FashionMnistError';
  /** The argument at fault, e.g. `options.width`, when the error is about one. */
  readonly argument: string | undefined;
  /** The file, folder or URL at fault, when the error is about one. */
  readonly file: string | undefined;

  /**
   * @param problem - What is wrong, to follow the argument or file in the message (e.g. `is not
   *   valid JSON`), or a whole sentence when the error is about neither.
   * @param options - The argument or file at fault, and `cause`: the underlying error.
   */
  constructor(problem: string, options: FashionMnistErrorOptions = {}) {
    super(formatMessage(problem, options), 'cause' in options ? { cause: options.cause } : undefined);
    this.argument = options.argument;
    this.file = options.file;
  }
}

/**
 * Every message of the library's errors, as one sentence: `` Argument `a` <problem>. `` for an
 * argument, `<file>: <problem>.` for a file, folder or URL, else the problem alone.
 */
function formatMessage(problem: string, { argument, file }: FashionMnistErrorOptions): string {
  const text = problem.replace(/\.$/, '');
  const sentence =
    argument !== undefined ? `Argument \`${argument}\` ${text}` : file !== undefined ? `${file}: ${text}` : text;
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/**
 * An argument had a value the function cannot use. The message is a sentence naming the argument,
 * what was expected and what was received; the same facts are on the error as properties.
 *
 * @example
 * ```ts
 * import { buildMiniVGGNet, InvalidArgumentError } from 'tfjs-fashion-mnist';
 *
 * try {
 *   buildMiniVGGNet({ width: 0, height: 28, depth: 1, classes: 10 });
 * } catch (error) {
 *   if (error instanceof InvalidArgumentError) console.error(error.argument, error.expected);
 * }
 * ```
 */
export class InvalidArgumentError extends FashionMnistError {
  /** Always `'InvalidArgumentError'`. */
  override name = 'InvalidArgumentError';
  /** The name of the offending argument, e.g. `options.width`. */
  declare readonly argument: string;
  /** What the argument should have been, phrased to follow "must be", e.g. `a positive integer`. */
  readonly expected: string;
  /** The value that was received. */
  readonly received: unknown;

  /**
   * @param expected - What was expected, phrased to follow "must be", e.g. `a positive integer`.
   * @param options - `argument`: its name as the caller wrote it; `received`: the value; `cause`.
   */
  constructor(expected: string, options: FashionMnistErrorOptions & { argument: string; received: unknown }) {
    super(`must be ${expected}, but received ${describeValue(options.received)}`, options);
    this.expected = expected;
    this.received = options.received;
  }
}

/**
 * A data file was unreadable or did not match what the official release contains: wrong IDX magic
 * number, dimensions, counts, a truncated or corrupt file, or a SHA-256 mismatch.
 *
 * @example
 * ```ts
 * import { loadFashionMnist, DataVerificationError } from 'tfjs-fashion-mnist/node';
 *
 * try {
 *   await loadFashionMnist({ dir: './my-copy' });
 * } catch (error) {
 *   if (error instanceof DataVerificationError) console.error(error.file, error.expected, error.actual);
 * }
 * ```
 */
export class DataVerificationError extends FashionMnistError {
  /** Always `'DataVerificationError'`. */
  override name = 'DataVerificationError';
  /** The file (path or URL) that failed verification. */
  declare readonly file: string;
  /** What was expected, e.g. a magic number or a SHA-256 digest. */
  readonly expected: string | number;
  /** What was found. */
  readonly actual: string | number;

  /**
   * @param what - What was checked, e.g. `the IDX magic number`.
   * @param options - `file`: the file (path or URL); `expected` and `actual`: the values; `cause`.
   */
  constructor(what: string, options: FashionMnistErrorOptions & { file: string; expected: string | number; actual: string | number }) {
    super(`${what} should be ${String(options.expected)} but is ${String(options.actual)}`, options);
    this.expected = options.expected;
    this.actual = options.actual;
  }
}

/**
 * The data set could not be found in any local source and could not be downloaded or fetched
 * (downloads disabled, or every mirror failed). `cause` is an `AggregateError` holding the failure
 * of each mirror or URL in turn, when there were any.
 *
 * @example
 * ```ts
 * import { loadFashionMnist, DatasetUnavailableError } from 'tfjs-fashion-mnist/node';
 *
 * try {
 *   await loadFashionMnist({ download: false });
 * } catch (error) {
 *   if (error instanceof DatasetUnavailableError) console.error(error.message);
 * }
 * ```
 */
export class DatasetUnavailableError extends FashionMnistError {
  /** Always `'DatasetUnavailableError'`. */
  override name = 'DatasetUnavailableError';
}

/**
 * One download or fetch failed: an HTTP error status, a connection that broke or stalled, a body
 * larger than the file can be. `file` names the URL; `cause` holds the underlying error, if any.
 * {@link DatasetUnavailableError} collects these when every mirror failed.
 *
 * @example
 * ```ts
 * import { DownloadError } from 'tfjs-fashion-mnist';
 *
 * const error = new DownloadError('HTTP 404 Not Found', { file: 'https://example.com/a.gz' });
 * console.log(error.message); // https://example.com/a.gz: HTTP 404 Not Found.
 * ```
 */
export class DownloadError extends FashionMnistError {
  /** Always `'DownloadError'`. */
  override name = 'DownloadError';
  /** The URL that failed. */
  declare readonly file: string;

  /**
   * @param problem - What went wrong, e.g. `HTTP 404 Not Found`.
   * @param options - `file`: the URL; `cause`: the underlying error.
   */
  constructor(problem: string, options: FashionMnistErrorOptions & { file: string }) {
    super(problem, options);
  }
}

/**
 * A saved model or checkpoint folder cannot be used: no readable `model.json`, a malformed one, a
 * weights path that leaves the folder, or the folder is not a training checkpoint. `file` names
 * the offending file or folder.
 *
 * @example
 * ```ts
 * import { loadModel, ModelFileError } from 'tfjs-fashion-mnist/node';
 *
 * try {
 *   await loadModel('no-such-model');
 * } catch (error) {
 *   if (error instanceof ModelFileError) console.error(error.file);
 * }
 * ```
 */
export class ModelFileError extends FashionMnistError {
  /** Always `'ModelFileError'`. */
  override name = 'ModelFileError';
  /** The file or folder at fault. */
  declare readonly file: string;

  /**
   * @param problem - What is wrong with it, e.g. `is not valid JSON`.
   * @param options - `file`: the file or folder; `cause`: the underlying error.
   */
  constructor(problem: string, options: FashionMnistErrorOptions & { file: string }) {
    super(problem, options);
  }
}

/**
 * A file could not be written: permission denied, no space left on the device, a file where a
 * folder should be. `file` names the file that was to be written (never a temporary beside it);
 * `cause` holds the system error. Saving models reports the same failures as {@link ModelFileError}.
 *
 * @example
 * ```ts
 * import { FileWriteError, savePng } from 'tfjs-fashion-mnist/node';
 *
 * try {
 *   await savePng({ width: 1, height: 1, data: new Uint8Array([0, 255, 0]) }, '/proc/pixel.png');
 * } catch (error) {
 *   if (error instanceof FileWriteError) console.error(error.file, error.cause);
 * }
 * ```
 */
export class FileWriteError extends FashionMnistError {
  /** Always `'FileWriteError'`. */
  override name = 'FileWriteError';
  /** The file that was to be written. */
  declare readonly file: string;

  /**
   * @param problem - What went wrong, e.g. `cannot be written; permission denied (EACCES)`.
   * @param options - `file`: the file; `cause`: the system error.
   */
  constructor(problem: string, options: FashionMnistErrorOptions & { file: string }) {
    super(problem, options);
  }
}

/**
 * An image file or image bytes could not be decoded: neither PNG nor JPEG, corrupt, or of a kind
 * not supported. `file` names the file when the bytes came from one.
 *
 * @example
 * ```ts
 * import { decodeImage, ImageDecodeError } from 'tfjs-fashion-mnist/node';
 *
 * try {
 *   decodeImage(new Uint8Array([1, 2, 3]));
 * } catch (error) {
 *   if (error instanceof ImageDecodeError) console.error(error.message);
 * }
 * ```
 */
export class ImageDecodeError extends FashionMnistError {
  /** Always `'ImageDecodeError'`. */
  override name = 'ImageDecodeError';
}

/**
 * The WebAssembly backend is not loaded or failed to start (`useWasmBackend` of `tfjs-fashion-mnist/wasm`).
 *
 * @example
 * ```ts
 * import { useWasmBackend, WasmBackendError } from 'tfjs-fashion-mnist/wasm';
 *
 * try {
 *   await useWasmBackend();
 * } catch (error) {
 *   if (error instanceof WasmBackendError) console.error(error.message);
 * }
 * ```
 */
export class WasmBackendError extends FashionMnistError {
  /** Always `'WasmBackendError'`. */
  override name = 'WasmBackendError';
}

/**
 * The caption and chart renderer has no assets (in a browser, call {@link configureRenderer} first),
 * or was configured after it had started.
 *
 * @example
 * ```ts
 * import { configureRenderer, RendererError } from 'tfjs-fashion-mnist';
 *
 * try {
 *   configureRenderer({ wasm: new Uint8Array(), fonts: [] });
 * } catch (error) {
 *   if (error instanceof RendererError) console.error(error.message);
 * }
 * ```
 */
export class RendererError extends FashionMnistError {
  /** Always `'RendererError'`. */
  override name = 'RendererError';
}

/** Renders a received value for an error message: short, and never `[object Object]`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map(describeValue).join(', ');
    return `[${shown}${value.length > 8 ? `, … (${value.length} items)` : ''}]`;
  }
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${(value as unknown as ArrayLike<unknown>).length}`;
  if (typeof value === 'object') {
    const shape = (value as { shape?: unknown }).shape;
    if (Array.isArray(shape)) return `a tensor of shape [${shape.join(', ')}]`;
    return `an object (${value.constructor?.name ?? 'Object'})`;
  }
  return typeof value;
}
