/**
 * Agent colours: Claude Code takes one of eight names, OpenCode a `#rrggbb` or a theme colour name. Names
 * go out as fixed hex values; hex comes back as the nearest name.
 */

/** Claude Code's colour names, as hex (Tailwind's 500 shades). */
export const CLAUDE_COLORS: Readonly<Record<string, string>> = {
  red: "#ef4444",
  orange: "#f97316",
  yellow: "#eab308",
  green: "#22c55e",
  cyan: "#06b6d4",
  blue: "#3b82f6",
  purple: "#a855f7",
  pink: "#ec4899",
};

/** OpenCode's theme colours, by what they usually look like. */
const THEME_COLORS: Readonly<Record<string, string>> = {
  primary: "blue",
  secondary: "cyan",
  accent: "purple",
  success: "green",
  warning: "yellow",
  error: "red",
  info: "blue",
};

export function toOpencodeColor(color: string): string | undefined {
  if (/^#[0-9a-fA-F]{6}$/.test(color) || color in THEME_COLORS) return color;
  return CLAUDE_COLORS[color];
}

export function toClaudeColor(color: string): string | undefined {
  if (color in CLAUDE_COLORS) return color;
  if (color in THEME_COLORS) return THEME_COLORS[color];
  const rgb = hexToRgb(color);
  if (!rgb) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const [name, hex] of Object.entries(CLAUDE_COLORS)) {
    const c = hexToRgb(hex)!;
    const d = (c[0] - rgb[0]) ** 2 + (c[1] - rgb[1]) ** 2 + (c[2] - rgb[2]) ** 2;
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

function hexToRgb(hex: string): [number, number, number] | undefined {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : undefined;
}
