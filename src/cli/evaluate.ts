// `evaluate [<model-dir>]`: the report, confusion matrix and montage of a saved model, or of the
// pretrained one, on the test split.
import { TRAIN_DEFAULTS } from '../training/train-options.js';
import { integerFromFlag } from '../training/flags.js';
import { backendFromFlags, startBackend } from './backend.js';
import { checkDataDir, loadData } from './data.js';
import { UsageError } from './errors.js';
import { writeEvaluation } from './evaluation.js';
import { checkModelFolder, prepareOutputFolder } from './folders.js';
import { loadChosenModel } from './model.js';
import { DEFAULT_OUT, type Flags } from './options.js';
import { say } from './output.js';

export async function evaluate(flags: Flags, positionals: readonly string[]): Promise<number> {
  const [modelDir, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`evaluate takes at most one model directory, but got ${positionals.length} arguments.`);
  const limit = flags.limit === undefined ? undefined : integerFromFlag(flags.limit, '--limit', 1);
  const seed = flags.seed === undefined ? TRAIN_DEFAULTS.seed : integerFromFlag(flags.seed, '--seed', 0);
  const backend = backendFromFlags(flags);
  const out = flags.out ?? DEFAULT_OUT;
  if (modelDir !== undefined) await checkModelFolder(modelDir);
  await checkDataDir(flags['data-dir']);
  await prepareOutputFolder(out);
  say(`[INFO] backend: ${await startBackend(backend)}`);
  const model = await loadChosenModel(modelDir);
  const data = await loadData(flags['data-dir'], limit);
  await writeEvaluation(model, data, out, seed, flags['test-time-flip'] === true);
  return 0;
}
