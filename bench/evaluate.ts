// Inference throughput on the 10,000 real test images, as users run it: evaluateModel over the test
// split and classifyImages on the same images as gray bytes, with the pretrained model on the wasm
// backend with the library's kernels. Prints one JSON line; bench/ratio.ts --inference runs it
// against bench/torch_reference.py --evaluate, which streams the same images the same way.
import '@tensorflow/tfjs-backend-wasm';
import { parseArgs } from 'node:util';
import { classifyImages, evaluateModel, loadFashionMnist, loadPretrainedModel } from '../src/node.js';
import { useWasmBackend } from '../src/wasm/node.js';
import { median } from './throughput.js';
import { exitOnHelp } from './usage.js';

exitOnHelp(`
npx tsx bench/evaluate.ts [options]
  Times evaluateModel and classifyImages on the 10,000 Fashion-MNIST test images with the pretrained
  model (apt-get install dataset-fashion-mnist); prints one JSON line of images per second.
  --threads <n>     threads of the wasm backend (default: all cores)
  --batches <list>  batch sizes (default 128,256)
  --repeats <n>     timed passes per measure, the median reported (default 3)
`);
const { values } = parseArgs({ options: { threads: { type: 'string' }, batches: { type: 'string', default: '128,256' }, repeats: { type: 'string', default: '3' } } });

const info = await useWasmBackend(values.threads === undefined ? {} : { threads: Number(values.threads) });
const { test } = await loadFashionMnist({ download: false });
const model = await loadPretrainedModel();
const pictures = Array.from({ length: test.count }, (_, i) => test.images.subarray(i * 784, (i + 1) * 784));

/** Images per second: the median of `repeats` timed runs of `pass` after one untimed one. */
async function throughput(pass: () => Promise<unknown>): Promise<number> {
  await pass();
  const times: number[] = [];
  for (let i = 0; i < Number(values.repeats); i++) {
    const start = performance.now();
    await pass();
    times.push(performance.now() - start);
  }
  return (test.count * 1000) / median(times);
}

const evaluate: Record<string, number> = {};
const classify: Record<string, number> = {};
for (const batchSize of values.batches.split(',').map(Number)) {
  evaluate[batchSize] = await throughput(() => evaluateModel(model, test, { batchSize }));
  classify[batchSize] = await throughput(() => classifyImages(model, pictures, { batchSize, invert: false }));
}
console.log(JSON.stringify({ config: `wasm-kernels-${info.threads}`, threads: info.threads, simdKernelThreads: info.simdKernelThreads, evaluate, classify }));
process.exit(0);
