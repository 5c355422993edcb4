// Mean over leading axes by XNNPACK's average pooling (leading-reduction.ts).
import { Mean, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { leadingReduction } from './leading-reduction.js';



/** Mean for the wasm backend. */
export const meanConfig: KernelConfig = { kernelName: Mean, backendName: 'wasm', kernelFunc: leadingReduction('Mean') as unknown as KernelFunc };
