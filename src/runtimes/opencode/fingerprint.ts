/** Cheap change detection for OpenCode's database, without opening it. */
import fs from "node:fs";

/** Size and mtime of the database and its WAL: changes whenever OpenCode commits. */
export function storeFingerprint(file: string): string {
  const part = (f: string) => {
    try {
      const s = fs.statSync(f);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return "-";
    }
  };
  return `${part(file)}|${part(`${file}-wal`)}`;
}
