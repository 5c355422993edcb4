// The command line's parts that need no process: parsing, suggestions, the help's defaults, the
// messages of errors and interruptions, and the signal handlers (on a stand-in for the process).
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { nearest, parseArgs } from '../src/cli/args.js';
import { report, UsageError } from '../src/cli/errors.js';
import { commandLine, handleInterrupts, type InterruptHost } from '../src/cli/interrupt.js';
import { helpText } from '../src/cli/options.js';
import { interruptedTrainingLine, type TrainRun } from '../src/cli/train.js';
import { RANDOM_ERASING_DEFAULTS } from '../src/training/augment.js';
import { SCHEDULE_DEFAULTS } from '../src/training/schedules.js';
import { KERAS_SGD_DEFAULTS } from '../src/training/sgd.js';
import { TRAIN_DEFAULTS } from '../src/training/train-options.js';

const messageOf = (error: unknown): string => {
  let text = '';
  report(error, (t) => (text += t));
  return text;
};

const failure = (argv: string[]): string => {
  try {
    parseArgs(argv);
  } catch (error) {
    return messageOf(error);
  }
  throw new Error(`${argv.join(' ')} parsed`);
};

describe('parsing the command line', () => {
  it('reads commands, flags in both spellings, switches and arguments', () => {
    expect(parseArgs([])).toEqual({ command: 'train', flags: {}, positionals: [] });
    expect(parseArgs(['--epochs', '3', 'train', '--lr=0.1', '--resume'])).toEqual({ command: 'train', flags: { epochs: '3', lr: '0.1', resume: true }, positionals: [] });
    expect(parseArgs(['predict', 'a.png', '--', '--odd-name.png'])).toEqual({ command: 'predict', flags: {}, positionals: ['a.png', '--odd-name.png'] });
    expect(parseArgs(['-h', 'nonsense']).flags).toEqual({ help: true });
    expect(parseArgs(['evaluate', 'model', '--seed', '7']).positionals).toEqual(['model']);
  });

  it('takes a negative number as a value, so its own check can refuse it', () => {
    expect(parseArgs(['--epochs', '-1']).flags).toEqual({ epochs: '-1' });
    expect(parseArgs(['--lr', '-.5']).flags).toEqual({ lr: '-.5' });
    expect(failure(['--out', '--epochs'])).toBe(
      'error: --out needs a value: --out <dir> (got the flag --epochs; write --out=--epochs for a value that starts with a dash).\nRun with --help for usage.\n',
    );
    expect(failure(['--epochs'])).toBe('error: --epochs needs a value: --epochs <n>.\nRun with --help for usage.\n');
  });

  it('names the nearest known flag or command in one line', () => {
    expect(failure(['train', '--epoch', '2'])).toBe('error: Unknown option --epoch. Did you mean --epochs?\n');
    expect(failure(['--bacth-size', '8'])).toBe('error: Unknown option --bacth-size. Did you mean --batch-size?\n');
    expect(failure(['--learning-rate', '0.1'])).toBe('error: Unknown option --learning-rate. Did you mean --lr?\n');
    expect(failure(['--output', 'x'])).toBe('error: Unknown option --output. Did you mean --out?\n');
    expect(failure(['--zzz'])).toBe('error: Unknown option --zzz.\nRun with --help for usage.\n');
    expect(failure(['-x'])).toBe('error: Unknown option -x.\nRun with --help for usage.\n');
    expect(failure(['trian'])).toBe('error: Unknown command "trian". Did you mean train? Commands: train, evaluate, predict.\n');
    expect(nearest('evalute', ['train', 'evaluate', 'predict'])).toBe('evaluate');
    expect(nearest('x', ['train'])).toBeUndefined();
  });

  it("refuses a flag of another command instead of ignoring it, and a switch's value", () => {
    expect(failure(['predict', 'a.png', '--epochs', '3'])).toBe('error: --epochs is an option of train, not of predict.\nRun with --help for usage.\n');
    expect(failure(['predict', 'a.png', '--out', 'x'])).toBe('error: --out is an option of train and evaluate, not of predict.\nRun with --help for usage.\n');
    expect(failure(['--resume=yes'])).toBe('error: --resume takes no value, but got "yes".\nRun with --help for usage.\n');
  });
});

describe('the help', () => {
  it("gives the library's defaults", () => {
    const help = helpText();
    expect(help).toContain(`--epochs <n>              Epochs (default ${TRAIN_DEFAULTS.epochs})`);
    expect(help).toContain(`Images per step (default ${TRAIN_DEFAULTS.batchSize})`);
    expect(help).toContain(`(default ${KERAS_SGD_DEFAULTS.learningRate})`);
    expect(help).toContain(`sample (default ${TRAIN_DEFAULTS.seed})`);
    expect(help).toContain(`random erasing, default ${RANDOM_ERASING_DEFAULTS.probability})`);
    expect(help).toContain(`${SCHEDULE_DEFAULTS.oneCycleWarmupFraction * 100}% rising`);
    expect(help).toContain(`(default ${SCHEDULE_DEFAULTS.warmupEpochs}; one-cycle`);
    expect(help).toContain(`from 0 to 1 (default ${TRAIN_DEFAULTS.labelSmoothing})`);
    expect(help).toContain(`weight_decay; default ${TRAIN_DEFAULTS.weightDecay})`);
    for (const section of ['Options for train:', 'Options for train and evaluate:', 'Options for every command:']) expect(help).toContain(`\n${section}\n`);
  });
});

