// The command-line program's answers to mistakes, spawned as users run it: one line each, exit 2,
// in the command line's terms, and before any data set is loaded or backend started.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS } from '../src/training/train-options.js';
import { KERAS_SGD_DEFAULTS } from '../src/training/sgd.js';
import { runCli } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'fmnist-cli-flags-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the command line', () => {
  it('names the nearest flag for a misspelt one', async () => {
    const { code, stdout, stderr } = await runCli(['train', '--epoch', '2']);
    expect(code).toBe(2);
    expect(stderr).toBe('error: Unknown option --epoch. Did you mean --epochs?\n');
    expect(stdout).toBe('');
  });

  it('answers a negative number with one line about the flag', async () => {
    const negative = await runCli(['train', '--epochs', '-1']);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toBe('error: --epochs must be a positive integer, but got "-1".\nRun with --help for usage.\n');
    const rate = await runCli(['train', '--lr', '-0.5']);
    expect(rate.stderr).toBe('error: --lr must be a positive finite number, but got "-0.5".\nRun with --help for usage.\n');
  });

  it.each([
    [['predict', 'a.png', '--epochs', '3'], 'error: --epochs is an option of train, not of predict.\nRun with --help for usage.\n'],
    [['trian'], 'error: Unknown command "trian". Did you mean train? Commands: train, evaluate, predict.\n'],
    [['train', '--threads', '0'], 'error: --threads must be a positive integer, but got "0".\nRun with --help for usage.\n'],
    [['train', '--threads', '65', '--out', join(work, 'threads')], 'error: --threads must be "auto" or an integer from 1 to 64, but got "65".\nRun with --help for usage.\n'],
    [['evaluate', '--limit', '0'], 'error: --limit must be a positive integer, but got "0".\nRun with --help for usage.\n'],
    [['train', '--backend', 'gpu'], 'error: --backend must be cpu, wasm or tensorflow, but got "gpu".\nRun with --help for usage.\n'],
    [['train', 'extra'], 'error: train takes no arguments, but got "extra".\nRun with --help for usage.\n'],
  ])('answers %j in one line', async (args, expected) => {
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toBe(expected);
  });

  it('refuses a missing model folder at once, before the backend or the data set', async () => {
    const { code, stdout, stderr } = await runCli(['evaluate', '/nope']);
    expect(code).toBe(2);
    expect(stderr).toBe('error: /nope/model.json: not readable (the folder does not exist).\n');
    // Nothing started: no backend line, no data set loaded, no output folder made.
    expect(stdout).toBe('');
  });

  it('refuses a --data-dir without the data set in its own terms, before the backend', async () => {
    const missing = await runCli(['train', '--data-dir', join(work, 'nope'), '--out', join(work, 'out')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`error: --data-dir ${join(work, 'nope')} does not exist.\n`);
    const partial = mkdtempSync(join(work, 'data-'));
    writeFileSync(join(partial, 'train-images-idx3-ubyte.gz'), '');
    const incomplete = await runCli(['evaluate', '--data-dir', partial, '--out', join(work, 'out')]);
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toBe(
      `error: --data-dir ${partial} does not hold all four Fashion-MNIST files: train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte are missing (plain or .gz).\n`,
    );
    expect(missing.stdout + incomplete.stdout).toBe('');
  });

  it('refuses an --out where no folder can be made in one line, without hanging', async () => {
    // Node's own recursive mkdir never returns under /proc.
    const proc = await runCli(['train', '--out', '/proc/tfjs-fashion-mnist/out']);
    expect(proc.code).toBe(2);
    expect(proc.stderr).toBe('error: --out /proc/tfjs-fashion-mnist/out cannot be used as the output folder: this file system does not take folders there.\n');
    const file = join(work, 'a-file');
    writeFileSync(file, '');
    const underFile = await runCli(['train', '--out', join(file, 'out')]);
    expect(underFile.code).toBe(2);
    expect(underFile.stderr).toMatch(/^error: --out .*a-file\/out cannot be used as the output folder: .*ENOTDIR/);
  });

  it("shows the library's defaults in its help", async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Epochs (default ${TRAIN_DEFAULTS.epochs})`);
    expect(stdout).toContain(`Images per step (default ${TRAIN_DEFAULTS.batchSize})`);
    expect(stdout).toContain(`decay is lr / epochs (default ${KERAS_SGD_DEFAULTS.learningRate})`);
    expect(stdout).toContain('--test-time-flip');
  });
});
