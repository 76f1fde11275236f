/** A copy of the built CLI, for tests of how bin/quartet.js loads its own files (dist/*.cjs) from a code cache. */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileTempDir, ROOT } from "./helpers.js";

/** A copy of the built CLI (bin, dist without code caches, package.json), for a test that changes its files. */
export function buildCopy(): string {
  const copy = fileTempDir("quartet-build-");
  fs.cpSync(path.join(ROOT, "bin"), path.join(copy, "bin"), { recursive: true });
  // Nor the temporary files of caches other tests are writing meanwhile (`….v8cache.<pid>.tmp`), which may vanish mid-copy.
  fs.cpSync(path.join(ROOT, "dist"), path.join(copy, "dist"), { recursive: true, filter: (f) => !f.includes(".v8cache") });
  fs.copyFileSync(path.join(ROOT, "package.json"), path.join(copy, "package.json"));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"));
  return copy;
}

/** Where bin/quartet.js keeps the V8 code cache of this file's text for this command's calls. */
export function cacheOf(file: string, command: string): string {
  return `${file}.${command}.${crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex").slice(0, 32)}.v8cache`;
}

/** The code caches bin/quartet.js has written in this copy's dist/. */
export function codeCaches(copy: string): string[] {
  return fs.readdirSync(path.join(copy, "dist")).filter((f) => f.endsWith(".v8cache"));
}
