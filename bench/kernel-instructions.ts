// Instruction counts of the library's SIMD kernels as V8 compiles them, a measure that does not
// depend on what else the machine is running (unlike a timing):
//   executed  valgrind's callgrind counts the instructions a node process executes; the kernel's
//             cost per call is the difference between a run with 1 + R calls and one with 1 call,
//             over R (the first call, start-up and compilation cancel out).
//   --code    V8's --print-wasm-code: each function's machine instructions, its vector stack
//             references (spills and reloads of xmm registers), and the same for each innermost loop.
// TurboFan's code is measured (--no-liftoff: no baseline tier). Needs valgrind for the counts.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { simdKernelBytes, type SimdKernelBuild } from '../src/wasm/simd/module.js';
import { KERNEL_CALLS } from './kernel-calls.js';
import { exitOnHelp } from './usage.js';

exitOnHelp(`
npx tsx bench/kernel-instructions.ts [options]
  Instructions per call of each SIMD kernel at MiniVGGNet's batch-32 shapes, counted by callgrind.
  --node <path>      node binary to measure (repeatable; default: this one)
  --build <name>     simd128 or relaxed (repeatable; default both)
  --kernel <text>    only kernels whose name contains it (repeatable)
  --calls <n>        R, the calls counted beyond the first (default 2)
  --code             instead: instructions and vector stack references of V8's compiled code per function
`);
const { values } = parseArgs({
  options: {
    node: { type: 'string', multiple: true },
    build: { type: 'string', multiple: true },
    kernel: { type: 'string', multiple: true },
    calls: { type: 'string', default: '2' },
    code: { type: 'boolean', default: false },
  },
});
const nodes = values.node ?? [process.execPath];
const builds = (values.build ?? ['simd128', 'relaxed']) as SimdKernelBuild[];
const kernels = Object.keys(KERNEL_CALLS).filter((name) => !values.kernel || values.kernel.some((part) => name.includes(part)));
const extra = Number(values.calls);

const dir = mkdtempSync(join(tmpdir(), 'kernel-instructions-'));
const script = join(dir, 'kernel-calls.mjs');
await build({ entryPoints: [new URL('./kernel-calls.ts', import.meta.url).pathname], bundle: true, platform: 'node', format: 'esm', outfile: script, logLevel: 'error' });

const v8 = (node: string) => (execFileSync(node, ['--version']).toString().startsWith('v20') ? ['--no-liftoff', '--experimental-wasm-relaxed-simd'] : ['--no-liftoff']);

/** Instructions callgrind counts for `calls` calls of `kernel`. */
function executed(node: string, kernel: string, buildName: string, calls: number): number {
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', node, ...v8(node), script, '--kernel', kernel, '--calls', String(calls), '--build', buildName];
  const run = spawnSync('valgrind', args, { encoding: 'utf8' });
  const collected = /Collected : (\d+)/.exec(run.stderr);
  if (run.status !== 0 || !collected) throw new Error(`valgrind ${args.join(' ')} failed:\n${run.stderr.slice(-2000)}`);
  return Number(collected[1]);
}

interface CodeStats {
  instructions: number;
  stack: number;
  loops: Array<{ instructions: number; stack: number }>;
}

/** The export names of a wasm module's functions by index (the build strips the name section). */
function exportNames(bytes: Uint8Array): Map<number, string> {
  let at = 8;
  const leb = () => {
    let [value, shift] = [0, 0];
    for (;;) {
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return value;
    }
  };
  const names = new Map<number, string>();
  while (at < bytes.length) {
    const [id, size] = [bytes[at++]!, leb()];
    const end = at + size;
    if (id === 7) {
      for (let count = leb(); count > 0; count--) {
        const length = leb();
        const name = new TextDecoder().decode(bytes.subarray(at, at + length));
        at += length;
        const kind = bytes[at++]!;
        const index = leb();
        if (kind === 0) names.set(index, name);
      }
    }
    at = end;
  }
  return names;
}

/** Per wasm function of the kernels, from --print-wasm-code: instructions, xmm stack references, innermost loops. */
function compiledCode(node: string, buildName: SimdKernelBuild): Map<string, CodeStats> {
  const names = exportNames(simdKernelBytes(buildName, false));
  // Functions compile when first called (--no-wasm-lazy-compilation left Node 24's compile unsettled).
  const args = [...v8(node), '--print-wasm-code', script, '--kernel', 'all', '--calls', '1', '--build', buildName];
  const output = execFileSync(node, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const functions = new Map<string, CodeStats>();
  for (const block of output.split('--- WebAssembly code ---').slice(1)) {
    const index = /^index: (\d+)$/m.exec(block)?.[1];
    const name = names.get(Number(index)) ?? `function ${index}`;
    if (!/^compiler: TurboFan/m.test(block)) continue;
    const lines = [...block.matchAll(/^0x[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+(.*)$/gm)].map((m) => ({ offset: parseInt(m[1]!, 16), text: m[2]! }));
    const isStack = (text: string) => /xmm/.test(text) && /\[(rbp|rsp)/.test(text);
    const jumps = lines.flatMap((line, i) => {
      const target = /^j\w+\s+0x[0-9a-f]+\s+<\+0x([0-9a-f]+)>/.exec(line.text);
      const to = target ? lines.findIndex((l) => l.offset === parseInt(target[1]!, 16)) : -1;
      return to >= 0 && to <= i ? [{ from: to, to: i }] : [];
    });
    const innermost = jumps.filter((a) => !jumps.some((b) => b !== a && b.from >= a.from && b.to <= a.to));
    functions.set(name, {
      instructions: lines.length,
      stack: lines.filter((l) => isStack(l.text)).length,
      loops: innermost.map(({ from, to }) => ({ instructions: to - from + 1, stack: lines.slice(from, to + 1).filter((l) => isStack(l.text)).length })),
    });
  }
  return functions;
}

try {
  for (const node of nodes) {
    const version = execFileSync(node, ['--version']).toString().trim();
    for (const buildName of builds) {
      if (values.code) {
        console.log(`\nnode ${version}, ${buildName}: function: instructions (xmm stack refs); innermost loops`);
        for (const [name, s] of compiledCode(node, buildName)) {
          const loops = s.loops.map((l) => `${l.instructions}${l.stack ? `(${l.stack})` : ''}`).join(' ');
          console.log(`${name.padEnd(34)} ${String(s.instructions).padStart(6)} (${s.stack})  loops: ${loops}`);
        }
        continue;
      }
      for (const kernel of kernels) {
        const perCall = (executed(node, kernel, buildName, 1 + extra) - executed(node, kernel, buildName, 1)) / extra;
        console.log(`node ${version}  ${buildName.padEnd(8)} ${kernel.padEnd(44)} ${(perCall / 1e6).toFixed(2).padStart(8)} M instructions per call`);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
