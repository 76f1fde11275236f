/**
 * Rendering results for people (tables) and programs (JSON, CSV).
 *
 * Tables go to stdout with colour only when stdout is a TTY and NO_COLOR is unset (picocolors decides);
 * JSON and CSV never carry colour. Numbers are formatted here, once, so every command agrees.
 */
import pc from "picocolors";
import { positiveIntegerEnv } from "./env-number.js";

export type OutputFormat = "table" | "json" | "csv";

export interface Column<Row> {
  header: string;
  /** Value for CSV and for the table cell (after `format`). */
  value: (row: Row) => string | number | null | undefined;
  format?: (value: string | number | null | undefined, row: Row) => string;
  align?: "left" | "right";
  /** Wrap the cell's text at this many characters (long explanations). */
  wrap?: number;
  /**
   * How the cell gives way when the table is wider than the terminal: cut in the middle (paths keep both
   * ends), cut at the end (ids keep the prefix quartet accepts), or wrapped. Left-aligned text is cut at the
   * end unless told otherwise; right-aligned figures never are.
   */
  fit?: "middle" | "end" | "wrap" | "never";
  /** When cutting is not enough, columns are hidden, the highest number first; `--wide` shows them. */
  hideOrder?: number;
  /** Never cut below this width (default: the header's, and at least 10). */
  minWidth?: number;
}

let wideTables = false;

/** `--wide`: tables at their full width, whatever the terminal's. */
export function showWideTables(on: boolean): void {
  wideTables = on;
}

/** The width tables must fit: the terminal's, or $COLUMNS when not a terminal; none with `--wide`. */
export function tableWidth(): number | undefined {
  if (wideTables) return undefined;
  if (process.stdout.isTTY && process.stdout.columns) return process.stdout.columns;
  return positiveIntegerEnv("COLUMNS");
}

/** Renders a boxed table that fits `tableWidth()`; the table library loads only for table output, not for JSON or CSV. */
export async function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], footer?: Row): Promise<string> {
  const [{ default: Table }, { default: stringWidth }] = await Promise.all([import("cli-table3"), import("string-width")]);
  const cells = (row: Row) => columns.map((c) => (c.format ? c.format(c.value(row), row) : terminalSafe(String(c.value(row) ?? ""))));
  const body = rows.map(cells);
  const foot = footer ? cells(footer) : undefined;
  const all = [columns.map((c) => c.header), ...body, ...(foot ? [foot] : [])];
  const layout = fitColumns(
    columns,
    columns.map((c, i) => Math.max(...all.map((r) => widest(r[i]!, stringWidth)))),
    columns.map((c) => stringWidth(c.header)),
    tableWidth(),
  );
  const shown = columns.map((_, i) => i).filter((i) => !layout.hidden.has(i));
  const cut = (row: string[]) =>
    shown.map((i) => {
      const mode = fitMode(columns[i]!);
      return mode === "middle" || mode === "end" ? cutToWidth(row[i]!, layout.widths[i]!, mode, stringWidth) : row[i]!;
    });
  const table = new Table({
    head: cut(columns.map((c) => c.header)).map((h) => pc.bold(h)),
    colAligns: shown.map((i) => columns[i]!.align ?? "left"),
    colWidths: shown.map((i) => (fitMode(columns[i]!) === "wrap" ? layout.widths[i]! + 2 : null)),
    wordWrap: true,
    style: { head: [], border: [] },
    // No rule between body rows: long tables (a request's 40 blocks) stay readable on one screen.
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
  for (const row of body) table.push(cut(row));
  if (foot) table.push(cut(foot).map((s) => pc.bold(s)));
  const hidden = [...layout.hidden].sort((a, b) => a - b).map((i) => columns[i]!.header);
  const note =
    hidden.length > 0
      ? `\n${pc.dim(wrapWords(`Hidden to fit ${layout.limit} columns: ${hidden.join(", ")} (--wide shows every column)`, layout.limit!))}`
      : "";
  return table.toString() + note;
}

/** Text broken into lines of at most `width` characters, between words. */
function wrapWords(text: string, width: number): string {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.join("\n");
}

function fitMode<Row>(c: Column<Row>): "middle" | "end" | "wrap" | "never" {
  return c.fit ?? (c.wrap ? "wrap" : c.align === "right" ? "never" : "end");
}

/** The widest line of a cell (wrapped cells hold newlines). */
function widest(text: string, stringWidth: (s: string) => number): number {
  return Math.max(0, ...text.split("\n").map((l) => stringWidth(l)));
}

/**
 * Column widths for a table no wider than `limit`: text columns give way first, the widest first and never
 * below their header (or 10); if that is not enough, columns are hidden by `hideOrder`.
 */
export function fitColumns<Row>(
  columns: readonly Column<Row>[],
  natural: readonly number[],
  headers: readonly number[],
  limit: number | undefined,
): { widths: number[]; hidden: Set<number>; limit: number | undefined } {
  const hidden = new Set<number>();
  for (;;) {
    const widths = natural.map((n, i) => Math.min(n, fitMode(columns[i]!) === "wrap" ? (columns[i]!.wrap ?? n) : n));
    if (limit === undefined) return { widths, hidden, limit };
    const shown = widths.map((_, i) => i).filter((i) => !hidden.has(i));
    // cli-table3 draws "│ a │ b │": three characters per column and one more.
    let excess = shown.reduce((sum, i) => sum + widths[i]!, 0) + 3 * shown.length + 1 - limit;
    const floor = (i: number) =>
      Math.min(widths[i]!, columns[i]!.minWidth ?? Math.max(headers[i]!, fitMode(columns[i]!) === "wrap" ? 20 : 10));
    const flexible = shown.filter((i) => fitMode(columns[i]!) !== "never");
    while (excess > 0) {
      const widest = flexible.filter((i) => widths[i]! > floor(i)).sort((a, b) => widths[b]! - widths[a]!)[0];
      if (widest === undefined) break;
      widths[widest]!--;
      excess--;
    }
    if (excess <= 0) return { widths, hidden, limit };
    const next = shown
      .filter((i) => columns[i]!.hideOrder !== undefined)
      .sort((a, b) => columns[b]!.hideOrder! - columns[a]!.hideOrder!)[0];
    // Nothing left to hide: the table is as narrow as it can be, and the terminal wraps it.
    if (next === undefined) return { widths, hidden, limit };
    hidden.add(next);
  }
}

/** `text` cut to `width` display columns with "…", at its end or in its middle; colour is dropped from a cut cell. */
export function cutToWidth(text: string, width: number, where: "middle" | "end", stringWidth: (s: string) => number): string {
  if (stringWidth(text) <= width) return text;
  const plain = [...text.replace(/\x1b\[[0-9;]*m/g, "")];
  const take = (chars: string[], room: number) => {
    const out: string[] = [];
    let used = 0;
    for (const ch of chars) {
      const w = stringWidth(ch);
      if (used + w > room) break;
      out.push(ch);
      used += w;
    }
    return out;
  };
  if (where === "end") return take(plain, width - 1).join("") + "…";
  const head = take(plain, Math.ceil((width - 1) / 2));
  const tail = take([...plain].reverse(), Math.floor((width - 1) / 2)).reverse();
  return head.join("") + "…" + tail.join("");
}

/**
 * Text from users, agents or files (titles, comments, file names), made safe to print on a terminal: escape
 * sequences (colors, titles, cursor moves, OSC 52 clipboard writes) and other control characters are
 * removed, so printed text can never drive the terminal. Newlines stay when `multiline`.
 */
export function terminalSafe(text: string, o: { multiline?: boolean } = {}): string {
  const noSequences = text
    // CSI (ESC [ … final byte), OSC (ESC ] … BEL or ESC \), and the two-byte escapes.
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "")
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)?/g, "")
    .replace(/\x1b[@-_]?/g, "")
    .replace(/\x9b[0-?]*[ -/]*[@-~]/g, "");
  return noSequences.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => (c === "\n" ? (o.multiline ? "\n" : " ") : c === "\t" ? " " : ""));
}

