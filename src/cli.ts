#!/usr/bin/env node
// The Keras tutorial "train MiniVGGNet on Fashion-MNIST" as a command-line program:
//   train     load the data, build MiniVGGNet, train with the tutorial's settings, and write the
//             report, plot.png, montage.png, history.json and the saved model into --out
//   evaluate  report, confusion matrix and montage for a saved model (default: the pretrained one)
//   predict   classify your own PNG or JPEG pictures (default model: the pretrained one)
import { constants } from 'node:fs';
import { access, mkdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { renderBar } from './training/progress.js';
import {
  buildMiniVGGNet,
  buildMontage,
  checkpointCallback,
  classifyImage,
  classificationReport,
  confusionMatrix,
  confusionMatrixSpec,
  evaluateModel,
  FashionMnistError,
  loadCheckpoint,
  ModelFileError,
  loadFashionMnist,
  loadModel,
  loadPretrainedModel,
  PRETRAINED_FILES,
  progressBar,
  readImage,
  saveChart,
  saveModel,
  savePng,
  subsetSplit,
  trainFashionMnist,
  trainingHistorySpec,
  type Checkpoint,
  type FashionMnist,
} from './node.js';
import { describeFsError } from './node/atomic.js';
import { useWasmBackend } from './wasm/node.js';
import { trainOptionsFromFlags } from './training/flags.js';

const HELP = `Usage: tfjs-fashion-mnist <command> [options]

Commands:
  train                     Train MiniVGGNet on Fashion-MNIST as the Keras tutorial does (default)
  evaluate [<model-dir>]    Report, confusion matrix and montage for a saved model, or for the
                            pretrained model shipped with the package when no folder is given
  predict [<model-dir>] <image...>
                            Classify your own PNG or JPEG pictures (grayscale, 28x28, inverted
                            when the background is light, as the tutorial describes) with the
                            pretrained model, or with a saved model when the first argument is its folder

Options for train:
  --epochs <n>              Epochs (default 25)
  --batch-size <n>          Images per step (default 32)
  --lr <x>                  Initial learning rate; decay is lr / epochs (default 0.01)
  --seed <n>                Seed for weight initialisation and data order (default 42)
  --limit <n>               Use only the first n training and n test images (quick runs)
  --resume                  Continue from <out>/checkpoint if it exists
  --augment <list>          Augment training images (default: none): translate=<pixels> (random shift,
                            zero padding), flip (horizontal, half the images), erase[=<probability>]
                            (random erasing, default 0.5); e.g. --augment translate=2,flip,erase
  --schedule <name>         Learning-rate schedule per batch: keras (lr / (1 + lr / epochs * step), the
                            default), cosine, one-cycle (peak lr, 30% rising) or step (halve every 10 epochs)
  --warmup <epochs>         Linear warm-up over this many epochs (default 0; one-cycle: its rising phase)
  --label-smoothing <x>     Smooth the one-hot training targets by x, from 0 to 1 (default 0)
  --weight-decay <x>        L2 weight decay of weight matrices and kernels, added to their gradients
                            as x·w (PyTorch's SGD weight_decay; default 0)
                            With --resume, pass the same --augment, --schedule and --warmup again.
Options for train, evaluate and predict:
  --test-time-flip          Average each picture's probabilities with its mirror image's (flip
                            test-time augmentation; for models trained with --augment flip)
Options for all commands:
  --backend <name>          cpu | wasm | tensorflow (tfjs-node, when installed). Default: tensorflow
                            when @tensorflow/tfjs-node is installed, else wasm with this library's
                            training kernels on all cores
  --threads <n>             Threads for the wasm backend (default: all cores)
  --data-dir <dir>          Directory with the four Fashion-MNIST files (default: search the usual
                            places, then download)
  --out <dir>               Output folder (default: output)
  -h, --help                Show this help
  -v, --version             Show the version
`;

const OPTIONS = {
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  seed: { type: 'string' },
  limit: { type: 'string' },
  resume: { type: 'boolean' },
  augment: { type: 'string' },
  schedule: { type: 'string' },
  warmup: { type: 'string' },
  'label-smoothing': { type: 'string' },
  'weight-decay': { type: 'string' },
  'test-time-flip': { type: 'boolean' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  'data-dir': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

function integerFlag(flags: Flags, name: keyof Flags, fallback: number, min = 1): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${name} must be an integer of at least ${min}, but got "${String(raw)}".`);
  return value;
}

function numberFlag(flags: Flags, name: keyof Flags, fallback: number): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number, but got "${String(raw)}".`);
  return value;
}

async function canImport(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

async function selectBackend(flags: Flags): Promise<string> {
  const requested = flags.backend ?? ((await canImport('@tensorflow/tfjs-node')) ? 'tensorflow' : 'wasm');
  const missing = (pkg: string) => new UsageError(`--backend ${requested} needs ${pkg}: npm install ${pkg}`);
  if (requested === 'tensorflow') {
    if (!(await canImport('@tensorflow/tfjs-node'))) throw missing('@tensorflow/tfjs-node');
    await tf.setBackend('tensorflow');
    return 'tensorflow (tfjs-node)';
  }
  if (requested === 'wasm') {
    if (!(await canImport('@tensorflow/tfjs-backend-wasm'))) throw missing('@tensorflow/tfjs-backend-wasm');
    const threads = flags.threads === undefined ? 'auto' : integerFlag(flags, 'threads', 1);
    const info = await useWasmBackend({ threads });
    const plural = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;
    return `wasm (${plural(info.threads)}, tfjs-fashion-mnist training kernels, SIMD kernels on ${plural(info.simdKernelThreads)})`;
  }
  if (requested === 'cpu') {
    if (!(await canImport('@tensorflow/tfjs-backend-cpu'))) throw missing('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    return 'cpu';
  }
  throw new UsageError(`--backend must be cpu, wasm or tensorflow, but got "${requested}".`);
}

async function loadData(flags: Flags, limit: number | undefined): Promise<FashionMnist> {
  let lastFile = '';
  const data = await loadFashionMnist({
    ...(flags['data-dir'] ? { dir: flags['data-dir'] } : {}),
    onProgress: ({ file, loaded, total }) => {
      if (file !== lastFile) process.stdout.write(`\n[INFO] downloading ${file}.gz\n`);
      lastFile = file;
      const bar = total ? `${renderBar(loaded, total)} ${Math.floor((100 * loaded) / total)}% ` : '';
      process.stdout.write(`\r  ${bar}${(loaded / 1e6).toFixed(1)} MB`);
    },
  });
  if (lastFile) process.stdout.write('\n');
  console.log(`[INFO] loaded Fashion-MNIST from ${data.source.location} (${data.source.kind}), checksums verified`);
  if (limit === undefined) return data;
  return { ...data, train: subsetSplit(data.train, Math.min(limit, data.train.count)), test: subsetSplit(data.test, Math.min(limit, data.test.count)) };
}

/** The report, confusion matrix and captioned montage of a model on the test split. */
async function writeEvaluation(model: LayersModel, data: FashionMnist, out: string, seed: number, testTimeFlip: boolean): Promise<void> {
  console.log(`[INFO] evaluating network${testTimeFlip ? ' with flip test-time augmentation' : ''}...`);
  const evaluation = await evaluateModel(model, data.test, { testTimeFlip });
  const names = [...data.labelNames];
  const labels = Array.from({ length: 10 }, (_, i) => i);
  const report = classificationReport(data.test.labels, evaluation.predictions, { labels, targetNames: names, zeroDivision: 0 });
  console.log(report);
  await writeFile(join(out, 'report.txt'), report);
  await saveChart(confusionMatrixSpec(confusionMatrix(data.test.labels, evaluation.predictions, { labels }), names), join(out, 'confusion.png'));

  const sample = Math.min(16, data.test.count);
  const picked = subsetSplit(data.test, { count: sample, seed });
  const pickedPredictions = (await evaluateModel(model, picked, { testTimeFlip })).predictions;
  const captions = Array.from(pickedPredictions, (p) => names[p]!);
  const colors = Array.from(pickedPredictions, (p, i) => (p === picked.labels[i] ? '#00ff00' : '#ff0000'));
  const [montage] = await buildMontage(picked, [96, 96], [4, 4], { captions, captionColors: colors });
  await savePng(montage!, join(out, 'montage.png'));
  console.log(`[INFO] test accuracy ${(evaluation.accuracy * 100).toFixed(2)}%; wrote report.txt, confusion.png and montage.png to ${out}`);
}

async function train(flags: Flags): Promise<void> {
  const out = flags.out ?? 'output';
  const epochs = integerFlag(flags, 'epochs', 25);
  const batchSize = integerFlag(flags, 'batch-size', 32);
  const learningRate = numberFlag(flags, 'lr', 0.01);
  const seed = integerFlag(flags, 'seed', 42, 0);
  const limit = flags.limit === undefined ? undefined : integerFlag(flags, 'limit', 1);
  const trainingOptions = trainOptionsFromFlags(flags);
  await prepareOutputFolder(out);
  console.log(`[INFO] backend: ${await selectBackend(flags)}`);
  console.log('[INFO] loading Fashion-MNIST...');
  const data = await loadData(flags, limit);

  const checkpointDir = join(out, 'checkpoint');
  let model: LayersModel;
  let resume = { initialEpoch: 0, history: undefined as undefined | Awaited<ReturnType<typeof loadCheckpoint>>['history'] };
  const checkpoint = flags.resume ? await findCheckpoint(checkpointDir) : undefined;
  if (checkpoint) {
    model = checkpoint.model;
    resume = { initialEpoch: checkpoint.initialEpoch, history: checkpoint.history };
    console.log(`[INFO] resuming from ${checkpointDir} after epoch ${checkpoint.initialEpoch}`);
  } else {
    model = buildMiniVGGNet({ seed });
  }
  const recipe = [
    trainingOptions.learningRateSchedule ? `schedule ${trainingOptions.learningRateSchedule.name}` : 'Keras time decay',
    ...(flags.augment ? [`augment ${flags.augment}`] : []),
    ...(trainingOptions.labelSmoothing ? [`label smoothing ${trainingOptions.labelSmoothing}`] : []),
    ...(trainingOptions.weightDecay ? [`weight decay ${trainingOptions.weightDecay}`] : []),
  ].join(', ');
  console.log(`[INFO] training model: ${data.train.count} training and ${data.test.count} validation images, ${epochs} epoch${epochs === 1 ? '' : 's'}, batch ${batchSize}, lr ${learningRate}, ${recipe}...`);
  const result = await trainFashionMnist(model, data, {
    epochs,
    batchSize,
    learningRate,
    seed,
    initialEpoch: resume.initialEpoch,
    ...(resume.history ? { history: resume.history } : {}),
    callbacks: [progressBar(), checkpointCallback(model, checkpointDir)],
    ...trainingOptions,
  });
  if (result.stopped === 'nan-loss') console.log('[WARN] training stopped: the loss became NaN');
  await writeFile(join(out, 'history.json'), `${JSON.stringify(result, null, 2)}\n`);
  await saveModel(model, join(out, 'model'));
  await writeEvaluation(model, data, out, seed, flags['test-time-flip'] === true);
  await saveChart(trainingHistorySpec(result), join(out, 'plot.png'));
  console.log(`[INFO] wrote plot.png, history.json and the model (${join(out, 'model')}) to ${out}`);
}

/** Creates the output folder, refusing a path that is something other than a folder. */
async function prepareOutputFolder(out: string): Promise<void> {
  const existing = await stat(out).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new UsageError(`--out must be a folder, but ${out} is a file.`);
  await mkdir(out, { recursive: true });
  await access(out, constants.W_OK);
}

/**
 * The checkpoint to resume from, or undefined when there is none yet. loadCheckpoint itself is asked
 * (rather than checking for model.json here) because it also recovers a folder that an earlier
 * version lost in a crash between its renames.
 */
async function findCheckpoint(dir: string): Promise<Checkpoint | undefined> {
  try {
    return await loadCheckpoint(dir);
  } catch (error) {
    if (error instanceof ModelFileError && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    throw error;
  }
}

async function evaluate(flags: Flags, positionals: string[]): Promise<void> {
  const [modelDir, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`evaluate takes at most one model directory, but got ${positionals.length} arguments.`);
  const out = flags.out ?? 'output';
  await prepareOutputFolder(out);
  console.log(`[INFO] backend: ${await selectBackend(flags)}`);
  const limit = flags.limit === undefined ? undefined : integerFlag(flags, 'limit', 1);
  const data = await loadData(flags, limit);
  await writeEvaluation(await loadChosenModel(modelDir), data, out, integerFlag(flags, 'seed', 42, 0), flags['test-time-flip'] === true);
}

/** A saved model's folder, or the pretrained model when none is given. */
async function loadChosenModel(modelDir: string | undefined): Promise<LayersModel> {
  if (modelDir !== undefined) return loadModel(modelDir);
  console.log(`[INFO] model: the pretrained MiniVGGNet shipped with the package (${PRETRAINED_FILES.source})`);
  return loadPretrainedModel();
}

async function predict(flags: Flags, positionals: string[]): Promise<void> {
  // The first argument is a saved model only when it is a folder: pictures are files.
  const firstIsFolder = positionals.length > 0 && (await stat(positionals[0]!).catch(() => undefined))?.isDirectory() === true;
  const [modelDir, images] = firstIsFolder ? [positionals[0], positionals.slice(1)] : [undefined, positionals];
  if (images.length === 0) throw new UsageError('predict needs at least one image: tfjs-fashion-mnist predict [<model-dir>] <image...>');
  // Every picture is read first, so that a wrong path fails before the backend and model load.
  const pictures = await Promise.all(images.map((path) => readImage(path)));
  await selectBackend(flags);
  const model = await loadChosenModel(modelDir);
  for (const [i, path] of images.entries()) {
    const { ranked } = await classifyImage(model, pictures[i]!, { testTimeFlip: flags['test-time-flip'] === true });
    console.log(`${path}: ${ranked.slice(0, 3).map(({ label, probability }) => `${label} ${(probability * 100).toFixed(1)}%`).join(', ')}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  if (flags.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (flags.version) {
    // The same relative path from src/cli.ts and from dist/cli.js.
    const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const [command = 'train', ...rest] = positionals;
  if (command === 'train') await train(flags);
  else if (command === 'evaluate') await evaluate(flags, rest);
  else if (command === 'predict') await predict(flags, rest);
  else throw new UsageError(`Unknown command "${command}". Commands: train, evaluate, predict.`);
  return 0;
}

/** One line for the user's mistakes (exit 2); the stack for anything else, which is a bug (exit 1). */
function report(error: unknown): number {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`error: ${(error as Error).message}\nRun with --help for usage.`);
    return 2;
  }
  if (error instanceof FashionMnistError) {
    console.error(`error: ${error.message}`);
    return 2;
  }
  // A file-system error on a path the user gave (the library's own errors already name theirs).
  const path = (error as NodeJS.ErrnoException | undefined)?.path;
  if (code?.startsWith('E') && path) {
    console.error(`error: ${path}: ${describeFsError(error)}.`);
    return 2;
  }
  console.error(`error: ${(error as Error | undefined)?.stack ?? String(error)}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(report(error)),
);
