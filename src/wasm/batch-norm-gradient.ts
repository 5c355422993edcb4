import { add, engine, getGradient, mul, registerGradient, reshape, rsqrt, scalar, sub, sum, tidy, type GradConfig, type Tensor } from '@tensorflow/tfjs-core';

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
  const original = getGradient('FusedBatchNorm');
  if (!original || (original as { fashionMnist?: boolean }).fashionMnist) return;
  const config: GradConfig & { fashionMnist: true } = {
    kernelName: 'FusedBatchNorm',
    inputsToSave: original.inputsToSave ?? ['x', 'mean', 'variance', 'scale'],
    fashionMnist: true,
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
      const perChannel = mean.rank === 1 && x.shape[x.rank - 1] === mean.shape[0];
      if (engine().backendName !== backendName || !perChannel || Array.isArray(dy)) return original.gradFunc(dy, saved, attrs);
      return perChannelGradient(dy, x, mean, variance, scale, (attrs as { varianceEpsilon: number }).varianceEpsilon);
    },
  };
  registerGradient(config);
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
