/**
 * Expanding OpenCode `instructions` globs (`docs/*.md`, `rules/**\/*.md`, `docs/[ab].md`, `{a,b}.md`) to the
 * files that exist, for Claude Code, which imports files one by one. Matching is picomatch's, which has the
 * same syntax as the Bun glob OpenCode expands them with (classes, braces, `**`; dot files only when named).
 */
import fs from "node:fs";
import path from "node:path";
import picomatch from "picomatch";
import { walkFiles } from "./files.js";

export function hasGlob(pattern: string): boolean {
  return picomatch.scan(pattern).isGlob;
}

/** Files matching `pattern` (relative to `base`, or absolute), sorted; a plain path if it exists. */
export function expandGlob(pattern: string, base: string): string[] {
  const absolute = path.isAbsolute(pattern) ? pattern : path.join(base, pattern);
  if (!hasGlob(pattern)) return fs.existsSync(absolute) ? [absolute] : [];
  // Walk only below the part of the path that has no glob in it.
  const { base: fixed } = picomatch.scan(absolute);
  const isMatch = picomatch(absolute);
  return walkFiles(fixed || "/", { match: (_, file) => isMatch(file), warnings: [], skipDirs: new Set(["node_modules", ".git"]) });
}