describe("the CLI's error lines", () => {
  it('speak of flags, with the value as typed', () => {
    expect(messageOf(new InvalidArgumentError('a positive integer', { argument: '--epochs', received: '-1' }))).toBe('error: --epochs must be a positive integer, but got "-1".\nRun with --help for usage.\n');
    expect(messageOf(new InvalidArgumentError('"auto" or an integer from 1 to 64', { argument: 'options.threads', received: 65 }))).toBe(
      'error: --threads must be "auto" or an integer from 1 to 64, but got "65".\nRun with --help for usage.\n',
    );
    expect(messageOf(new UsageError('No model here.', { hint: false }))).toBe('error: No model here.\n');
    expect(messageOf(new TypeError('a bug'))).toMatch(/^error: TypeError: a bug\n {4}at /);
  });
});

describe('interruptions', () => {
  const argv = ['train', '--epochs', '5', '--out', 'my runs'];
  const run = (state: Partial<TrainRun>): TrainRun => ({ epochs: 5, checkpointDir: 'my runs/checkpoint', kept: 0, resumable: false, ...state });

  it('say where the run stopped, what was kept and the command that goes on', () => {
    const script = process.argv[1];
    process.argv[1] = '/usr/local/bin/tfjs-fashion-mnist';
    try {
      expect(interruptedTrainingLine(run({ epoch: 2, kept: 2 }), argv)).toBe(
        "Interrupted in epoch 3/5: my runs/checkpoint keeps epochs 1-2 of 5. Resume with: tfjs-fashion-mnist train --epochs 5 --out 'my runs' --resume",
      );
      expect(interruptedTrainingLine(run({ epoch: 1, kept: 1 }), [...argv, '--resume'])).toBe(
        "Interrupted in epoch 2/5: my runs/checkpoint keeps epoch 1 of 5. Resume with: tfjs-fashion-mnist train --epochs 5 --out 'my runs' --resume",
      );
      expect(interruptedTrainingLine(run({ epoch: 0 }), argv)).toBe(
        "Interrupted in epoch 1/5: no epoch had finished, so nothing was kept (a checkpoint is written after each epoch). Start again with: tfjs-fashion-mnist train --epochs 5 --out 'my runs'",
      );
      expect(interruptedTrainingLine(run({ resumable: true }), [...argv, '--resume'])).toBe(
        "Interrupted before training started: my runs/checkpoint is unchanged. Resume with: tfjs-fashion-mnist train --epochs 5 --out 'my runs' --resume",
      );
      expect(interruptedTrainingLine(run({ epoch: 4, kept: 5, trained: true }), argv)).toMatch(/^Interrupted after training, while writing the results: my runs\/checkpoint keeps epochs 1-5 of 5\. /);
    } finally {
      process.argv[1] = script!;
    }
  });

  it('name the program as the user ran it', () => {
    expect(commandLine(['predict', "it's.png"], '/home/me/project/node_modules/tfjs-fashion-mnist/dist/cli.js')).toBe("npx tfjs-fashion-mnist predict 'it'\\''s.png'");
    expect(commandLine(['train'], `${process.cwd()}/src/cli.ts`)).toBe('node --import tsx src/cli.ts train');
    expect(commandLine(['train'], '/elsewhere/cli.js')).toBe('node /elsewhere/cli.js train');
  });

  it('let a checkpoint being written finish, print one line, and stop at once on a second signal', async () => {
    const listeners = new Map<string, () => void>();
    const events: string[] = [];
    const host: InterruptHost = {
      on: (signal, listener) => listeners.set(signal, listener),
      exit: (code) => events.push(`exit ${code}`),
      printLine: (line) => events.push(line),
      endLine: () => events.push('end line'),
    };
    const { setHandling } = handleInterrupts(host);
    let finishSave!: () => void;
    const saving = new Promise<void>((resolve) => (finishSave = resolve));
    setHandling({ pending: () => saving, message: () => 'the line' });
    listeners.get('SIGINT')!();
    await Promise.resolve();
    expect(events).toEqual([]);
    listeners.get('SIGINT')!();
    expect(events).toEqual(['end line', 'the line', 'exit 130']);
    finishSave();
    await saving;
    await Promise.resolve();
    // The save's end finds the line printed: it does not print it again.
    expect(events).toEqual(['end line', 'the line', 'exit 130', 'end line', 'exit 130']);
  });

  it('exit with 128 + the signal number once the save is done', async () => {
    const listeners = new Map<string, () => void>();
    const events: string[] = [];
    const { setHandling } = handleInterrupts({ on: (s, l) => listeners.set(s, l), exit: (c) => events.push(`exit ${c}`), printLine: (l) => events.push(l), endLine: () => {} });
    setHandling({ pending: () => Promise.resolve(), message: () => 'kept' });
    listeners.get('SIGTERM')!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['kept', 'exit 143']);
    expect([...listeners.keys()].sort()).toEqual(['SIGHUP', 'SIGINT', 'SIGTERM']);
  });
});
