// How the command line answers errors: one line for the user's mistakes (exit 2), the stack for
// anything else, which is a bug (exit 1).
import { FashionMnistError, InvalidArgumentError } from '../errors.js';
import { describeFsError } from '../node/atomic.js';

/** A mistake in the command line; `hint: false` when the message already says what to type. */
export class UsageError extends Error {
  readonly hint: boolean;

  constructor(message: string, options: { hint?: boolean } = {}) {
    super(message);
    this.hint = options.hint ?? true;
  }
}

/**
 * The library's options the CLI passes a flag to unchecked, so that the library's check (and its
 * limits) speak of the flag. The other flags are checked before anything runs (src/training/flags.ts).
 */
const FLAG_OF_OPTION: Readonly<Record<string, string>> = { 'options.threads': '--threads' };

const HINT = 'Run with --help for usage.';

/** Writes the error's line(s) with `write` and returns the exit code. */
export function report(error: unknown, write: (text: string) => void = (text) => process.stderr.write(text)): number {
  const line = userMessage(error);
  if (line === undefined) {
    write(`error: ${(error as Error | undefined)?.stack ?? String(error)}\n`);
    return 1;
  }
  write(`error: ${line.message}\n${line.hint ? `${HINT}\n` : ''}`);
  return 2;
}

function userMessage(error: unknown): { message: string; hint: boolean } | undefined {
  if (error instanceof UsageError) return { message: error.message, hint: error.hint };
  if (error instanceof InvalidArgumentError) {
    const flag = error.argument.startsWith('--') ? error.argument : FLAG_OF_OPTION[error.argument];
    if (flag) return { message: `${flag} must be ${error.expected}, but got ${JSON.stringify(String(error.received))}.`, hint: true };
  }
  if (error instanceof FashionMnistError) return { message: error.message, hint: false };
  // A file-system error on a path the user gave (the library's own errors already name theirs).
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException;
  if (code?.startsWith('E') && path) return { message: `${path}: ${describeFsError(error)}.`, hint: false };
  return undefined;
}
