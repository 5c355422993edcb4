import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  sourcemap: true,
  target: 'es2022',
  // Peer dependencies stay external: consumers bring their own tfjs and backend.
  external: [/^@tensorflow\//],
};

export default defineConfig([
  {
    ...shared,
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { composite: false } },
    tsconfig: 'tsconfig.build.json',
    clean: true,
    // import.meta.url (used to find resvg's wasm and the font) needs a shim in the CommonJS build.
    shims: true,
  },
  {
    // The command-line program (npx tfjs-fashion-mnist), built from the bundled example.
    ...shared,
    entry: { cli: 'examples/fashion_mnist.ts' },
    format: ['esm'],
    tsconfig: 'tsconfig.json',
  },
]);
