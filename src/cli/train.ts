// `train`: MiniVGGNet on Fashion-MNIST with the tutorial's settings (or the flags'), a checkpoint
// after every epoch, then the report, plots, history and model in --out.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildMiniVGGNet, checkpointCallback, loadCheckpoint, progressBar, saveChart, saveModel, trainFashionMnist, trainingHistorySpec } from '../node.js';
import { augmentFlag, integerFromFlag, recipeFromFlag, trainOptionsFromFlags, type FlagTrainOptions } from '../training/flags.js';
import { KERAS_SGD_DEFAULTS } from '../training/sgd.js';
import { TRAIN_DEFAULTS, type HistoryRecord, type TrainingCallbacks } from '../training/train-options.js';
import { backendFromFlags, startBackend } from './backend.js';
import { checkDataDir, loadData } from './data.js';
import { UsageError } from './errors.js';
import { writeEvaluation } from './evaluation.js';
import { holdsModel, prepareOutputFolder } from './folders.js';
import { commandLine, type InterruptHandling } from './interrupt.js';
import { DEFAULT_OUT, type Flags } from './options.js';
import { say, stdout } from './output.js';

/** What a command needs from the program: its arguments as given, and the interrupt handlers. */
export interface CommandContext {
  /** The command line as the user wrote it (without node and the script). */
  argv: readonly string[];
  setInterruptHandling(handling: InterruptHandling): void;
}

/** How far a run got, for the line printed when it is interrupted. */
export interface TrainRun {
  epochs: number;
  checkpointDir: string;
  /** Epochs held by the checkpoint, of this run or of the one resumed. */
  kept: number;
  /** Whether --resume found a checkpoint (before it is loaded). */
  resumable: boolean;
  /** The epoch in progress (zero-based), once training started. */
  epoch?: number;
  /** Set once the last epoch ended. */
  trained?: boolean;
  /** The checkpoint being written, if one is. */
  saving?: Promise<void> | undefined;
}

export async function train(flags: Flags, positionals: readonly string[], context: CommandContext): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`train takes no arguments, but got "${positionals[0]}".`);
  const options = trainOptionsFromFlags(flags);
  const testTimeFlip = flags['test-time-flip'] === true || recipeFromFlag(flags.recipe)?.evaluate.testTimeFlip === true;
  const limit = flags.limit === undefined ? undefined : integerFromFlag(flags.limit, '--limit', 1);
  const backend = backendFromFlags(flags);
  const out = flags.out ?? DEFAULT_OUT;
  const epochs = options.epochs ?? TRAIN_DEFAULTS.epochs;
  const run: TrainRun = { epochs, checkpointDir: join(out, 'checkpoint'), kept: 0, resumable: false };
  context.setInterruptHandling({ pending: () => run.saving, message: () => interruptedTrainingLine(run, context.argv) });
  await checkDataDir(flags['data-dir']);
  await prepareOutputFolder(out);
  run.resumable = flags.resume === true && (await holdsModel(run.checkpointDir));
  if (flags.resume && !run.resumable) say(`[INFO] --resume: no checkpoint in ${run.checkpointDir} yet, so training starts from the first epoch`);
  say(`[INFO] backend: ${await startBackend(backend)}`);
  say('[INFO] loading Fashion-MNIST...');
  const data = await loadData(flags['data-dir'], limit);

  const start = await startingPoint(run, options.seed ?? TRAIN_DEFAULTS.seed);
  say(`[INFO] training model: ${data.train.count} training and ${data.test.count} validation images, ${describeRecipe(options, flags.recipe)}...`);
  run.epoch = start.initialEpoch;
  const result = await trainFashionMnist(start.model, data, {
    ...options,
    initialEpoch: start.initialEpoch,
    ...(start.history ? { history: start.history } : {}),
    callbacks: [progressBar({ stream: stdout }), checkpointing(start.model, run)],
  });
  run.trained = true;
  if (result.stopped === 'nan-loss') say('[WARN] training stopped: the loss became NaN');
  await writeFile(join(out, 'history.json'), `${JSON.stringify(result, null, 2)}\n`);
  await saveModel(start.model, join(out, 'model'));
  await writeEvaluation(start.model, data, out, options.seed ?? TRAIN_DEFAULTS.seed, testTimeFlip);
  await saveChart(trainingHistorySpec(result), join(out, 'plot.png'));
  say(`[INFO] wrote plot.png, history.json and the model (${join(out, 'model')}) to ${out}`);
  return 0;
}

