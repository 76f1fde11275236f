/** Claude Code's agent colours: one of eight names, nothing else. */
import { colorHex, nearestColorName, type Palette } from "../../../contract/workflow/colors.js";

/** The eight names, with the colour each shows (Tailwind's 500 shades). */
export const CLAUDE_COLORS: Palette = {
  red: "#ef4444",
  orange: "#f97316",
  yellow: "#eab308",
  green: "#22c55e",
  cyan: "#06b6d4",
  blue: "#3b82f6",
  purple: "#a855f7",
  pink: "#ec4899",
};

/** An IR colour as Claude Code's name for it: its own name, else the nearest to what the source shows. */
export function toClaudeColor(color: string, source: Palette | undefined): string | undefined {
  if (Object.hasOwn(CLAUDE_COLORS, color)) return color;
  const hex = colorHex(color, source);
  return hex === undefined ? undefined : nearestColorName(hex, CLAUDE_COLORS);
}
