// The command line's flags, the commands each applies to, and the help text built from them. The
// defaults in the help are the library's own values, read from the modules that apply them.
import { RANDOM_ERASING_DEFAULTS } from '../training/augment.js';
import { SCHEDULE_DEFAULTS } from '../training/schedules.js';
import { KERAS_SGD_DEFAULTS } from '../training/sgd.js';
import { TRAIN_DEFAULTS } from '../training/train-options.js';

export const COMMANDS = ['train', 'evaluate', 'predict'] as const;
export type Command = (typeof COMMANDS)[number];

/** Where train and evaluate write when --out is not given: the CLI's own default. */
export const DEFAULT_OUT = 'output';

/** One flag: `--name <value>`, or a switch when there is no `value` placeholder. */
export interface CliOption {
  readonly name: string;
  readonly short?: string;
  /** The value's placeholder in the help (`<n>`); absent for a switch. */
  readonly value?: string;
  /** The commands it applies to; absent for the global ones (--help, --version). */
  readonly commands?: readonly Command[];
  /** The help text, one entry per line. */
  readonly help: readonly string[];
}

const TRAIN: readonly Command[] = ['train'];
const TRAIN_EVALUATE: readonly Command[] = ['train', 'evaluate'];
const ALL: readonly Command[] = COMMANDS;

const { oneCycleWarmupFraction, everyEpochs, factor } = SCHEDULE_DEFAULTS;

export const OPTIONS = [
  {
    name: 'recipe',
    value: '<name>',
    commands: TRAIN,
    help: [
      'Start from a recipe of docs/results.md, then apply the other flags: tutorial',
      '(the default settings, 93.17%), best (cosine schedule, flips, weight decay:',
      '94.27%, the pretrained model) or fast (5 epochs: 92.89%)',
    ],
  },
  { name: 'epochs', value: '<n>', commands: TRAIN, help: [`Epochs (default ${TRAIN_DEFAULTS.epochs})`] },
  { name: 'batch-size', value: '<n>', commands: TRAIN, help: [`Images per step (default ${TRAIN_DEFAULTS.batchSize})`] },
  { name: 'lr', value: '<x>', commands: TRAIN, help: [`Initial learning rate; decay is lr / epochs (default ${KERAS_SGD_DEFAULTS.learningRate})`] },
  {
    name: 'resume',
    commands: TRAIN,
    help: ['Continue from <out>/checkpoint (written after each epoch) if it exists;', 'with it, pass the same --recipe, --augment, --schedule and --warmup again'],
  },
  {
    name: 'augment',
    value: '<list>',
    commands: TRAIN,
    help: [
      'Augment training images (default: none): translate=<pixels> (random shift,',
      'zero padding), flip (horizontal, half the images), erase[=<probability>]',
      `(random erasing, default ${RANDOM_ERASING_DEFAULTS.probability}); e.g. --augment translate=2,flip,erase`,
    ],
  },
  {
    name: 'schedule',
    value: '<name>',
    commands: TRAIN,
    help: [
      'Learning-rate schedule per batch: keras (lr / (1 + lr / epochs * step), the',
      `default), cosine, one-cycle (peak lr, ${oneCycleWarmupFraction * 100}% rising) or step (the rate`,
      `times ${factor} every ${everyEpochs} epochs)`,
    ],
  },
  { name: 'warmup', value: '<epochs>', commands: TRAIN, help: [`Linear warm-up over this many epochs (default ${SCHEDULE_DEFAULTS.warmupEpochs}; one-cycle: its rising phase)`] },
  { name: 'label-smoothing', value: '<x>', commands: TRAIN, help: [`Smooth the one-hot training targets by x, from 0 to 1 (default ${TRAIN_DEFAULTS.labelSmoothing})`] },
  {
    name: 'weight-decay',
    value: '<x>',
    commands: TRAIN,
    help: ['L2 weight decay of weight matrices and kernels, added to their gradients', `as x·w (PyTorch's SGD weight_decay; default ${TRAIN_DEFAULTS.weightDecay})`],
  },
  { name: 'seed', value: '<n>', commands: TRAIN_EVALUATE, help: ['Seed of everything random in training (weights, data order, augmentation,', `dropout) and of the montage's sample (default ${TRAIN_DEFAULTS.seed})`] },
  { name: 'limit', value: '<n>', commands: TRAIN_EVALUATE, help: ['Use only the first n training and n test images (quick runs)'] },
  { name: 'data-dir', value: '<dir>', commands: TRAIN_EVALUATE, help: ['Folder with the four Fashion-MNIST files (default: search the usual', 'places, then download)'] },
  { name: 'out', value: '<dir>', commands: TRAIN_EVALUATE, help: [`Output folder (default: ${DEFAULT_OUT})`] },
  {
    name: 'test-time-flip',
    commands: ALL,
    help: ["Average each picture's probabilities with its mirror image's (flip", 'test-time augmentation; for models trained with --augment flip)'],
  },
  {
    name: 'backend',
    value: '<name>',
    commands: ALL,
    help: [
      'cpu | wasm | tensorflow (tfjs-node, when installed). Default: tensorflow',
      "when @tensorflow/tfjs-node is installed, else wasm with this library's",
      'training kernels on all cores',
    ],
  },
  { name: 'threads', value: '<n>', commands: ALL, help: ['Threads for the wasm backend (default: all cores)'] },
  { name: 'help', short: 'h', help: ['Show this help'] },
  { name: 'version', short: 'v', help: ['Show the version'] },
] as const satisfies readonly CliOption[];

