// The CLI's standard output, remembering whether the last line is still open (a progress bar drawn
// in place, a download's byte count), so that a message or an interruption starts on a line of its own.
import type { ProgressStream } from '../training/progress.js';

let lineOpen = false;

/** Writes text as is; a progress bar's stream. */
export const stdout: ProgressStream = {
  write(text: string): boolean {
    if (text.length > 0) lineOpen = !text.endsWith('\n');
    return process.stdout.write(text);
  },
  get isTTY(): boolean {
    return process.stdout.isTTY === true;
  },
};

/** Ends an open line. */
export function endLine(): void {
  if (lineOpen) stdout.write('\n');
}

/** Prints one line of information, on a line of its own. */
export function say(line: string): void {
  endLine();
  stdout.write(`${line}\n`);
}
