/**
 * Expanding OpenCode `instructions` globs (`docs/*.md`, `rules/**\/*.md`) to the files that exist, for
 * Claude Code, which imports files one by one.
 */
import fs from "node:fs";
import path from "node:path";
import { walkFiles } from "../core/files.js";

export function hasGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/";
      re += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** Files matching `pattern` (relative to `base`, or absolute), sorted; a plain path if it exists. */
export function expandGlob(pattern: string, base: string): string[] {
  const absolute = path.isAbsolute(pattern) ? pattern : path.join(base, pattern);
  if (!hasGlob(pattern)) return fs.existsSync(absolute) ? [absolute] : [];
  const fixed = absolute.split("/").findIndex((part) => hasGlob(part));
  const root = absolute.split("/").slice(0, fixed).join("/") || "/";
  const re = globToRegExp(absolute);
  return walkFiles(root, { match: (_, file) => re.test(file), warnings: [], skipDirs: new Set(["node_modules", ".git"]) });
}
