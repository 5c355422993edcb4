import * as tf from '@tensorflow/tfjs-core';
import { SGD_MOMENTUM_KERNEL } from '../kernel-names.js';
import { assertNumber, type OptionNames, resolveOptions } from '../validate.js';

/** Options of {@link KerasSGD}. Every field is optional; the defaults are the tutorial's. */
export interface KerasSGDOptions {
  /**
   * The initial learning rate, `lr` in Keras.
   * @defaultValue 0.01
   */
  learningRate?: number;
  /**
   * Momentum factor.
   * @defaultValue 0.9
   */
  momentum?: number;
  /**
   * Time-based decay per iteration (batch): the rate is `learningRate / (1 + decay * iterations)`.
   * @defaultValue 0.01 / 25, the tutorial's `INIT_LR / NUM_EPOCHS`
   */
  decay?: number;
  /**
   * L2 weight decay of the weight matrices and convolution kernels (variables of rank 2 or more):
   * `weightDecay · w` is added to their gradient before the momentum update, as PyTorch's
   * `SGD(weight_decay)` does (Keras' `l2(λ)` kernel regulariser is the same with `weightDecay = 2λ`).
   * Biases and batch-norm parameters are not decayed. Not part of the tutorial (which has none).
   * @defaultValue 0
   */
  weightDecay?: number;
}

/** The tutorial's optimizer settings: SGD(lr=0.01, momentum=0.9, decay=0.01 / 25), no weight decay. */
export const KERAS_SGD_DEFAULTS: Readonly<Required<KerasSGDOptions>> = /* @__PURE__ */ Object.freeze({ learningRate: 0.01, momentum: 0.9, decay: 0.01 / 25, weightDecay: 0 });
const KERAS_SGD_OPTIONS: OptionNames<KerasSGDOptions> = { learningRate: true, momentum: true, decay: true, weightDecay: true };

/** A tensor with the name it is saved under (tfjs-core's NamedTensor, which it does not export). */
export type NamedTensor = {
  /** The name the tensor is saved under. */
  name: string;
  /** The tensor. */
  tensor: tf.Tensor;
};

interface Velocity {
  originalName: string;
  variable: tf.Variable;
}

/**
 * Keras' legacy `SGD(lr, momentum, decay)`, which TensorFlow.js lacks: stochastic gradient descent
 * with momentum and time-based learning-rate decay, updated exactly as Keras does:
 *
 * ```
 * lr_t = lr / (1 + decay * iterations)      // iterations = batches seen so far
 * v    = momentum * v - lr_t * gradient      // gradient + weightDecay * w with weight decay
 * w    = w + v
 * ```
 *
 * (tfjs' `tf.train.momentum` accumulates gradients and scales by the current rate instead, which
 * differs as soon as the rate changes.) Its state (iterations and velocities) round-trips through
 * `getWeights` / `setWeights`, which is how checkpoints resume it.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMiniVGGNet, KerasSGD } from 'tfjs-fashion-mnist';
 *
 * const model = buildMiniVGGNet();
 * model.compile({ optimizer: new KerasSGD({ learningRate: 0.01, momentum: 0.9, decay: 0.01 / 25 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 * ```
 */
export class KerasSGD extends tf.Optimizer {
  /** Name under which the class is registered for (de)serialisation. */
  static get className(): string {
    return 'KerasSGD';
  }