/** The checkpoint to resume from, or a new model. */
async function startingPoint(run: TrainRun, seed: number): Promise<{ model: LayersModel; initialEpoch: number; history?: HistoryRecord }> {
  if (!run.resumable) return { model: buildMiniVGGNet({ seed }), initialEpoch: 0 };
  const checkpoint = await loadCheckpoint(run.checkpointDir);
  if (checkpoint.initialEpoch > run.epochs) {
    throw new UsageError(`--epochs ${run.epochs} is fewer than the ${checkpoint.initialEpoch} epochs ${run.checkpointDir} holds: pass --epochs ${checkpoint.initialEpoch} or more to resume.`, { hint: false });
  }
  run.kept = checkpoint.initialEpoch;
  say(`[INFO] resuming from ${run.checkpointDir} after epoch ${checkpoint.initialEpoch}`);
  return checkpoint;
}

function describeRecipe(options: FlagTrainOptions, recipe: string | undefined): string {
  const epochs = options.epochs ?? TRAIN_DEFAULTS.epochs;
  const augment = options.augment ? augmentFlag(options.augment) : '';
  return [
    ...(recipe ? [`recipe ${recipe}`] : []),
    `${epochs} epoch${epochs === 1 ? '' : 's'}`,
    `batch ${options.batchSize ?? TRAIN_DEFAULTS.batchSize}`,
    `lr ${options.learningRate ?? KERAS_SGD_DEFAULTS.learningRate}`,
    options.learningRateSchedule ? `schedule ${options.learningRateSchedule.name}` : 'Keras time decay',
    ...(augment ? [`augment ${augment}`] : []),
    ...(options.labelSmoothing ? [`label smoothing ${options.labelSmoothing}`] : []),
    ...(options.weightDecay ? [`weight decay ${options.weightDecay}`] : []),
  ].join(', ');
}

/**
 * A checkpoint after every epoch, with the run's state kept for an interruption. Between batches it
 * gives the event loop a turn: tfjs' awaits inside a step resolve at once, so without it a signal's
 * handler would wait for the epoch's validation.
 */
function checkpointing(model: LayersModel, run: TrainRun): TrainingCallbacks {
  const checkpoint = checkpointCallback(model, run.checkpointDir);
  return {
    onEpochBegin(epoch) {
      run.epoch = epoch;
    },
    onBatchEnd: () => new Promise<void>((resolve) => setImmediate(resolve)),
    async onEpochEnd(epoch, logs, result) {
      run.saving = (async () => {
        await checkpoint.onEpochEnd!(epoch, logs, result);
        run.kept = epoch + 1;
      })();
      try {
        await run.saving;
      } finally {
        run.saving = undefined;
      }
    },
  };
}

/** The one line an interrupted run prints: where it stopped, what was kept, and the command to go on. */
export function interruptedTrainingLine(run: TrainRun, argv: readonly string[]): string {
  const where =
    run.epoch === undefined ? 'before training started' : run.trained || run.epoch >= run.epochs ? 'after training, while writing the results' : `in epoch ${run.epoch + 1}/${run.epochs}`;
  const resume = commandLine(argv.includes('--resume') ? argv : [...argv, '--resume']);
  if (run.kept > 0) return `Interrupted ${where}: ${run.checkpointDir} keeps ${run.kept === 1 ? 'epoch 1' : `epochs 1-${run.kept}`} of ${run.epochs}. Resume with: ${resume}`;
  if (run.resumable) return `Interrupted ${where}: ${run.checkpointDir} is unchanged. Resume with: ${resume}`;
  return `Interrupted ${where}: no epoch had finished, so nothing was kept (a checkpoint is written after each epoch). Start again with: ${commandLine(argv)}`;
}