export function renderCsv<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvField(c.value(row))).join(","));
  return lines.join("\n") + "\n";
}

function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return "";
  // Sums of dollars carry floating-point noise (0.17471894999999998); CSV gets the rounding JSON gets.
  const s = typeof v === "number" && !Number.isInteger(v) ? String(round6(v)) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rounds money and ratios for JSON output: floating-point sums otherwise differ in the 15th digit. */
export function round6(n: number): number;
export function round6(n: number | null): number | null;
export function round6(n: number | null): number | null {
  return n === null ? null : Math.round(n * 1e6) / 1e6;
}

export function renderJson(data: unknown): string {
  return JSON.stringify(data, null, 2) + "\n";
}

let intFormat: Intl.NumberFormat | undefined;
/** Made on first use: creating it loads the locale data (about 15 ms), which a command that prints no number never needs. */
const grouped = (n: number) => (intFormat ??= new Intl.NumberFormat("en-US")).format(Math.round(n));

export function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined ? "" : grouped(n);
}

/** Compact token counts for narrow tables: 1.2M, 35.4k. */
export function fmtTokens(n: number | null | undefined): string {
  if (n === null || n === undefined) return "";
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return grouped(n);
}

/** Dollars; null means the price is unknown and is shown as such, never as $0. */
export function fmtUsd(n: number | null | undefined): string {
  if (n === null || n === undefined) return "unknown";
  if (n !== 0 && Math.abs(n) < 0.01) return `$${n.toFixed(4)}`;
  return `$${n.toFixed(2)}`;
}

/** A count with its noun, singular for one: "1 break", "3 breaks" (nouns that add "s"). */
export function plural(n: number, noun: string): string {
  return `${fmtInt(n)} ${n === 1 ? noun : `${noun}s`}`;
}

export function fmtPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return "–";
  return `${(ratio * 100).toFixed(1)}%`;
}

export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, "0")}m`;
}

export const colors = pc;
