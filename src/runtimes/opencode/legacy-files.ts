/** The legacy JSON storage's layout and cheap change detection, without reading its files. */
import fs from "node:fs";
import path from "node:path";

export function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

export function legacyFingerprint(storage: string): string {
  const dir = path.join(storage, "message");
  let newest = 0;
  const sessions = listDir(dir);
  for (const s of sessions) {
    try {
      newest = Math.max(newest, fs.statSync(path.join(dir, s)).mtimeMs);
    } catch {
      // A folder removed while listing changes the count anyway.
    }
  }
  return `${sessions.length}:${newest}`;
}

export function legacySize(storage: string): number {
  return listDir(path.join(storage, "message")).length * 4096;
}
