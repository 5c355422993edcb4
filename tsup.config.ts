import { defineConfig, type Options } from 'tsup';

// The package's entries; the ESM build keeps them apart with shared chunks, so code they share is
// in dist once.
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
  // Peer dependencies stay external: consumers bring their own tfjs and backend.
  external: [/^@tensorflow\//],
};

// The three builds run at once, so none of them cleans dist (the build script empties it first).
export default defineConfig([
  {
    ...shared,
    // The command-line program (npx tfjs-fashion-mnist) is an entry of the same ESM build, so it
    // shares the library's chunks instead of carrying a second copy of them.
    entry: { ...entry, cli: 'src/cli.ts' },
    format: ['esm'],
    splitting: true,
    dts: { entry, compilerOptions: { composite: false } },
  },
  {
    ...shared,
    // One CommonJS file for every entry (see src/cjs.ts); each entry keeps its own .d.cts below.
    entry: { index: 'src/cjs.ts' },
    format: ['cjs'],
    // fast-png (and its dependencies) ship only as ES modules: bundled into the CommonJS build so
    // that require() works on Node versions without require(esm). Vega stays a dynamic import().
    noExternal: ['fast-png', 'iobuffer', 'fflate'],
    // import.meta.url (used to find resvg's wasm and the font) needs a shim in the CommonJS build.
    shims: true,
  },
  {
    ...shared,
    entry,
    format: ['cjs'],
    dts: { entry, only: true, compilerOptions: { composite: false } },
  },
]);
