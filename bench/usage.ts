/**
 * Prints `usage` and exits when the command line asks for help (`--help` or `-h`), before a tool
 * starts measuring: each tool's options, without running a benchmark.
 */
export function exitOnHelp(usage: string): void {
  if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
    console.log(usage.trim());
    process.exit(0);
  }
}
