/**
 * How wide a line of chart text will be, known before any browser lays it out: the static SVG charts place
 * their labels when the HTML is written, so they measure with the advance widths of DejaVu Sans, Debian's
 * default sans-serif. It is wider than Helvetica, Arial, SF and Segoe UI, so a label that fits by this
 * measure fits wherever the page is opened.
 */

/** DejaVu Sans advance widths in em, for the printable ASCII characters from " " (32) to "~" (126). */
// prettier-ignore
const ASCII_EM = [
  0.32, 0.4, 0.46, 0.84, 0.64, 0.95, 0.78, 0.27, 0.39, 0.39, 0.5, 0.84, 0.32, 0.36, 0.32, 0.34, // space to /
  0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.64, 0.34, 0.34, 0.84, 0.84, 0.84, 0.53, // 0 to ?
  1.0, 0.68, 0.69, 0.7, 0.77, 0.63, 0.58, 0.77, 0.75, 0.29, 0.29, 0.66, 0.56, 0.86, 0.75, 0.79, // @ to O
  0.6, 0.79, 0.69, 0.63, 0.61, 0.73, 0.68, 0.99, 0.69, 0.61, 0.69, 0.39, 0.34, 0.39, 0.84, 0.5, // P to _
  0.5, 0.61, 0.63, 0.55, 0.63, 0.62, 0.35, 0.63, 0.63, 0.28, 0.28, 0.58, 0.28, 0.97, 0.63, 0.61, // ` to o
  0.63, 0.63, 0.41, 0.52, 0.39, 0.63, 0.59, 0.82, 0.59, 0.59, 0.52, 0.64, 0.34, 0.64, 0.84, // p to ~
];

/** East Asian wide characters and emoji take a full em (or more, drawn by a fallback font): counted as 1.1. */
function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    code >= 0x1f300
  );
}

function charEm(ch: string): number {
  const code = ch.codePointAt(0)!;
  if (code >= 32 && code <= 126) return ASCII_EM[code - 32]!;
  if (isWide(code)) return 1.1;
  // Accented letters, dashes, arrows, ×, ·: in DejaVu Sans none is wider than an M (0.86 em).
  return 0.86;
}

/** The width of `text` set at `fontSize` (in the same units: SVG user units for the charts). */
export function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) em += charEm(ch);
  return em * fontSize;
}

/** `text` whole when it is at most `max` wide, else cut to fit with an ellipsis. */
export function fitText(text: string, fontSize: number, max: number): string {
  if (textWidth(text, fontSize) <= max) return text;
  const chars = [...text];
  let width = textWidth("…", fontSize);
  let kept = 0;
  while (kept < chars.length && width + charEm(chars[kept]!) * fontSize <= max) width += charEm(chars[kept++]!) * fontSize;
  return kept === 0 ? "" : chars.slice(0, kept).join("").trimEnd() + "…";
}

/**
 * Where to centre a label `width` wide that wants its centre at `x`, so that it stays between `lo` and `hi`:
 * the first and last labels of an axis move inwards instead of being cut at the edge.
 */
export function centreWithin(x: number, width: number, lo: number, hi: number): number {
  if (width >= hi - lo) return (lo + hi) / 2;
  return Math.min(Math.max(x, lo + width / 2), hi - width / 2);
}
