// Gradients of tfjs-core kernels that the wasm backend computes with fewer full-size passes than
// tfjs-core's. Each is registered globally (tfjs keys gradients by kernel name only) but delegates to
// the original on other backends. (The library's own kernels have their gradients in their files,
// src/wasm/kernels/.)
import { add, broadcastTo, div, engine, getGradient, getKernel, mul, registerGradient, reshape, rsqrt, scalar, sub, sum, tidy, type GradConfig, type NamedAttrMap, type Tensor, util } from '@tensorflow/tfjs-core';
import { RELU_GRADIENT_KERNEL } from '../kernel-names.js';
import { activeSimdKernels } from './simd/lifecycle.js';

type GradientResult = ReturnType<GradConfig['gradFunc']>;

/**
 * Replaces the gradient of `kernelName` with one that calls `fast` on `backendName` and the original
 * gradient elsewhere, or wherever `fast` returns undefined. Registering twice changes nothing.
 */
export function registerBackendGradient(
  kernelName: string,
  backendName: string,
  fast: (dy: Tensor, saved: Tensor[], attrs: NamedAttrMap) => GradientResult | undefined,
): void {
  const original = getGradient(kernelName);
  if (!original || (original as { fashionMnist?: boolean }).fashionMnist) return;
  const config: GradConfig & { fashionMnist: true } = {
    kernelName,
    ...(original.inputsToSave ? { inputsToSave: original.inputsToSave } : {}),
    fashionMnist: true,
    gradFunc: (dy, saved, attrs) => {
      const result = engine().backendName === backendName && !Array.isArray(dy) ? fast(dy, saved, attrs) : undefined;
      return result ?? original.gradFunc(dy, saved, attrs);
    },
  };
  registerGradient(config);
}

/**
 * The gradient of FusedBatchNorm with fewer passes over the activations, for the wasm backend.
 * tfjs-core's version makes 14 full-size passes per batch-norm layer (tiles, products and sums it
 * recomputes for each input); the same derivatives need five: Σdy, x − mean, dy·(x − mean), its sum,
 * and dy·scale·invStd. With invStd = 1/√(variance + ε):
 *   ∂x = dy·scale·invStd               ∂offset = Σdy              ∂scale = invStd·Σdy(x − mean)
 *   ∂mean = −scale·invStd·Σdy          ∂variance = −½·scale·invStd³·Σdy(x − mean)
 * Other backends, and batch norms whose statistics are not per channel, keep tfjs-core's gradient.
 */
export function registerBatchNormGradient(backendName: string): void {
  registerBackendGradient('FusedBatchNorm', backendName, (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    const perChannel = mean.rank === 1 && x.shape[x.rank - 1] === mean.shape[0];
    return perChannel ? perChannelGradient(dy, x, mean, variance, scale, (attrs as { varianceEpsilon: number }).varianceEpsilon) : undefined;
  });
}

function perChannelGradient(dy: Tensor, x: Tensor, mean: Tensor, variance: Tensor, scale: Tensor | undefined, epsilon: number) {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const invStd = rsqrt(add(variance, scalar(epsilon)));
  const scaleTimesInvStd = scale ? mul(scale, invStd) : invStd;
  // Σdy and Σdy(x − mean) feed several derivatives. They are computed here, not in the thunks: the
  // engine runs each thunk in its own tidy, which would dispose a shared result after first use.
  const dySum = sum(dy, axes);
  const dyXmSum = tidy(() => sum(mul(dy, sub(x, mean)), axes));
  return {
    x: () => mul(dy, scaleTimesInvStd),
    mean: () => reshape(mul(mul(scaleTimesInvStd, scalar(-1)), dySum), mean.shape),
    variance: () => reshape(mul(mul(mul(scaleTimesInvStd, mul(invStd, invStd)), scalar(-0.5)), dyXmSum), mean.shape),
    scale: () => reshape(mul(invStd, dyXmSum), mean.shape),
    offset: () => reshape(dySum, mean.shape),
  };
}

/**
 * Gradients of Sum and Mean that broadcast dy instead of multiplying it by a tensor of ones built in
 * JavaScript: tfjs-core's fill a full-size array with ones, copy it into the heap, then multiply (and
 * divide, for Mean) at full size. Batch-norm statistics take the mean of every activation twice per
 * layer, so that was about 8 full-size arrays per step. Here dy is divided while it is small (so the
 * values are the same) and broadcast once. Other backends and non-float types keep tfjs-core's.
 */
export function registerReductionGradients(backendName: string): void {
  for (const kernelName of ['Sum', 'Mean'] as const) {
    registerBackendGradient(kernelName, backendName, (dy, [x], attrs) =>
      x!.dtype === 'float32' && dy.dtype === 'float32' ? { x: () => broadcastReduction(dy, x!, attrs, kernelName === 'Mean') } : undefined,
    );
  }
}

function broadcastReduction(dy: Tensor, x: Tensor, attrs: NamedAttrMap, isMean: boolean): Tensor {
  // A null axis (reduce everything) is handled by parseAxisParam, whatever its signature says.
  const axes = util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  const kept = reshape(dy, keptShape);
  return broadcastTo(isMean ? div(kept, scalar(count)) : kept, x.shape);
}

/** Relu's gradient through {@link RELU_GRADIENT_KERNEL} on wasm with the SIMD kernels loaded; tfjs-core's elsewhere. */
export function registerReluGradient(backendName: string): void {
  registerBackendGradient('Relu', backendName, (dy, [x]) => {
    const fast = activeSimdKernels() && getKernel(RELU_GRADIENT_KERNEL, backendName) && x!.dtype === 'float32' && dy.dtype === 'float32' && x!.size === dy.size;
    return fast ? { x: () => engine().runKernel(RELU_GRADIENT_KERNEL, { dy, x: x! }) as Tensor } : undefined;
  });
}
