/**
 * File-system helpers shared by the log readers: a recursive walk that reports unreadable folders
 * instead of failing, and atomic writes (temp file + rename) for everything quartet writes.
 */
import fs from "node:fs";
import path from "node:path";
import type { Warning } from "./errors.js";

export interface WalkOptions {
  /** Keep a file when this returns true (called with the file name and its path). */
  match(name: string, file: string): boolean;
  warnings: Warning[];
  /** Folder names not to descend into. */
  skipDirs?: ReadonlySet<string>;
}

/** All matching files under `root`, sorted for a stable order. Symlinked folders are not followed. */
export function walkFiles(root: string, options: WalkOptions): string[] {
  const out: string[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== "ENOENT") {
        options.warnings.push({ code: "unreadable-folder", message: `cannot read folder: ${err.code ?? err.message}`, file: dir });
      }
      continue;
    }
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!options.skipDirs?.has(entry.name)) stack.push(file);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && options.match(entry.name, file)) {
        out.push(file);
      }
    }
  }
  return out.sort();
}

export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Writes a file atomically: a reader sees the old content or the new, never half of it. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
