// The command-line program as a user runs it: a child process on src/cli.ts, through tsx.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const root = resolve(import.meta.dirname, '../..');
const cliPath = join(root, 'src/cli.ts');

/** What a finished run printed and its exit code. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the program to its end with tsx's launcher, as test/cli.test.ts does. */
export async function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), cliPath, ...args], {
      cwd: options.cwd ?? root,
      env: options.env ?? process.env,
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * A running program, for sending it signals. It runs in node itself with tsx's loader (`node --import
 * tsx src/cli.ts`), which is the command its resume line prints: tsx's launcher would stand between
 * the signal and the program (it kills a child that does not answer within 60 ms, and a training step
 * takes longer).
 */
export class RunningCli {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<() => void> = [];

  constructor(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: options.cwd ?? root, env: options.env ?? process.env });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => this.append('stdout', text));
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => this.append('stderr', text));
    this.exited = new Promise((resolveExit) => this.child.on('close', (code, signal) => resolveExit({ code, signal })));
  }

  private append(stream: 'stdout' | 'stderr', text: string): void {
    this[stream] += text;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves once stdout matches `pattern`; rejects if the program ends first. */
  async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    let ended = false;
    void this.exited.then(() => {
      ended = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
    for (;;) {
      const match = this.stdout.match(pattern);
      if (match) return match;
      if (ended) throw new Error(`the program ended before printing ${pattern}:\n${this.stdout}\n${this.stderr}`);
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}
