// tfjs-core's FusedBatchNorm gradient sums over the batch and spatial axes only when the statistics
// are 1-D, i.e. per channel on the last axis. tfjs-layers' batchNormalization on another axis (axis 1,
// as MiniVGGNet uses for channelsFirst) passes them broadcast as [1, C, 1, 1], and the gradient then
// fails with "Size(…) must match the product of shape 1,C,1,1" (tensorflow/tfjs#1773), so such a
// model cannot be trained at all. This fills in that case and leaves every other one to the gradient
// already registered (tfjs-core's, or the wasm one of src/wasm/gradients.ts, in either order).
import { add, broadcast_util, getGradient, mul, registerGradient, reshape, rsqrt, scalar, sub, sum, type GradConfig, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';

let registered = false;

/**
 * Makes batch normalisation on a non-last axis trainable, once per process. Registered lazily by
 * {@link trainFashionMnist} rather than on import, so importing the library changes nothing in tfjs.
 */
export function registerBroadcastBatchNormGradient(): void {
  const original = getGradient('FusedBatchNorm');
  if (registered || !original) return;
  registerGradient({
    kernelName: 'FusedBatchNorm',
    inputsToSave: original.inputsToSave ?? ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const [x, mean] = saved as [Tensor, Tensor];
      return mean.rank > 1 && !Array.isArray(dy) ? broadcastGradient(dy, saved, attrs) : original.gradFunc(dy, saved, attrs);
    },
  });
  registered = true;
}

/**
 * With invStd = 1/√(variance + ε) and every statistic shaped like `mean` (ones on the reduced axes):
 *   ∂x = dy·scale·invStd           ∂offset = Σdy            ∂scale = Σdy·(x − mean)·invStd
 *   ∂mean = −Σdy·scale·invStd      ∂variance = −½·Σdy·scale·(x − mean)·invStd³
 * Each derivative is computed in its own thunk, as the engine disposes of each thunk's scope.
 */
function broadcastGradient(dy: Tensor, saved: Tensor[], attrs: NamedAttrMap): ReturnType<GradConfig['gradFunc']> {
  const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
  const { varianceEpsilon } = attrs as { varianceEpsilon: number };
  const axes = broadcast_util.getReductionAxes(mean.shape, x.shape);
  const invStd = () => rsqrt(add(variance, scalar(varianceEpsilon)));
  const scaled = (t: Tensor) => (scale ? mul(t, scale) : t);
  const reduce = (t: Tensor) => reshape(sum(t, axes), mean.shape);
  return {
    x: () => scaled(mul(dy, invStd())),
    mean: () => reduce(mul(scaled(mul(dy, invStd())), scalar(-1))),
    variance: () => {
      const inv = invStd();
      return reduce(mul(scaled(mul(mul(dy, sub(x, mean)), mul(mul(inv, inv), inv))), scalar(-0.5)));
    },
    scale: () => reduce(mul(mul(dy, sub(x, mean)), invStd())),
    offset: () => reduce(dy),
  };
}
