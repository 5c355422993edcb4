import { cpus } from 'node:os';

/**
 * How the PyTorch reference (bench/torch_reference.py) is started: one OpenBLAS thread, and as many
 * OpenMP threads as torch.set_num_threads gets (one per core). Left to itself OpenBLAS starts a
 * thread per core beside torch's OpenMP ones, four busy threads on two cores, and the reference's
 * median swings between 215 and 312 images/s from run to run; with one BLAS thread it is a steady
 * 323-366 (docs/benchmarks.md, "Data-parallel training: the ceiling").
 */
export const TORCH_ENV: Readonly<Record<string, string>> = Object.freeze({ OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(cpus().length) });

/** {@link TORCH_ENV} with OpenBLAS' threads left to its default: the oversubscribed reference. */
export const TORCH_ENV_OVERSUBSCRIBED: Readonly<Record<string, string>> = Object.freeze({ OMP_NUM_THREADS: String(cpus().length) });

/** The environment of a child process: this one's, without OpenBLAS' thread count, plus `env`. */
export function torchProcessEnv(env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const { OPENBLAS_NUM_THREADS: _unset, ...inherited } = process.env;
  return { ...inherited, ...env };
}
