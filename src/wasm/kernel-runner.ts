import { WasmBackendError } from '../errors.js';
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
