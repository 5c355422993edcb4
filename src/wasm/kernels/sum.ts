// Sum over leading axes by XNNPACK's average pooling (leading-reduction.ts).
import { Sum, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { leadingReduction } from './leading-reduction.js';



/** Sum for the wasm backend. */
export const sumConfig: KernelConfig = { kernelName: Sum, backendName: 'wasm', kernelFunc: leadingReduction('Sum') as unknown as KernelFunc };
