// The names of the library's own kernels: the contract between the platform-neutral code that runs
// them where the active backend registers them (the layer patches in src/architectures/, KerasSGD)
// and the backend that registers them (the wasm training kernels, src/wasm/kernels/). Kernels the
// library replaces keep tfjs-core's names (`Conv2D`, `FusedBatchNorm`, ...), imported from tfjs-core.

/**
 * Batch normalisation's training pass: inputs `x` (float32, channels last), `scale` and `offset`
 * (one value per channel), attribute `varianceEpsilon`; outputs the normalised x and the batch mean
 * and (biased) variance per channel.
 */
export const BATCH_NORM_TRAINING_KERNEL = 'FashionMnistBatchNormTraining';

/**
 * The gradient of {@link BATCH_NORM_TRAINING_KERNEL} as one kernel, on the library's SIMD kernels:
 * inputs dy, x, scale, mean, variance, dyMean, dyVariance; outputs ∂x, ∂scale, ∂offset.
 */
export const BATCH_NORM_TRAINING_GRADIENT_KERNEL = 'FashionMnistBatchNormTrainingGradient';

/**
 * Dropout's multiplier: no inputs; attributes `shape`, `rate` (0 < rate < 1) and `seed` (an unsigned
 * 32-bit integer); outputs a float32 tensor of `shape` whose values are 1 / (1 − rate) with
 * probability 1 − rate and 0 otherwise, tfjs-core's dropout multiplier.
 */
export const DROPOUT_MASK_KERNEL = 'FashionMnistDropoutMask';

/**
 * The first convolution's training pass: inputs `x` (NHWC), `filter` and `bias`, attributes `strides`
 * and `pad`; the output of FusedConv2D with no activation and no dilation, with a gradient of
 * separate parts.
 */
export const INPUT_CONV_KERNEL = 'FashionMnistInputConv2D';

/** ReLU's gradient: inputs `dy` and `x` (float32, one shape); output dy · step(x), as tfjs-core's gradient of Relu. */
export const RELU_GRADIENT_KERNEL = 'FashionMnistReluGradient';

/**
 * One momentum update of `KerasSGD`: inputs `variable`, `velocity` and `gradient` (float32, one
 * shape), attributes `rate` and `momentum`; outputs the new variable and the new velocity, as
 * `KerasSGD.applyGradients`' ops compute them. The wasm training kernels register it (one pass
 * instead of four kernels and two scalar tensors per variable); other backends run the ops.
 */
export const SGD_MOMENTUM_KERNEL = 'FashionMnistSgdMomentum';
