/**
 * Base class of every error this library throws on purpose.
 *
 * Catch it to tell the library's own, explained failures apart from bugs or errors raised by
 * TensorFlow.js itself.
 *
 * @example
 * ```ts
 * import { buildMiniVGGNet, FashionMnistError } from 'tfjs-fashion-mnist';
 *
 * try {
 *   buildMiniVGGNet({ width: 3, height: 28, depth: 1, classes: 10 });
 * } catch (error) {
 *   if (error instanceof FashionMnistError) console.error(error.message);
 * }
 * ```
 */
export class FashionMnistError extends Error {
  /** The error's class name, for logs and `instanceof`-free checks. */
  override name = 'FashionMnistError';
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
  readonly argument: string;
  /** What the argument should have been. */
  readonly expected: string;
  /** The value that was received. */
  readonly received: unknown;

  /**
   * @param argument - The argument's name as the caller wrote it, e.g. `options.width`.
   * @param expected - What was expected, phrased to follow "must be", e.g. `a positive integer`.
   * @param received - The value that was received.
   */
  constructor(argument: string, expected: string, received: unknown) {
    super(`Argument \`${argument}\` must be ${expected}, but received ${describeValue(received)}.`);
    this.argument = argument;
    this.expected = expected;
    this.received = received;
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
  readonly file: string;
  /** What was expected, e.g. a magic number or a SHA-256 digest. */
  readonly expected: string | number;
  /** What was found. */
  readonly actual: string | number;

  /**
   * @param file - The file that failed, path or URL.
   * @param what - What was checked, e.g. `IDX magic number`.
   * @param expected - The expected value.
   * @param actual - The value found.
   */
  constructor(file: string, what: string, expected: string | number, actual: string | number) {
    super(`${file}: ${what} should be ${String(expected)} but is ${String(actual)}.`);
    this.file = file;
    this.expected = expected;
    this.actual = actual;
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
 * larger than the file can be. `url` names it; `cause` holds the underlying error, if any.
 * {@link DatasetUnavailableError} collects these when every mirror failed.
 *
 * @example
 * ```ts
 * import { DownloadError } from 'tfjs-fashion-mnist';
 *
 * const error = new DownloadError('https://example.com/a.gz', 'HTTP 404 Not Found');
 * console.log(error.message); // https://example.com/a.gz: HTTP 404 Not Found.
 * ```
 */
export class DownloadError extends FashionMnistError {
  /** Always `'DownloadError'`. */
  override name = 'DownloadError';
  /** The URL that failed. */
  readonly url: string;

  /**
   * @param url - The URL that failed.
   * @param reason - What went wrong, e.g. `HTTP 404 Not Found`.
   * @param options - `cause`: the underlying error.
   */
  constructor(url: string, reason: string, options?: ErrorOptions) {
    super(`${url}: ${reason}.`, options);
    this.url = url;
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
  readonly file: string;

  /**
   * @param file - The file or folder at fault.
   * @param message - A sentence saying what is wrong with it.
   * @param options - `cause`: the underlying error.
   */
  constructor(file: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.file = file;
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
  readonly file: string;

  /**
   * @param file - The file that was to be written.
   * @param reason - What went wrong, e.g. `permission denied (EACCES)`.
   * @param options - `cause`: the system error.
   */
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(`Cannot write ${file}: ${reason}.`, options);
    this.file = file;
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
  /** The file the bytes came from, when known. */
  readonly file: string | undefined;

  /**
   * @param message - A sentence saying what is wrong.
   * @param file - The file the bytes came from, when known.
   * @param options - `cause`: the decoder's error.
   */
  constructor(message: string, file?: string, options?: ErrorOptions) {
    super(file === undefined ? message : `${file}: ${message}`, options);
    this.file = file;
  }
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
