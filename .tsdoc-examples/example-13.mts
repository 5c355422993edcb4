// src/errors.ts:221
import { useWasmBackend, WasmBackendError } from 'tfjs-fashion-mnist/wasm';

try {
  await useWasmBackend();
} catch (error) {
  if (error instanceof WasmBackendError) console.error(error.message);
}
export {};
