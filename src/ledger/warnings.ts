/**
 * Collects per-record problems of one source: each distinct problem once, with its first few lines and a
 * count, so a file with ten thousand bad lines yields one readable warning, not ten thousand.
 */
import type { Warning } from "../core/errors.js";

/** How many line numbers a warning lists before it only counts. */
export const LINES_LISTED = 5;

export class WarningCollector {
  private readonly byKey = new Map<string, Warning>();

  constructor(private readonly file: string) {}

  add(code: string, message: string, line?: number, file: string = this.file): void {
    const key = `${file}\u0000${code}\u0000${message}`;
    const existing = this.byKey.get(key);
    if (existing) {
      existing.count = (existing.count ?? 1) + 1;
      if (line && existing.lines && existing.lines.length < LINES_LISTED) existing.lines.push(line);
      return;
    }
    this.byKey.set(key, { code, message, file, ...(line ? { line, lines: [line] } : {}), count: 1 });
  }

  list(): Warning[] {
    return [...this.byKey.values()];
  }
}
