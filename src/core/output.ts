/**
 * Rendering results for people (tables) and programs (JSON, CSV).
 *
 * Tables go to stdout with colour only when stdout is a TTY and NO_COLOR is unset (picocolors decides);
 * JSON and CSV never carry colour. Numbers are formatted here, once, so every command agrees.
 */
import pc from "picocolors";

export type OutputFormat = "table" | "json" | "csv";

export interface Column<Row> {
  header: string;
  /** Value for CSV and for the table cell (after `format`). */
  value: (row: Row) => string | number | null | undefined;
  format?: (value: string | number | null | undefined, row: Row) => string;
  align?: "left" | "right";
  /** Wrap the cell's text at this many characters (long explanations). */
  wrap?: number;
}

/** Renders a boxed table; the table library loads only for table output, not for JSON or CSV. */
export async function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], footer?: Row): Promise<string> {
  const { default: Table } = await import("cli-table3");
  const table = new Table({
    head: columns.map((c) => pc.bold(c.header)),
    colAligns: columns.map((c) => c.align ?? "left"),
    ...(columns.some((c) => c.wrap) ? { colWidths: columns.map((c) => (c.wrap ? c.wrap + 2 : null)), wordWrap: true } : {}),
    style: { head: [], border: [] },
    // No rule between body rows: long tables (a request's 40 blocks) stay readable on one screen.
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
  const cells = (row: Row) => columns.map((c) => (c.format ? c.format(c.value(row), row) : terminalSafe(String(c.value(row) ?? ""))));
  for (const row of rows) table.push(cells(row));
  if (footer) table.push(cells(footer).map((s) => pc.bold(s)));
  return table.toString();
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

const intFormat = new Intl.NumberFormat("en-US");

export function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined ? "" : intFormat.format(Math.round(n));
}

/** Compact token counts for narrow tables: 1.2M, 35.4k. */
export function fmtTokens(n: number | null | undefined): string {
  if (n === null || n === undefined) return "";
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return intFormat.format(Math.round(n));
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
