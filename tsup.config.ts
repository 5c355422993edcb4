import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { composite: false } },
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // import.meta.url (used to find resvg's wasm and the font) needs a shim in the CommonJS build.
  shims: true,
  // Peer dependencies and Node built-ins stay external: consumers bring their own tfjs.
  external: [/^@tensorflow\//],
});
