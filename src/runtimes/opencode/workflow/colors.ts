/** OpenCode's agent colours: `#rrggbb`, or a theme colour that follows the person's theme. */
import { colorHex, isHexColor, type Palette } from "../../../contract/workflow/colors.js";

/** The theme colours, with what each usually looks like. */
export const OPENCODE_THEME_COLORS: Palette = {
  primary: "#3b82f6",
  secondary: "#06b6d4",
  accent: "#a855f7",
  success: "#22c55e",
  warning: "#eab308",
  error: "#ef4444",
  info: "#3b82f6",
};

/** An IR colour as OpenCode takes it: hex or its own theme colour as is, another runtime's name as its hex. */
export function toOpencodeColor(color: string, source: Palette | undefined): string | undefined {
  if (isHexColor(color) || Object.hasOwn(OPENCODE_THEME_COLORS, color)) return color;
  return colorHex(color, source);
}
