/**
 * Agent colours, neutrally: the IR keeps a colour as its source wrote it, `#rrggbb` or one of the source's
 * colour names. Each runtime declares its names with the `#rrggbb` each shows (`RuntimeFidelity.colors`, in
 * its own folder), so a writer turns any source's name into a colour through the source's declaration, and a
 * runtime that takes only names picks the nearest of its own.
 */

export type Palette = Readonly<Record<string, string>>;

const HEX = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i;

export function isHexColor(color: string): boolean {
  return HEX.test(color);
}

/** The colour as `#rrggbb`: itself, or what its name shows in the source runtime's palette. */
export function colorHex(color: string, source: Palette | undefined): string | undefined {
  if (isHexColor(color)) return color;
  // Own names only: `constructor` or `toString` are not colours.
  return source && Object.hasOwn(source, color) ? source[color] : undefined;
}

/** The name in `palette` whose colour is nearest to `hex` (in RGB space). */
export function nearestColorName(hex: string, palette: Palette): string | undefined {
  const rgb = hexToRgb(hex);
  if (!rgb) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const [name, value] of Object.entries(palette)) {
    const c = hexToRgb(value);
    if (!c) continue;
    const d = (c[0] - rgb[0]) ** 2 + (c[1] - rgb[1]) ** 2 + (c[2] - rgb[2]) ** 2;
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

function hexToRgb(hex: string): [number, number, number] | undefined {
  const m = HEX.exec(hex);
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : undefined;
}
