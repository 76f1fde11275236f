/**
 * Codex CLI usage logs: where the rollout files are. `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl` and
 * `$CODEX_HOME/archived_sessions/rollout-*.jsonl` (CODEX_HOME defaults to ~/.codex); when a file exists in
 * both, the active `sessions/` copy wins. The format is read by rollout.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { walkFiles } from "../../core/files.js";
import type { Warning } from "../../core/errors.js";
import { logParserModule } from "../log-parsers.js";
import type { Discovery, LogSource, SourceSpec } from "../types.js";

export function codexHome(env: Parameters<LogSource["discover"]>[0]): { path: string; origin: string; explicit: boolean } {
  const configured = env.location("CODEX_HOME");
  return configured
    ? { path: path.resolve(configured), origin: "CODEX_HOME", explicit: true }
    : { path: path.join(env.home, ".codex"), origin: "default", explicit: false };
}

export const codexLogs: LogSource = {
  discover(env): Discovery {
    const warnings: Warning[] = [];
    const home = codexHome(env);
    const isRollout = (name: string) => name.startsWith("rollout-") && name.endsWith(".jsonl");
    const active = walkFiles(path.join(home.path, "sessions"), { match: isRollout, warnings });
    const activeNames = new Set(active.map((f) => path.basename(f)));
    const archivedDir = path.join(home.path, "archived_sessions");
    const archived = walkFiles(archivedDir, { match: isRollout, warnings }).filter((f) => !activeNames.has(path.basename(f)));
    const files = [...active, ...archived];
    if (files.length === 0 && home.explicit && !fs.existsSync(home.path)) {
      warnings.push({ code: "missing-folder", message: `folder does not exist (named by ${home.origin})`, file: home.path });
    }
    const sources: SourceSpec[] = files.map((file) => ({ kind: "jsonl", runtime: "codex", path: file, parser: logParserModule("codex") }));
    return {
      sources,
      looked: [
        { runtime: "codex", path: path.join(home.path, "sessions"), origin: home.origin, found: active.length > 0 },
        { runtime: "codex", path: archivedDir, origin: home.origin, found: archived.length > 0 },
      ],
      warnings,
    };
  },
};
