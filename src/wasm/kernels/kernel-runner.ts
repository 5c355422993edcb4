import { WasmBackendError } from '../../errors.js';
import { getKernel, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Runs a backend's registered kernels directly on TensorInfos, the way backends compose kernels
 * internally, and frees the intermediates. Results keep the backend's reference counting intact.
 */
export class KernelRunner {
  private readonly temporaries: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    private readonly backendName: string,
    private readonly fallbacks: ReadonlyMap<string, (args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }) => TensorInfo | TensorInfo[]>,
  ) {}

  /** Runs kernel `name`; the result is freed by {@link release} unless it is {@link keep}-ed. */
  run(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernelFunc = this.fallbacks.get(name) ?? getKernel(name, this.backendName)?.kernelFunc;
    if (!kernelFunc) throw new WasmBackendError(`Kernel '${name}' is not registered for backend '${this.backendName}'; this version of the backend is not supported.`);
    const result = kernelFunc({ inputs, backend: this.backend, attrs }) as TensorInfo;
    this.temporaries.push(result);
    return result;
  }

  /** Makes a result computed elsewhere (another of the library's kernels) an intermediate that {@link release} frees. */
  track(result: TensorInfo): TensorInfo {
    this.temporaries.push(result);
    return result;
  }

  /** Marks a result as the kernel's output, so {@link release} leaves it alone. */
  keep(result: TensorInfo): TensorInfo {
    const index = this.temporaries.lastIndexOf(result);
    if (index >= 0) this.temporaries.splice(index, 1);
    return result;
  }

  /** Frees every intermediate result. */
  release(): void {
    for (const info of this.temporaries.splice(0)) this.backend.disposeData(info.dataId);
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }
}

/** The parts of the wasm backend's data bookkeeping the library's kernels use. */
export interface WasmBackendData {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object): void;
}

/**
 * Allocates float32 outputs, runs `fill` on their heap views (taken after every allocation, which may
 * grow and so replace the heap; inputs' views should be taken inside `fill` for the same reason), and
 * frees the outputs if it throws.
 */
export function withOutputs(backend: WasmBackendData, shapes: number[][], fill: (views: Float32Array[]) => void): TensorInfo[] {
  const outputs = shapes.map((shape) => backend.makeOutput(shape, 'float32'));
  try {
    fill(outputs.map((o) => backend.typedArrayFromHeap(o)));
  } catch (error) {
    for (const o of outputs) backend.disposeData(o.dataId);
    throw error;
  }
  return outputs;
}
