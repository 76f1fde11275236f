/**
 * OpenCode usage logs: its SQLite database(s) and, for installs older than 1.2, its JSON storage.
 *
 * Where: `$OPENCODE_DB` if set; otherwise `opencode.db` and every `opencode-<channel>.db` under
 * `$XDG_DATA_HOME/opencode` (default ~/.local/share/opencode), plus `storage/` there for legacy installs.
 */
import fs from "node:fs";
import path from "node:path";
import type { Warning } from "../../core/errors.js";
import type { Discovery, LogSource, LookedPlace, SourceSpec } from "../types.js";
import { legacyFingerprint, legacySize } from "./legacy-files.js";
import { storeFingerprint } from "./fingerprint.js";

function sizeOf(file: string): number {
  let total = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      total += fs.statSync(f).size;
    } catch {
      // Missing WAL: nothing to add.
    }
  }
  return total;
}

function databaseSource(file: string): SourceSpec {
  return {
    kind: "store",
    runtime: "opencode",
    path: file,
    fingerprint: () => storeFingerprint(file),
    size: () => sizeOf(file),
    // The reader (and its JSON schemas) loads only when the database changed.
    read: async (ctx) => (await import("./database.js")).readDatabase(file, ctx as never),
  };
}

export const opencodeLogs: LogSource = {
  discover(env): Discovery {
    const warnings: Warning[] = [];
    const looked: LookedPlace[] = [];
    const sources: SourceSpec[] = [];
    const dataDir = path.join(env.xdgDataHome, "opencode");
    const explicit = env.location("OPENCODE_DB");
    if (explicit) {
      const file = path.isAbsolute(explicit) ? explicit : path.join(dataDir, explicit);
      const found = fs.existsSync(file);
      looked.push({ runtime: "opencode", path: file, origin: "OPENCODE_DB", found });
      if (found) sources.push(databaseSource(file));
      else warnings.push({ code: "missing-file", message: "database does not exist (named by OPENCODE_DB)", file });
    } else {
      let names: string[] = [];
      try {
        names = fs
          .readdirSync(dataDir)
          .filter((n) => n === "opencode.db" || /^opencode-[^/]+\.db$/.test(n))
          .sort();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "ENOENT") warnings.push({ code: "unreadable-folder", message: `cannot read folder: ${code}`, file: dataDir });
      }
      looked.push({ runtime: "opencode", path: path.join(dataDir, "opencode.db"), origin: "default", found: names.length > 0 });
      for (const name of names) sources.push(databaseSource(path.join(dataDir, name)));
    }
    const storage = path.join(dataDir, "storage");
    const hasLegacy = fs.existsSync(path.join(storage, "message"));
    looked.push({ runtime: "opencode", path: storage, origin: "legacy (before 1.2)", found: hasLegacy });
    if (hasLegacy) {
      sources.push({
        kind: "store",
        runtime: "opencode",
        path: storage,
        fingerprint: () => legacyFingerprint(storage),
        size: () => legacySize(storage),
        read: async (ctx) => (await import("./legacy.js")).readLegacy(storage, ctx),
      });
    }
    return { sources, looked, warnings };
  },
};
