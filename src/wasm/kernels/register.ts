// The one registry of the library's wasm training kernels: every kernel of src/wasm/kernels/ and the
// gradients that go with them, registered explicitly, once, by registerWasmTrainingKernels (as
// tfjs-backend-wasm's register_all_kernels.ts does for its own; importing registers nothing).
import { Conv2D, engine, getKernel, registerGradient, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { WasmBackendError } from '../../errors.js';
import { registerBatchNormGradient, registerReductionGradients, registerReluGradient } from '../gradients.js';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { batchNormTrainingGradientConfig } from './batch-norm-training-gradient.js';
import { batchNormTrainingConfig, batchNormTrainingGradConfig } from './batch-norm-training.js';
import { castConfig } from './cast.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { dropoutMaskConfig } from './dropout-mask.js';
import { fusedBatchNormConfig } from './fused-batch-norm.js';
import { fusedConv2DConfig } from './fused-conv2d.js';
import { fusedMatMulConfig } from './fused-mat-mul.js';
import { identityConfig } from './identity.js';
import { inputConvConfig, inputConvGradConfig } from './input-conv.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { meanConfig } from './mean.js';
import { reluGradientConfig } from './relu-gradient.js';
import { sgdMomentumConfig } from './sgd-momentum.js';
import { keepStockKernel } from './stock.js';
import { sumConfig } from './sum.js';
import { tileConfig } from './tile.js';

const BACKEND = 'wasm';

/** Every kernel, in registration order: tfjs-core's that the library adds or replaces, then its own. */
const KERNEL_CONFIGS: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  fusedConv2DConfig,
  batchMatMulConfig,
  fusedMatMulConfig,
  tileConfig,
  sumConfig,
  meanConfig,
  identityConfig,
  castConfig,
  maxPoolGradConfig,
  fusedBatchNormConfig,
  batchNormTrainingConfig,
  batchNormTrainingGradientConfig,
  dropoutMaskConfig,
  inputConvConfig,
  reluGradientConfig,
  sgdMomentumConfig,
];

let registered = false;

/** The kernels {@link registerWasmTrainingKernels} adds to or replaces in the wasm backend. */
export const WASM_TRAINING_KERNELS: readonly string[] = KERNEL_CONFIGS.map((k) => k.kernelName);

/**
 * Makes the WebAssembly backend (`@tensorflow/tfjs-backend-wasm`) able to train convolutional
 * networks, and fast at it: registers `Conv2DBackpropFilter` (missing from the stock backend) and
 * faster `Conv2DBackpropInput` and transposed `BatchMatMul`, all built from the backend's own
 * XNNPACK convolution and matrix product, plus faster `Tile` (broadcasts), leading-axis `Sum` and
 * `Mean`, copy-free `Identity` and same-type `Cast`, a `MaxPoolGrad` that reads memory sequentially,
 * a per-channel `FusedBatchNorm` made of XNNPACK passes, and batch normalisation's whole training
 * pass as one kernel with a closed-form gradient, dropout's mask from a fast generator, and a first
 * convolution that skips the input gradient nobody needs, which the batch-norm, dropout and first
 * convolution layers of models built by `buildMiniVGGNet` or trained by `trainFashionMnist` use (see
 * docs/benchmarks.md for what each gained). With the library's SIMD kernels loaded (useWasmBackend),
 * ReLU's gradient and the momentum update of `KerasSGD` are one pass each too, 3x3 stride-1
 * convolutions (`FusedConv2D`) and their input and filter gradients run by Winograd's minimal
 * filtering (2.25 times fewer multiply-adds; the same convolution up to float rounding), and a dense
 * layer's three matrix products run in the library's own SIMD code. Supports strides, 'same', 'valid' and explicit padding,
 * NHWC and NCHW (through transposes); tfjs itself does not take gradients of dilated convolutions.
 *
 * Call it once, after importing the wasm backend and before training; calling it again does nothing.
 * It only changes the 'wasm' backend: the gradients of `FusedBatchNorm`, `Sum` and `Mean` it installs
 * (tfjs registers gradients for all backends at once) take fewer full-size passes on wasm and call
 * tfjs-core's own gradients on every other backend.
 *
 * @returns The names of the kernels registered.
 * @throws {@link WasmBackendError} when `@tensorflow/tfjs-backend-wasm` has not been imported.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { buildMiniVGGNet } from 'tfjs-fashion-mnist';
 * import { registerWasmTrainingKernels } from 'tfjs-fashion-mnist/wasm';
 *
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 * const model = buildMiniVGGNet();
 * ```
 */
export function registerWasmTrainingKernels(): readonly string[] {
  if (registered) return WASM_TRAINING_KERNELS;
  if (!getKernel(Conv2D, BACKEND) || !engine().registryFactory[BACKEND]) {
    throw new WasmBackendError(
      "The WebAssembly backend is not loaded: import '@tensorflow/tfjs-backend-wasm' before calling registerWasmTrainingKernels().",
    );
  }
  for (const config of KERNEL_CONFIGS) replaceKernel(config);
  registerBatchNormGradient(BACKEND);
  registerReductionGradients(BACKEND);
  registerGradient(batchNormTrainingGradConfig);
  registerGradient(inputConvGradConfig);
  registerReluGradient(BACKEND);
  registered = true;
  return WASM_TRAINING_KERNELS;
}

/** Registers `config`, keeping the backend's own kernel of that name (if any) for the cases the library's hands back. */
function replaceKernel(config: KernelConfig): void {
  const existing = getKernel(config.kernelName, BACKEND);
  if (existing) {
    keepStockKernel(config.kernelName, existing.kernelFunc);
    unregisterKernel(config.kernelName, BACKEND);
  }
  // Keep the stock setup (it binds the wasm function the fallback calls) for backends that
  // initialise after this registration.
  const setupFunc = existing?.setupFunc;
  registerKernel({ ...config, ...(setupFunc ? { setupFunc } : {}) });
}
