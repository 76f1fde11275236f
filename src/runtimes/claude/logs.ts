/**
 * Claude Code usage logs: where the session transcripts are.
 *
 * $CLAUDE_CONFIG_DIR (a comma-separated list; it replaces the defaults), else both ~/.config/claude and
 * ~/.claude. Transcripts are `projects/<encoded cwd>/<session>.jsonl`, and subagent transcripts are nested:
 * `projects/<encoded cwd>/<session>/subagents/agent-<id>.jsonl`. The format is read by transcript.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { walkFiles } from "../../core/files.js";
import type { LookupEnv } from "../../core/paths.js";
import type { Warning } from "../../core/errors.js";
import { logParserModule } from "../log-parsers.js";
import type { Discovery, LogSource, LookedPlace, SourceSpec } from "../types.js";

function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/** The `projects` folders to read, each with the reason it is read. */
export function claudeProjectRoots(env: LookupEnv): { path: string; origin: string; explicit: boolean }[] {
  const configured = env.location("CLAUDE_CONFIG_DIR");
  if (configured) {
    return configured
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => ({ path: path.join(path.resolve(p), "projects"), origin: "CLAUDE_CONFIG_DIR", explicit: true }));
  }
  return [
    { path: path.join(env.xdgConfigHome, "claude", "projects"), origin: "default", explicit: false },
    { path: path.join(env.home, ".claude", "projects"), origin: "default", explicit: false },
  ];
}

export const claudeLogs: LogSource = {
  discover(env): Discovery {
    const warnings: Warning[] = [];
    const looked: LookedPlace[] = [];
    const sources: SourceSpec[] = [];
    const seen = new Set<string>();
    const seenRoots = new Set<string>();
    for (const root of claudeProjectRoots(env)) {
      // ~/.config/claude is often a symlink to ~/.claude: read each real folder once.
      const real = realpathOrSelf(root.path);
      if (seenRoots.has(real)) continue;
      seenRoots.add(real);
      const files = walkFiles(root.path, { match: (name) => name.endsWith(".jsonl"), warnings });
      looked.push({ runtime: "claude", path: root.path, origin: root.origin, found: files.length > 0 });
      if (files.length === 0 && root.explicit) {
        warnings.push({ code: "missing-folder", message: `no Claude Code transcripts here (named by ${root.origin})`, file: root.path });
      }
      for (const file of files) {
        if (seen.has(file)) continue;
        seen.add(file);
        sources.push({ kind: "jsonl", runtime: "claude", path: file, parser: logParserModule("claude") });
      }
    }
    return { sources, looked, warnings };
  },
};

/**
 * The transcripts of one session, named as discover() names them (the ledger remembers a source by its path):
 * the session's own file and its subagents' (`<session>/subagents/agent-<id>.jsonl`). Empty when the file is
 * not a transcript under a folder discover() reads, so reading a single session never adds a source that a
 * full report would not.
 */
export function claudeSessionSources(env: LookupEnv, transcript: string): SourceSpec[] {
  if (!path.isAbsolute(transcript) || !transcript.endsWith(".jsonl")) return [];
  // The folder's real path, the file's own name: discover() lists a symlinked transcript by its link.
  const real = path.join(realpathOrSelf(path.dirname(transcript)), path.basename(transcript));
  const seenRoots = new Set<string>();
  for (const root of claudeProjectRoots(env)) {
    const rootReal = realpathOrSelf(root.path);
    if (seenRoots.has(rootReal)) continue;
    seenRoots.add(rootReal);
    const rel = path.relative(rootReal, real);
    if (rel.startsWith("..") || path.isAbsolute(rel)) continue;
    const file = path.join(path.normalize(root.path), rel);
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return [];
    const nested = walkFiles(file.slice(0, -".jsonl".length), { match: (name) => name.endsWith(".jsonl"), warnings: [] });
    return [file, ...nested].map((p) => ({ kind: "jsonl", runtime: "claude", path: p, parser: logParserModule("claude") }));
  }
  return [];
}
