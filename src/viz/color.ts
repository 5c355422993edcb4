// CSS colours for captions. resvg silently paints an unparsable colour black (and does not know
// some valid ones, e.g. `rebeccapurple` or a percentage alpha), so colours are parsed here and
// handed to resvg as plain `#rrggbb` plus an opacity, which it always reads the same way.

/** A colour as resvg is given it: `#rrggbb` and an opacity in [0, 1]. */
export interface ParsedColor {
  /** `#rrggbb`, lower case. */
  hex: string;
  /** Opacity in [0, 1]. */
  opacity: number;
}

/** What {@link parseCssColor} accepts, for error messages. */
export const CSS_COLOR_FORMS = 'a CSS colour (#rgb, #rgba, #rrggbb, #rrggbbaa, rgb(r, g, b), rgba(r, g, b, a) or a CSS colour name)';

// The 148 CSS named colours (CSS Color Module Level 4, section 6.1) and `transparent`.
const NAMED =
  'aliceblue f0f8ff antiquewhite faebd7 aqua 00ffff aquamarine 7fffd4 azure f0ffff beige f5f5dc ' +
  'bisque ffe4c4 black 000000 blanchedalmond ffebcd blue 0000ff blueviolet 8a2be2 brown a52a2a ' +
  'burlywood deb887 cadetblue 5f9ea0 chartreuse 7fff00 chocolate d2691e coral ff7f50 ' +
  'cornflowerblue 6495ed cornsilk fff8dc crimson dc143c cyan 00ffff darkblue 00008b darkcyan 008b8b ' +
  'darkgoldenrod b8860b darkgray a9a9a9 darkgreen 006400 darkgrey a9a9a9 darkkhaki bdb76b ' +
  'darkmagenta 8b008b darkolivegreen 556b2f darkorange ff8c00 darkorchid 9932cc darkred 8b0000 ' +
  'darksalmon e9967a darkseagreen 8fbc8f darkslateblue 483d8b darkslategray 2f4f4f ' +
  'darkslategrey 2f4f4f darkturquoise 00ced1 darkviolet 9400d3 deeppink ff1493 deepskyblue 00bfff ' +
  'dimgray 696969 dimgrey 696969 dodgerblue 1e90ff firebrick b22222 floralwhite fffaf0 ' +
  'forestgreen 228b22 fuchsia ff00ff gainsboro dcdcdc ghostwhite f8f8ff gold ffd700 ' +
  'goldenrod daa520 gray 808080 green 008000 greenyellow adff2f grey 808080 honeydew f0fff0 ' +
  'hotpink ff69b4 indianred cd5c5c indigo 4b0082 ivory fffff0 khaki f0e68c lavender e6e6fa ' +
  'lavenderblush fff0f5 lawngreen 7cfc00 lemonchiffon fffacd lightblue add8e6 lightcoral f08080 ' +
  'lightcyan e0ffff lightgoldenrodyellow fafad2 lightgray d3d3d3 lightgreen 90ee90 lightgrey d3d3d3 ' +
  'lightpink ffb6c1 lightsalmon ffa07a lightseagreen 20b2aa lightskyblue 87cefa ' +
  'lightslategray 778899 lightslategrey 778899 lightsteelblue b0c4de lightyellow ffffe0 lime 00ff00 ' +
  'limegreen 32cd32 linen faf0e6 magenta ff00ff maroon 800000 mediumaquamarine 66cdaa ' +
  'mediumblue 0000cd mediumorchid ba55d3 mediumpurple 9370db mediumseagreen 3cb371 ' +
  'mediumslateblue 7b68ee mediumspringgreen 00fa9a mediumturquoise 48d1cc mediumvioletred c71585 ' +
  'midnightblue 191970 mintcream f5fffa mistyrose ffe4e1 moccasin ffe4b5 navajowhite ffdead ' +
  'navy 000080 oldlace fdf5e6 olive 808000 olivedrab 6b8e23 orange ffa500 orangered ff4500 ' +
  'orchid da70d6 palegoldenrod eee8aa palegreen 98fb98 paleturquoise afeeee palevioletred db7093 ' +
  'papayawhip ffefd5 peachpuff ffdab9 peru cd853f pink ffc0cb plum dda0dd powderblue b0e0e6 ' +
  'purple 800080 rebeccapurple 663399 red ff0000 rosybrown bc8f8f royalblue 4169e1 ' +
  'saddlebrown 8b4513 salmon fa8072 sandybrown f4a460 seagreen 2e8b57 seashell fff5ee sienna a0522d ' +
  'silver c0c0c0 skyblue 87ceeb slateblue 6a5acd slategray 708090 slategrey 708090 snow fffafa ' +
  'springgreen 00ff7f steelblue 4682b4 tan d2b48c teal 008080 thistle d8bfd8 tomato ff6347 ' +
  'turquoise 40e0d0 violet ee82ee wheat f5deb3 white ffffff whitesmoke f5f5f5 yellow ffff00 ' +
  'yellowgreen 9acd32 ' +
  'transparent 00000000';

let namedColors: Map<string, string> | undefined;

function named(name: string): string | undefined {
  if (!namedColors) {
    const words = NAMED.trim().split(' ');
    namedColors = new Map();
    for (let i = 0; i < words.length; i += 2) namedColors.set(words[i]!, words[i + 1]!);
  }
  return namedColors.get(name);
}

/** `rrggbb` or `rrggbbaa` hex digits to a colour. */
function fromHex(digits: string): ParsedColor {
  const alpha = digits.length === 8 ? parseInt(digits.slice(6), 16) / 255 : 1;
  return { hex: `#${digits.slice(0, 6)}`, opacity: alpha };
}

const NUMBER = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?`;
const FUNCTIONAL = new RegExp(String.raw`^rgba?\(\s*(${NUMBER}%?)\s*[,\s]\s*(${NUMBER}%?)\s*[,\s]\s*(${NUMBER}%?)\s*(?:[,/]\s*(${NUMBER}%?)\s*)?\)$`, 'i');

/** A channel (0-255, or a percentage) or alpha (0-1, or a percentage) value, or undefined when out of range. */
function component(text: string, max: number): number | undefined {
  const value = text.endsWith('%') ? (Number(text.slice(0, -1)) / 100) * max : Number(text);
  return value >= 0 && value <= max ? value : undefined;
}

function fromFunctional(match: RegExpExecArray): ParsedColor | undefined {
  const channels = match.slice(1, 4).map((text) => component(text!, 255));
  const alpha = match[4] === undefined ? 1 : component(match[4], 1);
  if (alpha === undefined || channels.some((c) => c === undefined)) return undefined;
  const hex = channels.map((c) => Math.round(c!).toString(16).padStart(2, '0')).join('');
  return { hex: `#${hex}`, opacity: alpha };
}

/**
 * Parses a CSS colour: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`/`rgba()` with channels
 * 0-255 (or percentages) and alpha 0-1 (or a percentage), comma- or space-separated, or one of the
 * CSS colour names. Case and surrounding spaces do not matter. Out-of-range values are refused
 * rather than clamped, since they are almost always a mistake.
 *
 * @returns The colour, or `undefined` when `text` is none of these.
 */
export function parseCssColor(text: unknown): ParsedColor | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const color = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(color)?.[1];
  if (hex !== undefined) return fromHex(hex.length <= 4 ? [...hex].map((d) => d + d).join('') : hex);
  const functional = FUNCTIONAL.exec(color);
  if (functional) return fromFunctional(functional);
  const value = named(color);
  return value === undefined ? undefined : fromHex(value);
}