type Option = (typeof OPTIONS)[number];
/** Flags that take a value. */
export type ValueFlag = Extract<Option, { value: string }>['name'];
/** Switches. */
export type SwitchFlag = Exclude<Option['name'], ValueFlag>;
/** The flags given, as typed: a string per value flag, `true` per switch. */
export type Flags = { [K in ValueFlag]?: string } & { [K in SwitchFlag]?: true };

const COLUMN = 28;

function optionLines(option: CliOption): string[] {
  const flag = `${option.short ? `-${option.short}, ` : ''}--${option.name}${option.value ? ` ${option.value}` : ''}`;
  const [first = '', ...rest] = option.help;
  return [`  ${flag.padEnd(COLUMN - 3)} ${first}`, ...rest.map((line) => `${' '.repeat(COLUMN)}${line}`)];
}

function listOf(commands: readonly Command[]): string {
  if (commands.length === COMMANDS.length) return 'every command';
  return commands.length === 1 ? commands[0]! : `${commands.slice(0, -1).join(', ')} and ${commands.at(-1)!}`;
}

/** The text of --help. */
export function helpText(): string {
  const lines = [
    'Usage: tfjs-fashion-mnist <command> [options]',
    '',
    'Commands:',
    '  train                     Train MiniVGGNet on Fashion-MNIST as the Keras tutorial does (default)',
    '  evaluate [<model-dir>]    Report, confusion matrix and montage for a saved model, or for the',
    '                            pretrained model shipped with the package when no folder is given',
    '  predict [<model-dir>] <picture or folder...>',
    '                            Classify your own PNG or JPEG pictures, or every .png, .jpg and .jpeg',
    '                            of a folder (grayscale, 28x28, inverted when the background is light,',
    '                            as the tutorial describes) with the pretrained model, or with a saved',
    '                            model when the first argument is its folder (one holding model.json)',
  ];
  const groups = new Map<string, CliOption[]>();
  for (const option of OPTIONS as readonly CliOption[]) {
    const key = option.commands ? listOf(option.commands) : 'every command';
    groups.set(key, [...(groups.get(key) ?? []), option]);
  }
  for (const [commands, options] of groups) lines.push('', `Options for ${commands}:`, ...options.flatMap(optionLines));
  lines.push(
    '',
    'Ctrl-C during train keeps the checkpoint of the last finished epoch and prints the command that',
    'resumes from it (the same command with --resume).',
  );
  return `${lines.join('\n')}\n`;
}

/** The option of a long name, or undefined. */
export function optionNamed(name: string): CliOption | undefined {
  return (OPTIONS as readonly CliOption[]).find((option) => option.name === name);
}

/** The option of a short name (`h`), or undefined. */
export function optionWithShort(short: string): CliOption | undefined {
  return (OPTIONS as readonly CliOption[]).find((option) => option.short === short);
}
