// Text and SVG rendering through resvg (WebAssembly), with a font shipped as an npm package, so that
// captions and charts look the same on a fresh container without system fonts, in Node and in the
// browser.
import type { Resvg as ResvgClass } from '@resvg/resvg-wasm';
import { RendererError } from '../errors.js';
import { invalid } from '../validate.js';

/** The family name of the bundled font (DejaVu Sans from `@fontsource/dejavu-sans`). */
export const FONT_FAMILY = 'DejaVu Sans';

/** What the renderer needs in the browser, where it cannot read files from node_modules. */
export interface RendererAssets {
  /**
   * resvg's WebAssembly binary: a URL, a `Response` (or its promise), bytes or a compiled module.
   * With Vite: `import wasmUrl from '@resvg/resvg-wasm/index_bg.wasm?url'`.
   */
  wasm: string | URL | Response | Promise<Response> | ArrayBuffer | Uint8Array | WebAssembly.Module;
  /** TTF, OTF or WOFF2 font files; the first family is used for all text. */
  fonts: Uint8Array[];
}

interface Renderer {
  Resvg: typeof ResvgClass;
  fonts: Uint8Array[];
}

let configured: RendererAssets | undefined;
let defaultAssets: (() => Promise<RendererAssets>) | undefined;
let renderer: Promise<Renderer> | undefined;

/**
 * Tells the caption and chart renderer where its WebAssembly binary and font are. Needed in the
 * browser; in Node the functions of `tfjs-fashion-mnist/node` read both from node_modules unless
 * this was called. Call before the first captioned montage or chart PNG.
 *
 * @param assets - The resvg wasm and the font files; see {@link RendererAssets}.
 * @returns Nothing.
 * @throws {@link RendererError} when called after the renderer has started with other assets.
 *
 * @example
 * ```ts
 * import { configureRenderer } from 'tfjs-fashion-mnist';
 * import wasmUrl from '@resvg/resvg-wasm/index_bg.wasm?url';
 * import fontUrl from '@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff2?url';
 *
 * const font = new Uint8Array(await (await fetch(fontUrl)).arrayBuffer());
 * configureRenderer({ wasm: fetch(wasmUrl), fonts: [font] });
 * ```
 */
export function configureRenderer(assets: RendererAssets): void {
  if (renderer) throw new RendererError('configureRenderer() must be called before the first montage or chart is rendered.');
  configured = assets;
}

/**
 * Where the assets come from when {@link configureRenderer} was not called: the Node entry passes a
 * reader of node_modules. Only the first provider counts, and nothing is read until text is drawn.
 */
export function provideDefaultRendererAssets(load: () => Promise<RendererAssets>): void {
  defaultAssets ??= load;
}

async function loadRenderer(): Promise<Renderer> {
  const resvg = await import('@resvg/resvg-wasm');
  const assets = configured ?? (await defaultAssets?.());
  if (!assets) {
    throw new RendererError(
      "The caption and chart renderer has no font or wasm: call configureRenderer({ wasm, fonts }) first (in Node, import from 'tfjs-fashion-mnist/node', which finds them itself).",
    );
  }
  await resvg.initWasm(assets.wasm as Parameters<typeof resvg.initWasm>[0]);
  return { Resvg: resvg.Resvg, fonts: assets.fonts };
}

function getRenderer(): Promise<Renderer> {
  renderer ??= loadRenderer().catch((error: unknown) => {
    renderer = undefined;
    throw error;
  });
  return renderer;
}

/**
 * Renders an SVG document with the bundled font and hands the rendered image to `read`, then frees
 * it. resvg's own failures (an SVG it cannot parse) become a {@link RendererError}; callers check
 * sizes and text first, so that nothing reaches resvg that could make it trap or run out of memory.
 */
async function withRenderedSvg<T>(svg: string, scale: number, read: (image: { width: number; height: number; pixels: Uint8Array; asPng(): Uint8Array }) => T): Promise<T> {
  const { Resvg, fonts } = await getRenderer();
  let resvg: InstanceType<typeof Resvg>;
  try {
    resvg = new Resvg(svg, {
      font: { fontBuffers: fonts, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
      fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    });
  } catch (error) {
    throw new RendererError(`resvg could not read the SVG document (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
  }
  try {
    const image = resvg.render();
    try {
      return read(image);
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

/** Renders an SVG document to premultiplied RGBA pixels. */
export function renderSvgToRgba(svg: string): Promise<Uint8Array> {
  return withRenderedSvg(svg, 1, (image) => new Uint8Array(image.pixels));
}

/** Renders an SVG document to PNG bytes at `scale` times its size. */
export function renderSvgToPng(svg: string, scale = 1): Promise<Uint8Array> {
  return withRenderedSvg(svg, scale, (image) => new Uint8Array(image.asPng()));
}

/** Escapes text for SVG content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Characters that cannot go into an SVG document (XML 1.0 forbids most control characters and
 * U+FFFE/U+FFFF; resvg fails on them) or that draw nothing useful (the other controls, unpaired
 * surrogates).
 */
const UNRENDERABLE = /[\p{Cc}\uFFFE\uFFFF]|\p{Cs}/u;

/** Throws unless `value` is a string of at most `maxLength` UTF-16 code units that resvg can draw. */
export function assertRenderableText(argument: string, value: unknown, maxLength: number): asserts value is string {
  if (typeof value === 'string' && value.length > maxLength) {
    throw invalid(argument, `a string of ${value.length} characters`, `a text of at most ${maxLength} characters`);
  }
  if (typeof value !== 'string' || UNRENDERABLE.test(value)) {
    throw invalid(argument, value, 'a string without control characters (U+0000 to U+001F, U+007F to U+009F), unpaired surrogates, U+FFFE or U+FFFF');
  }
}
