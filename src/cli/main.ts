// The program: parse the command line, run the command, answer errors and interruptions.
import { readFileSync } from 'node:fs';
import { parseArgs } from './args.js';
import { report } from './errors.js';
import { evaluate } from './evaluate.js';
import { handleInterrupts } from './interrupt.js';
import { helpText } from './options.js';
import { endLine } from './output.js';
import { predict } from './predict.js';
import { train, type CommandContext } from './train.js';

/** Runs the command `argv` asks for and exits with its code; `packageJson` gives --version. */
export function runCli(argv: readonly string[], packageJson: URL): void {
  const interrupts = handleInterrupts();
  // The program ends by process.exit with the command's code, never because the event loop ran
  // empty: a promise with nothing behind it in the loop (the threaded wasm build's start can be
  // one) would otherwise end it with code 0 and no word.
  setInterval(() => {}, 1 << 30);
  main(argv, packageJson, interrupts.setHandling).then(
    (code) => process.exit(code),
    (error: unknown) => {
      endLine();
      process.exit(report(error));
    },
  );
}

async function main(argv: readonly string[], packageJson: URL, setInterruptHandling: CommandContext['setInterruptHandling']): Promise<number> {
  const { command, flags, positionals } = parseArgs(argv);
  if (flags.help) {
    process.stdout.write(helpText());
    return 0;
  }
  if (flags.version) {
    process.stdout.write(`${(JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version}\n`);
    return 0;
  }
  if (command === 'evaluate') return evaluate(flags, positionals);
  if (command === 'predict') return predict(flags, positionals);
  return train(flags, positionals, { argv, setInterruptHandling });
}
