#!/usr/bin/env node
/**
 * Writes test/durations.json from the durations vitest cached in the last run (node_modules/.vite/vitest):
 * seconds per end-to-end file. vitest.config.ts starts the longest files first from it on a fresh clone
 * (CI), where vitest knows no durations. Refresh it after a full `npm test` when files come or change a lot.
 */
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const cacheRoot = path.join(root, "node_modules", ".vite", "vitest");
const caches = fs.existsSync(cacheRoot)
  ? fs
      .readdirSync(cacheRoot)
      .map((d) => path.join(cacheRoot, d, "results.json"))
      .filter((f) => fs.existsSync(f))
  : [];
if (caches.length === 0) {
  console.error(`no vitest results under ${cacheRoot}: run npm test first`);
  process.exit(1);
}
const newest = caches.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
const { results } = JSON.parse(fs.readFileSync(newest, "utf8"));
const seconds = Object.fromEntries(
  results
    .map(([key, r]) => [key.slice(key.indexOf(":") + 1), Math.round((r.duration ?? 0) / 1000)])
    .filter(([file]) => file.startsWith("test/") && fs.existsSync(path.join(root, file)))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
);
fs.writeFileSync(path.join(root, "test", "durations.json"), `${JSON.stringify(seconds, null, 2)}\n`);
console.log(`test/durations.json: ${Object.keys(seconds).length} files, from ${newest}`);
