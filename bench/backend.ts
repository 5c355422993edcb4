// One benchmark configuration in its own process (a backend can only be set up once per process):
// MiniVGGNet training and inference throughput. Prints one JSON line. Run by bench/run.ts.
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { useWasmBackend } from '../src/wasm/node.js';
import { fitThroughput, inferThroughput, trainThroughput } from './throughput.js';
import { exitOnHelp } from './usage.js';

exitOnHelp(`
npx tsx bench/backend.ts --config <config> [options]
  One configuration of npm run bench; prints one JSON line.
  --config <c>            cpu | wasm-stock | wasm-kernels-<threads> | tfjs-node
  --train-batches <list>  training batch sizes (default 32,128)
  --train-steps <n>       timed steps at batch 32 and below (default 20)
  --infer-batch <n>       inference batch (default 128)
  --xnnpack-only          with wasm-kernels-*: the library's training kernels, none of its SIMD kernels
`);

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    'train-batches': { type: 'string', default: '32,128' },
    'train-steps': { type: 'string', default: '20' },
    'infer-batch': { type: 'string', default: '128' },
    // Keep every kernel on XNNPACK (useWasmBackend's simdKernels: false), to measure what ours gain.
    'xnnpack-only': { type: 'boolean', default: false },
  },
});

async function setup(config: string): Promise<string> {
  if (config === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
  } else if (config === 'wasm-stock') {
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
  } else if (config.startsWith('wasm-kernels-')) {
    await import('@tensorflow/tfjs-backend-wasm');
    const threads = Number(config.slice('wasm-kernels-'.length));
    const info = await useWasmBackend({ threads, simdKernels: !values['xnnpack-only'] });
    return `${info.threads} thread(s)${info.simdKernelThreads ? `, SIMD kernels on ${info.simdKernelThreads}` : ', XNNPACK only'}`;
  } else if (config === 'tfjs-node') {
    await import('@tensorflow/tfjs-node' as string);
    await tf.setBackend('tensorflow');
  } else {
    throw new Error(`unknown config ${config}`);
  }
  return '1 thread';
}

if (values.config === undefined) throw new Error('--config is required (see --help)');
const config = values.config;
const threads = await setup(config);
const slow = config === 'cpu';
const train: Record<string, unknown> = {};
for (const batch of values['train-batches']!.split(',').map(Number)) {
  // The cpu backend needs minutes per step: one timed step after none for warm-up is all it gets.
  train[batch] = slow ? (batch > 32 ? { skipped: 'about 13 minutes per step' } : await trainThroughput(batch, 1, 0)) : await trainThroughput(batch, batch > 32 ? 5 : Number(values['train-steps']), batch > 32 ? 1 : 3);
}
// The library's training loop at the tutorial's batch, where the training kernels make it practical.
const fit = config.startsWith('wasm-kernels-') ? await fitThroughput(32, Number(values['train-steps']), 3) : undefined;
const inferBatch = Number(values['infer-batch']);
const infer = await inferThroughput(slow ? 32 : inferBatch, slow ? 2 : 5);
console.log(JSON.stringify({ config, backend: tf.getBackend(), threads, train, ...(fit ? { fit } : {}), infer: { batch: slow ? 32 : inferBatch, ...infer } }));
process.exit(0);
