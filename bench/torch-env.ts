import { cpus } from 'node:os';

/**
 * The interpreter of the PyTorch reference (bench/torch_reference.py): Debian's, which has
 * python3-torch. `BENCH_PYTHON` names another one that can `import torch`.
 */
export const TORCH_PYTHON = process.env['BENCH_PYTHON'] ?? '/usr/bin/python3';

/**
 * How the PyTorch reference is started: one OpenBLAS thread, and as many OpenMP threads as
 * torch.set_num_threads gets (one per core). Left to itself OpenBLAS starts a thread per core beside
 * torch's OpenMP ones, twice as many busy threads as cores, and the reference's throughput varies
 * by up to 45% from run to run on 2 cores; with one BLAS thread it is steady.
 */
export const TORCH_ENV: Readonly<Record<string, string>> = Object.freeze({ OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(cpus().length) });

/** The environment of a child process: this one's, without OpenBLAS' thread count, plus `env`. */
export function torchProcessEnv(env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const { OPENBLAS_NUM_THREADS: _unset, ...inherited } = process.env;
  return { ...inherited, ...env };
}
