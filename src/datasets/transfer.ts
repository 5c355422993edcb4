// One HTTP download with the loader's guarantees, shared by the mirrors (Node) and `baseUrl` (any
// runtime): an overall deadline and an idle timeout, a byte cap checked against Content-Length
// before the body is read and again as it streams, progress reports, and the caller's abort
// passed on as the signal's own reason.
import { DownloadError } from '../errors.js';
import type { DownloadProgress } from './types.js';

/** What a download needs from the loader's options (defaults already applied). */
export interface TransferSettings {
  signal: AbortSignal | undefined;
  idleTimeoutMs: number;
  timeoutMs: number;
  onProgress: ((progress: DownloadProgress) => void) | undefined;
}

/**
 * An error that ends the whole load at once instead of trying the next mirror or URL: the
 * caller's `onProgress` threw, or the local disk failed. The loaders unwrap it (see {@link unwrapFinal}).
 */
export class FinalError extends Error {
  constructor(readonly error: unknown) {
    super('final');
  }
}

/**
 * The error to pass on when a load stops: a {@link FinalError}'s own error, the caller's abort
 * reason when the signal fired, or undefined when the next source may be tried.
 */
export function finalError(error: unknown, signal: AbortSignal | undefined): { error: unknown } | undefined {
  if (error instanceof FinalError) return { error: error.error };
  if (signal?.aborted) return { error: signal.reason };
  return undefined;
}

/** `error` as the caller should see it: {@link FinalError} unwrapped. */
export function unwrapFinal(error: unknown): unknown {
  return error instanceof FinalError ? error.error : error;
}

/** An error's message with its cause's (fetch says only "fetch failed" and hides the reason in `cause`). */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause && cause !== message ? `${message}: ${cause}` : message;
}

/**
 * One attempt at one URL. Timers start at construction; {@link Transfer.close} must be called
 * (in a `finally`) to clear them and cancel whatever is still in flight.
 */
export class Transfer {
  private readonly controller = new AbortController();
  private readonly signals: AbortSignal[];
  private readonly deadline: ReturnType<typeof setTimeout>;
  private idle: ReturnType<typeof setTimeout> | undefined;
  private expired: 'idle' | 'deadline' | undefined;
  private loaded = 0;
  private finalUrl: string | undefined;

  /**
   * @param url - What to fetch.
   * @param file - The file's name without `.gz`, for progress reports and messages.
   * @param settings - Deadlines, the caller's signal and progress callback.
   * @param stop - Another signal that cancels this transfer (a sibling download failed).
   */
  constructor(
    readonly url: string,
    readonly file: string,
    private readonly settings: TransferSettings,
    stop?: AbortSignal,
  ) {
    this.signals = [settings.signal, stop].filter((s): s is AbortSignal => s !== undefined);
    for (const signal of this.signals) {
      if (signal.aborted) this.controller.abort(signal.reason);
      else signal.addEventListener('abort', this.onAbort);
    }
    this.deadline = setTimeout(() => this.expire('deadline'), settings.timeoutMs);
    this.touch();
  }

  /** Sends the request; resolves with the response once its headers are in. */
  async response(): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(this.url, { signal: this.controller.signal });
    } catch (error) {
      throw this.failure(error, 'request failed');
    }
    if (response.redirected && response.url) this.finalUrl = response.url;
    return response;
  }

  /**
   * A {@link DownloadError} for this transfer: after a redirect it names the URL that answered
   * (its `file`) and says where the request started, since that is where a reader looks first.
   */
  error(reason: string, options?: ErrorOptions): DownloadError {
    if (this.finalUrl === undefined || this.finalUrl === this.url) return new DownloadError(reason, { ...options, file: this.url });
    return new DownloadError(`${reason} (redirected from ${this.url})`, { ...options, file: this.finalUrl });
  }

  /**
   * The response's body, chunk by chunk, refusing more than `limit()` bytes (read again for every
   * chunk: the decoder narrows it once the IDX header is known) and a Content-Length above it
   * before anything is read. Ends with a {@link DownloadError} when fewer bytes came than announced.
   * `what` names the file in those messages ("the most <what> can be").
   */
  async *body(response: Response, limit: () => number, what = `a gzip of ${this.file}`): AsyncGenerator<Uint8Array> {
    const header = response.headers.get('content-length');
    const total = header === null || header.trim() === '' || !Number.isFinite(Number(header)) ? undefined : Number(header);
    // With a Content-Encoding (servers such as Vite's send .gz files as `gzip`-encoded plain IDX),
    // fetch hands over the decoded body: Content-Length counts the encoded bytes, so it still bounds
    // the transfer from above but is not the body's length. The byte cap below applies either way.
    const encoding = response.headers.get('content-encoding')?.trim().toLowerCase();
    const announced = encoding && encoding !== 'identity' ? undefined : total;
    if (total !== undefined && total > limit()) {
      response.body?.cancel().catch(() => undefined);
      throw this.error(`the server announces ${total} bytes (Content-Length), more than the ${limit()} bytes ${what} can be`);
    }
    if (!response.body) return;
    const reader = response.body.getReader();
    try {
      for (;;) {
        let part: ReadableStreamReadResult<Uint8Array>;
        try {
          part = await reader.read();
        } catch (error) {
          throw this.failure(error, `connection failed after ${this.loaded} bytes`);
        }
        if (part.done) break;
        this.touch();
        this.loaded += part.value.length;
        const max = limit();
        if (this.loaded > max) throw this.error(`the body is longer than ${max} bytes, the most ${what} can be`);
        this.report(announced);
        yield part.value;
      }
      if (announced !== undefined && this.loaded !== announced) throw this.error(`received ${this.loaded} of ${announced} bytes`);
    } finally {
      reader.cancel().catch(() => undefined);
    }
  }

  /** Clears the timers and cancels the request if it is still running. Safe to call twice. */
  close(): void {
    clearTimeout(this.deadline);
    clearTimeout(this.idle);
    for (const signal of this.signals) signal.removeEventListener('abort', this.onAbort);
    if (!this.controller.signal.aborted) this.controller.abort(new DOMException('The download was closed.', 'AbortError'));
  }

  private readonly onAbort = (event: Event): void => {
    this.controller.abort((event.target as AbortSignal).reason);
  };

  private touch(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.expire('idle'), this.settings.idleTimeoutMs);
  }

  private expire(which: 'idle' | 'deadline'): void {
    this.expired ??= which;
    this.controller.abort(new DOMException(`The ${which} timeout expired.`, 'TimeoutError'));
  }

  /** The typed error for a failed request or read: the caller's abort, a timeout, or the network. */
  private failure(error: unknown, what: string): unknown {
    if (this.settings.signal?.aborted) return this.settings.signal.reason;
    const stop = this.signals.find((signal) => signal.aborted);
    if (stop) return stop.reason;
    if (this.expired === 'deadline') {
      return this.error(`not finished within ${this.settings.timeoutMs} ms (options.timeoutMs), after ${this.loaded} bytes`, { cause: error });
    }
    if (this.expired === 'idle') {
      return this.error(`no data received for ${this.settings.idleTimeoutMs} ms (options.idleTimeoutMs), after ${this.loaded} bytes`, { cause: error });
    }
    return this.error(`${what} (${describe(error)})`, { cause: error });
  }

  private report(total: number | undefined): void {
    if (!this.settings.onProgress) return;
    try {
      this.settings.onProgress({ file: this.file, url: this.url, loaded: this.loaded, total });
    } catch (error) {
      throw new FinalError(error);
    }
  }
}