  /**
   * `x instanceof KerasSGD` is true only for a KerasSGD (or a subclass), or one from another copy of
   * this library (same class name). tfjs-core's Optimizer answers `instanceof` for any object with an
   * optimizer's methods, which KerasSGD would otherwise inherit: every optimizer would pass.
   */
  static override [Symbol.hasInstance](instance: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, instance)) return true;
    return this === KerasSGD && typeof instance === 'object' && instance !== null && (instance.constructor as { className?: unknown } | undefined)?.className === KerasSGD.className;
  }

  /** The initial learning rate. */
  readonly learningRate: number;
  /** The momentum factor. */
  readonly momentum: number;
  /** The time-based decay per iteration. */
  readonly decay: number;
  /** The L2 weight decay of variables of rank 2 or more. */
  readonly weightDecay: number;
  private velocities: Velocity[] = [];
  private override: number | undefined;

  /**
   * @param options - Learning rate, momentum, decay and weight decay; see {@link KerasSGDOptions}.
   */
  constructor(options: KerasSGDOptions = {}) {
    super();
    const { learningRate, momentum, decay, weightDecay } = resolveOptions('options', options, KERAS_SGD_DEFAULTS, KERAS_SGD_OPTIONS);
    assertNumber('options.learningRate', learningRate, { min: 0 });
    assertNumber('options.momentum', momentum, { min: 0, max: 1 });
    assertNumber('options.decay', decay, { min: 0 });
    assertNumber('options.weightDecay', weightDecay, { min: 0 });
    this.learningRate = learningRate;
    this.momentum = momentum;
    this.decay = decay;
    this.weightDecay = weightDecay;
  }

  /** The learning rate of the next update: the override when set, else `learningRate / (1 + decay * iterations)`. */
  get currentLearningRate(): number {
    return this.override ?? this.learningRate / (1 + this.decay * this.iterations);
  }

  /**
   * A rate that replaces the time-based decay for the next updates, or undefined (the default) for
   * the decay. {@link trainFashionMnist} sets it before every batch when given a
   * {@link TrainOptions.learningRateSchedule}, and clears it when training ends. It is not part of
   * the configuration or the saved state: a schedule depends only on the step, so a resumed run sets
   * it again.
   *
   * @throws {@link InvalidArgumentError} when set to something other than undefined or a finite number >= 0.
   */
  get learningRateOverride(): number | undefined {
    return this.override;
  }

  /** Sets the rate of the next updates, or undefined to go back to the time-based decay. */
  set learningRateOverride(rate: number | undefined) {
    if (rate !== undefined) assertNumber('learningRateOverride', rate, { min: 0 });
    this.override = rate;
  }

  /**
   * Applies one update to every variable that has a gradient.
   *
   * @param variableGradients - Gradients by variable name, as `computeGradients` returns them.
   */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((item) => item.name) : Object.keys(variableGradients);
    const rate = this.currentLearningRate;
    names.forEach((name, i) => {
      const variable = tf.engine().registeredVariables[name]!;
      const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
      if (gradient == null) return;
      this.velocities[i] ??= { originalName: `${name}/momentum`, variable: tf.tidy(() => tf.zerosLike(variable).variable(false)) };
      const velocity = this.velocities[i]!.variable;
      tf.tidy(() => {
        const decayed = this.weightDecay > 0 && variable.rank >= 2 ? tf.add(gradient, tf.mul(variable, this.weightDecay)) : gradient;
        const [nextVariable, nextVelocity] = momentumUpdate(variable, velocity, decayed, rate, this.momentum);
        velocity.assign(nextVelocity!);
        variable.assign(nextVariable!);
      });
    });
    this.incrementIterations();
  }

  /** Frees the velocity variables. */
  override dispose(): void {
    tf.dispose(this.velocities.map((v) => v.variable));
    this.velocities = [];
  }

  /**
   * The optimizer state: the iteration count, then one velocity per variable.
   *
   * @returns Named tensors (the caller owns them).
   */
  override async getWeights(): Promise<NamedTensor[]> {
    return [await this.saveIterations(), ...this.velocities.map((v) => ({ name: v.originalName, tensor: v.variable }))];
  }

  /**
   * Restores the state written by {@link KerasSGD.getWeights}.
   *
   * @param weightValues - The iteration count followed by the velocities.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const velocities = await this.extractIterations(weightValues);
    this.dispose();
    this.velocities = velocities.map((v) => ({ originalName: v.name, variable: v.tensor.variable(false) }));
  }

  /** The configuration Keras would serialise (with the weight decay when there is one, so a checkpoint resumes with it). */
  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum, decay: this.decay, ...(this.weightDecay > 0 ? { weightDecay: this.weightDecay } : {}) };
  }

  /**
   * Rebuilds an optimizer from {@link KerasSGD.getConfig}. Keys other than the options are ignored
   * here (a saved configuration is data, not a call with a typo), unlike in the constructor.
   */
  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(Object.fromEntries(Object.entries(config).filter(([key]) => Object.hasOwn(KERAS_SGD_OPTIONS, key))) as KerasSGDOptions);
  }
}

/** [w + v', v'] with v' = momentum·v − rate·g, through {@link SGD_MOMENTUM_KERNEL} where the backend has it. */
function momentumUpdate(variable: tf.Tensor, velocity: tf.Tensor, gradient: tf.Tensor, rate: number, momentum: number): tf.Tensor[] {
  const sameFloats = [variable, velocity, gradient].every((t) => t.dtype === 'float32' && tf.util.arraysEqual(t.shape, variable.shape));
  if (sameFloats && tf.getKernel(SGD_MOMENTUM_KERNEL, tf.engine().backendName)) {
    return tf.engine().runKernel(SGD_MOMENTUM_KERNEL, { variable, velocity, gradient }, { rate, momentum }) as tf.Tensor[];
  }
  const next = tf.sub(tf.mul(velocity, momentum), tf.mul(gradient, rate));
  return [tf.add(variable, next), next];
}

/**
 * Registers {@link KerasSGD} with tfjs' serialisation, so that a model saved with this optimizer
 * loads with it (`tf.loadLayersModel` looks optimizers up by class name). Idempotent; the library's
 * own loaders call it, so you need it only when you load such a model with tfjs directly.
 *
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import { loadLayersModel } from '@tensorflow/tfjs-layers';
 * import { registerKerasSGD } from 'tfjs-fashion-mnist';
 *
 * registerKerasSGD();
 * const model = await loadLayersModel('https://example.com/checkpoint/model.json');
 * ```
 */
export function registerKerasSGD(): void {
  // registerClass replaces an entry of the same name, so calling it again is harmless; the check
  // only avoids the work.
  const registry = tf.serialization.SerializationMap.getMap().classNameMap;
  if (registry[KerasSGD.className]?.[0] !== KerasSGD) tf.serialization.registerClass(KerasSGD);
}
