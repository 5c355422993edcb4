// Instruction counts of the library's SIMD kernels as V8 compiles them, a measure that does not
// depend on what else the machine is running (unlike a timing):
//   executed  valgrind's callgrind counts every instruction a node process executes, one count per
//             instruction address (--dump-instr=yes); V8's --print-wasm-code in the same process
//             gives the addresses of the kernels' compiled functions, so the instructions executed
//             in them are the kernel's, without start-up, compilation or the JavaScript around it.
//             One call per run (the kernels' work does not depend on the values).
//   --code    V8's --print-wasm-code: each function's machine instructions, its vector stack
//             references (spills and reloads of xmm registers), and the same for each innermost loop.
// TurboFan's code is measured (--no-liftoff: no baseline tier). Needs valgrind for the counts.
// --module measures another build of the kernels, e.g. an older commit's generated module.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
  --code             instead: instructions and vector stack references of V8's compiled code per function
  --module <file>    the SIMD128 kernels from this file instead of src/wasm/simd-kernels-wasm.ts
`);
const { values } = parseArgs({
  options: {
    node: { type: 'string', multiple: true },
    build: { type: 'string', multiple: true },
    kernel: { type: 'string', multiple: true },
    code: { type: 'boolean', default: false },
    module: { type: 'string' },
  },
});
const nodes = values.node ?? [process.execPath];
const builds = (values.build ?? ['simd128', 'relaxed']) as SimdKernelBuild[];
const kernels = Object.keys(KERNEL_CALLS).filter((name) => !values.kernel || values.kernel.some((part) => name.includes(part)));

const dir = mkdtempSync(join(tmpdir(), 'kernel-instructions-'));
const script = join(dir, 'kernel-calls.mjs');
const replaceModule = values.module && resolve(values.module);
await build({
  entryPoints: [new URL('./kernel-calls.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: script,
  logLevel: 'error',
  plugins: replaceModule ? [{ name: 'module', setup: (b) => b.onResolve({ filter: /\/simd-kernels-wasm\.js$/ }, () => ({ path: replaceModule })) }] : [],
});

const v8 = (node: string) => (execFileSync(node, ['--version']).toString().startsWith('v20') ? ['--no-liftoff', '--experimental-wasm-relaxed-simd'] : ['--no-liftoff']);

/** Address ranges of the TurboFan-compiled wasm functions in --print-wasm-code output. */
function wasmFunctions(code: string): Array<{ index: number; addresses: number[] }> {
  return code.split('--- WebAssembly code ---').slice(1).flatMap((block) => {
    const index = /^index: (\d+)$/m.exec(block)?.[1];
    if (index === undefined || !/^compiler: TurboFan/m.test(block)) return [];
    return [{ index: Number(index), addresses: [...block.matchAll(/^(0x[0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s/gm)].map((m) => parseInt(m[1]!, 16)) }];
  });
}

/** Executions per instruction address in a callgrind file written with --dump-instr=yes (positions: instr line). */
function instructionCounts(file: string): Map<number, number> {
  const counts = new Map<number, number>();
  let address = 0;
  let callCost = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('calls=')) {
      callCost = true; // the next cost line is the call's inclusive cost
      continue;
    }
    const m = /^(0x[0-9a-f]+|[+-]\d+|\*)\s+(?:[-+*]?\d*\s+)?(\d+)\s*$/.exec(line);
    if (!m) continue;
    const position = m[1]!;
    if (position.startsWith('0x')) address = parseInt(position, 16);
    else if (position !== '*') address += Number(position);
    if (callCost) callCost = false;
    else counts.set(address, (counts.get(address) ?? 0) + Number(m[2]));
  }
  return counts;
}

/** Instructions executed in the kernels' wasm code during one call of `kernel`, in total and per function index. */
function executed(node: string, kernel: string, buildName: string): { total: number; functions: Map<number, number> } {
  const out = join(dir, 'callgrind.out');
  const args = ['--tool=callgrind', '--dump-instr=yes', `--callgrind-out-file=${out}`, node, ...v8(node), '--print-wasm-code', script, '--kernel', kernel, '--calls', '1', '--build', buildName];
  const run = spawnSync('valgrind', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(`valgrind ${args.join(' ')} failed:\n${run.stderr.slice(-2000)}`);
  const counts = instructionCounts(out);
  const functions = new Map<number, number>();
  for (const { index, addresses } of wasmFunctions(run.stdout)) {
    const sum = addresses.reduce((total, address) => total + (counts.get(address) ?? 0), 0);
    functions.set(index, (functions.get(index) ?? 0) + sum);
  }
  return { total: [...functions.values()].reduce((a, b) => a + b, 0), functions };
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
      const names = exportNames(simdKernelBytes(buildName, false));
      for (const kernel of kernels) {
        const { total, functions } = executed(node, kernel, buildName);
        const parts = [...functions].filter(([, n]) => n > total / 100).map(([index, n]) => `${names.get(index) ?? `function ${index}`} ${(n / 1e6).toFixed(2)}`);
        console.log(`node ${version}  ${buildName.padEnd(8)} ${kernel.padEnd(44)} ${(total / 1e6).toFixed(2).padStart(8)} M instructions (${parts.join(', ')})`);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
