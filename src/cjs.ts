// The CommonJS build: one file holding the Node entry and the wasm entry, which every `require`
// condition of package.json points at, so that require() of any entry shares one copy of each class
// (errors, KerasSGD) and dynamic import() of the ESM-only dependencies survives (a split CommonJS
// build rewrites it into require(), which fails for Vega without require(esm)).
export * from './node.js';
export { registerWasmTrainingKernels, useWasmBackend } from './wasm/node.js';
export type { UseWasmBackendOptions, WasmBackendFallback, WasmBackendInfo } from './wasm/node.js';
