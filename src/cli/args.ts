// The command line parsed into a command, its flags and its arguments, with one-line messages for
// mistakes: an unknown flag names the nearest known one, a flag of another command says whose it is,
// and a negative number is a value (`--epochs -1`), not a flag.
import { COMMANDS, OPTIONS, optionNamed, optionWithShort, type CliOption, type Command, type Flags } from './options.js';
import { UsageError } from './errors.js';

/** What the command line asks for. */
export interface ParsedArgs {
  command: Command;
  flags: Flags;
  /** The arguments after the command. */
  positionals: string[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Names users reach for that are far from ours by spelling (Keras' name of --lr). */
const ALIASES: Readonly<Record<string, string>> = { 'learning-rate': 'lr', learningrate: 'lr', learning_rate: 'lr' };

/**
 * Parses `argv` (without node and the script). `--name value`, `--name=value` and `-h`/`-v`;
 * everything after `--` is an argument. The command is the first argument (train when there is none).
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const [spelled, inline] = splitInline(arg);
    const option = arg.startsWith('--') ? optionNamed(spelled.slice(2)) : optionWithShort(spelled.slice(1));
    if (!option) throw unknownOption(spelled);
    const name = `--${option.name}`;
    if (!option.value) {
      if (inline !== undefined) throw new UsageError(`${name} takes no value, but got "${inline}".`);
      flags[option.name] = true;
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (inline === undefined) i++;
    if (value === undefined || (inline === undefined && value.startsWith('-') && value !== '-' && !NUMBER.test(value))) {
      throw new UsageError(`${name} needs a value: ${name} ${option.value}${value === undefined ? '' : ` (got the flag ${value}; write ${name}=${value} for a value that starts with a dash)`}.`);
    }
    flags[option.name] = value;
  }
  const [first, ...rest] = positionals;
  // --help and --version answer whatever else the line holds.
  if (flags['help'] || flags['version']) return { command: 'train', flags: flags as Flags, positionals: rest };
  const command = first === undefined ? 'train' : commandNamed(first);
  checkApplicable(flags, command);
  return { command, flags: flags as Flags, positionals: first === undefined ? [] : rest };
}

function splitInline(arg: string): [string, string | undefined] {
  const at = arg.indexOf('=');
  return at < 0 ? [arg, undefined] : [arg.slice(0, at), arg.slice(at + 1)];
}

function commandNamed(name: string): Command {
  if ((COMMANDS as readonly string[]).includes(name)) return name as Command;
  const near = nearest(name, COMMANDS);
  throw new UsageError(`Unknown command "${name}".${near ? ` Did you mean ${near}?` : ''} Commands: ${COMMANDS.join(', ')}.`, { hint: !near });
}

/** A flag of another command is refused rather than ignored: the user expects it to do something. */
function checkApplicable(flags: Record<string, unknown>, command: Command): void {
  for (const name of Object.keys(flags)) {
    const commands = optionNamed(name)?.commands;
    if (commands && !commands.includes(command)) {
      throw new UsageError(`--${name} is an option of ${commands.join(' and ')}, not of ${command}.`);
    }
  }
}

function unknownOption(spelled: string): UsageError {
  const long = spelled.startsWith('--');
  const near = long ? (ALIASES[spelled.slice(2).toLowerCase()] ?? nearest(spelled.slice(2), (OPTIONS as readonly CliOption[]).map((o) => o.name))) : undefined;
  if (near) return new UsageError(`Unknown option ${spelled}. Did you mean --${near}?`, { hint: false });
  return new UsageError(`Unknown option ${spelled}.`);
}

/**
 * The known name closest to `typed`: one that starts with it or that it starts with (`--batch`,
 * `--output`), else one within a third of its length in edits (`--epoch`, `--bacth-size`).
 */
export function nearest(typed: string, names: readonly string[]): string | undefined {
  const word = typed.toLowerCase();
  if (word.length < 2) return undefined;
  const byPrefix = names.filter((name) => name.startsWith(word) || word.startsWith(name));
  if (byPrefix.length === 1) return byPrefix[0];
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const name of names) {
    const d = editDistance(word, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
