/** A copy of the built CLI, for tests of how bin/quartet.js loads its own files (dist/*.cjs) from a code cache. */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileTempDir, ROOT } from "./helpers.js";

/**
 * A copy of the built CLI (bin, dist without code caches, package.json), for a test that changes its files. Its
 * node_modules is a link to the checkout's, or with `ownModules`, a copy of the packages the built files require
 * (for another user, who may not be allowed into the checkout).
 */
export function buildCopy(o: { ownModules?: boolean } = {}): string {
  const copy = fileTempDir("quartet-build-");
  fs.cpSync(path.join(ROOT, "bin"), path.join(copy, "bin"), { recursive: true });
  // Nor the temporary files of caches other tests are writing meanwhile (`….v8cache.<pid>.tmp`), which may vanish mid-copy.
  fs.cpSync(path.join(ROOT, "dist"), path.join(copy, "dist"), { recursive: true, filter: (f) => !f.includes(".v8cache") });
  fs.copyFileSync(path.join(ROOT, "package.json"), path.join(copy, "package.json"));
  if (o.ownModules) copyRequiredPackages(path.join(copy, "dist"), path.join(copy, "node_modules"));
  else fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"));
  return copy;
}

/** The packages the built files load by name (esbuild leaves them external), and everything they depend on. */
function copyRequiredPackages(dist: string, into: string): void {
  const byName = /\b(?:require\(|import\(|from )"([^".][^"]*)"/g;
  const wanted = fs
    .readdirSync(dist)
    .filter((f) => /\.(c?js)$/.test(f))
    .flatMap((f) => [...fs.readFileSync(path.join(dist, f), "utf8").matchAll(byName)].map((m) => m[1]!));
  const copied = new Set<string>();
  for (let name = wanted.pop(); name !== undefined; name = wanted.pop()) {
    const from = path.join(ROOT, "node_modules", name);
    // Node's own modules, and packages only some paths load that are not installed here (pg-native).
    if (copied.has(name) || name.startsWith("node:") || !fs.existsSync(path.join(from, "package.json"))) continue;
    copied.add(name);
    fs.cpSync(from, path.join(into, name), { recursive: true, dereference: true });
    const pkg = JSON.parse(fs.readFileSync(path.join(from, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    wanted.push(...Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }));
  }
}

/** Where bin/quartet.js keeps the V8 code cache of this file's text for this command's calls. */
export function cacheOf(file: string, command: string): string {
  return `${file}.${command}.${crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex").slice(0, 32)}.v8cache`;
}

/** The code caches bin/quartet.js has written in this copy's dist/. */
export function codeCaches(copy: string): string[] {
  return fs.readdirSync(path.join(copy, "dist")).filter((f) => f.endsWith(".v8cache"));
}
