import { defineConfig, type Options } from 'tsup';

// Every entry of the package, built together so that code they share lands in shared chunks once.
const entry = {
  index: 'src/index.ts',
  node: 'src/node.ts',
  wasm: 'src/wasm/index.ts',
  'wasm-node': 'src/wasm/node.ts',
};

const shared: Options = {
  sourcemap: true,
  target: 'es2022',
  tsconfig: 'tsconfig.build.json',
  splitting: true,
  // Peer dependencies stay external: consumers bring their own tfjs and backend.
  external: [/^@tensorflow\//],
};

export default defineConfig([
  {
    ...shared,
    // The command-line program (npx tfjs-fashion-mnist) is an entry of the same ESM build, so it
    // shares the library's chunks instead of carrying a second copy of them.
    entry: { ...entry, cli: 'src/cli.ts' },
    format: ['esm'],
    dts: { entry, compilerOptions: { composite: false } },
    clean: true,
  },
  {
    ...shared,
    entry,
    format: ['cjs'],
    dts: { entry, compilerOptions: { composite: false } },
    // fast-png (and its dependencies) ship only as ES modules: bundled into the CommonJS build so
    // that require() works on Node versions without require(esm). Vega stays a dynamic import().
    noExternal: ['fast-png', 'iobuffer', 'fflate'],
    // import.meta.url (used to find resvg's wasm and the font) needs a shim in the CommonJS build.
    shims: true,
  },
]);
