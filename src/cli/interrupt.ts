// Ctrl-C (SIGINT), SIGTERM and a closed terminal (SIGHUP): the first ends the open line, lets a
// checkpoint being written finish, prints what the command says about it (train: what was kept
// and the command that resumes), and exits with 128 + the signal's number (130, 143, 129). A second
// signal exits at once. Exiting through process.exit runs the process's 'exit' listeners, which is
// where the threaded wasm backend removes its temporary folder; a signal's default action would not.
import { constants } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import { endLine } from './output.js';

/** What the running command says when interrupted. */
export interface InterruptHandling {
  /** Work to let finish before exiting (a checkpoint being written), if any. */
  pending?(): Promise<unknown> | undefined;
  /** The one line to print, if any. */
  message?(): string | undefined;
}

/** The process as the handlers use it; replaced in tests. */
export interface InterruptHost {
  on(signal: NodeJS.Signals, listener: () => void): void;
  exit(code: number): void;
  /** Writes one line (to stderr). */
  printLine(line: string): void;
  endLine(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const processHost: InterruptHost = {
  on: (signal, listener) => process.on(signal, listener),
  exit: (code) => process.exit(code),
  printLine: (line) => process.stderr.write(`${line}\n`),
  endLine,
};

/** Installs the handlers; `setHandling` tells them what the running command has to say. */
export function handleInterrupts(host: InterruptHost = processHost): { setHandling(handling: InterruptHandling): void } {
  let handling: InterruptHandling = {};
  let interrupted = false;
  let printed = false;
  const finish = (code: number) => {
    host.endLine();
    if (!printed) {
      printed = true;
      const line = handling.message?.();
      if (line) host.printLine(line);
    }
    host.exit(code);
  };
  for (const signal of SIGNALS) {
    const code = 128 + constants.signals[signal];
    host.on(signal, () => {
      if (interrupted) return finish(code);
      interrupted = true;
      const pending = handling.pending?.();
      if (!pending) return finish(code);
      pending.then(
        () => finish(code),
        () => finish(code),
      );
    });
  }
  return {
    setHandling(next) {
      handling = next;
    },
  };
}

/**
 * The command line that runs `args` again as the user ran this program: the installed command
 * (through npx when it lives in node_modules), else node with the script (and tsx's loader for the
 * TypeScript source: under tsx's own launcher, which kills its child when it does not answer a
 * signal within 60 ms, an interrupted step could not finish).
 */
export function commandLine(args: readonly string[], script = process.argv[1] ?? 'tfjs-fashion-mnist'): string {
  let program: string;
  if (/[/\\]node_modules[/\\]/.test(script)) program = 'npx tfjs-fashion-mnist';
  else if (/(^|[/\\])tfjs-fashion-mnist$/.test(script)) program = 'tfjs-fashion-mnist';
  else {
    const path = relative(process.cwd(), script);
    program = `node${script.endsWith('.ts') ? ' --import tsx' : ''} ${quote(path.startsWith('..') || isAbsolute(path) ? script : path)}`;
  }
  return [program, ...args.map(quote)].join(' ');
}

/** A word as a POSIX shell reads it back. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
