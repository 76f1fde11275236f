/**
 * Collects per-record problems of one source: each distinct problem once, with its first few lines and a
 * count, so a file with ten thousand bad lines yields one readable warning, not ten thousand. Lines whose
 * problem differs only in the offending value (a token count of 1.5 here, 2.5 there) are one problem.
 */
import type { Warning } from "../core/errors.js";

/** How many line numbers a warning lists before it only counts. */
export const LINES_LISTED = 5;
/** How much of an offending value a warning shows: enough to recognize it, never a whole pasted file. */
const VALUE_SHOWN = 80;

export class WarningCollector {
  private readonly byKey = new Map<string, { warning: Warning; shown: string }>();

  constructor(private readonly file: string) {}

  /** `value` is what was wrong, shown after the message: the first line's, and a note when others differ. */
  add(code: string, message: string, line?: number, o: { file?: string; value?: unknown } = {}): void {
    const file = o.file ?? this.file;
    const shown = "value" in o ? `${message}: ${showValue(o.value)}` : message;
    const key = `${file}\u0000${code}\u0000${message}`;
    const existing = this.byKey.get(key);
    if (existing) {
      const w = existing.warning;
      w.count = (w.count ?? 1) + 1;
      if (line && w.lines && w.lines.length < LINES_LISTED) w.lines.push(line);
      if (shown !== existing.shown) w.message = `${existing.shown} (and other values)`;
      return;
    }
    this.byKey.set(key, { warning: { code, message: shown, file, ...(line ? { line, lines: [line] } : {}), count: 1 }, shown });
  }

  list(): Warning[] {
    return [...this.byKey.values()].map((e) => e.warning);
  }
}

function showValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > VALUE_SHOWN ? `${text.slice(0, VALUE_SHOWN - 1)}…` : text;
}
