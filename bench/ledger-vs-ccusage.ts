/**
 * Benchmark: quartet's ledger against ccusage (`ccusage daily --json`, the native binary) on the same
 * Claude Code corpus, in the same run. Prints wall time and peak RSS for each, and the ratios the Layer 1
 * targets are stated in: cold ingest + report ≤ 1.0× ccusage, a second run with no new data ≤ 0.1×,
 * peak RSS ≤ 300 MB.
 *
 *   npx tsx bench/generate-claude-corpus.ts --out bench/.corpus --size-mb 565
 *   npm run build && npx tsx bench/ledger-vs-ccusage.ts [--home bench/.corpus] [--runs 3]
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { CCUSAGE, envFor, measure, median, QUARTET, ROOT, tempDir, type Measured } from "./lib.js";

const { values } = parseArgs({ options: { home: { type: "string" }, runs: { type: "string", default: "3" } } });
const home = path.resolve(values.home ?? path.join(ROOT, "bench", ".corpus"));
const projects = path.join(home, ".claude", "projects");
if (!fs.existsSync(projects)) throw new Error(`no corpus at ${projects}: run bench/generate-claude-corpus.ts first`);
const runs = Number(values.runs);

// Corpus size, and one pass over it so that both tools start from a warm page cache.
let bytes = 0;
let lines = 0;
let files = 0;
for (const f of fs.readdirSync(projects, { recursive: true }).map(String)) {
  if (!f.endsWith(".jsonl")) continue;
  const buf = fs.readFileSync(path.join(projects, f));
  bytes += buf.length;
  files++;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++;
}

const empty = tempDir("quartet-bench-empty-home-");
const ccEnv = envFor(empty, { CLAUDE_CONFIG_DIR: path.join(home, ".claude") });
const results: { ccusage: Measured[]; cold: Measured[]; warm: Measured[] } = { ccusage: [], cold: [], warm: [] };
for (let i = 0; i < runs; i++) {
  results.ccusage.push(await measure([CCUSAGE, "daily", "--json", "--offline"], ccEnv));
  const data = tempDir("quartet-bench-data-");
  const qEnv = envFor(empty, { QUARTET_HOME: data });
  const args = [...QUARTET, "usage", "--by", "day", "--json", "--no-progress", "--home", home];
  results.cold.push(await measure(args, qEnv));
  results.warm.push(await measure(args, qEnv));
  fs.rmSync(data, { recursive: true, force: true });
}

const t = (xs: Measured[]) => median(xs.map((x) => x.seconds));
const rss = (xs: Measured[]) => Math.max(...xs.map((x) => x.peakRssMb));
const cc = t(results.ccusage);
const rows = [
  ["ccusage daily --json (every run re-parses)", t(results.ccusage), rss(results.ccusage), 1, ""],
  ["quartet usage --json, cold (ingest + report)", t(results.cold), rss(results.cold), t(results.cold) / cc, "target ≤ 1.0×"],
  ["quartet usage --json, second run, no new data", t(results.warm), rss(results.warm), t(results.warm) / cc, "target ≤ 0.1×"],
] as const;
console.log(
  `corpus: ${files} files, ${lines.toLocaleString("en-US")} lines, ${(bytes / 1024 / 1024).toFixed(1)} MiB; ${runs} runs each, median wall time, highest peak RSS`,
);
console.log("| run | wall time (s) | peak RSS (MB) | × ccusage | target |");
console.log("| --- | ---: | ---: | ---: | --- |");
for (const [name, secs, mb, ratio, target] of rows)
  console.log(`| ${name} | ${secs.toFixed(2)} | ${mb.toFixed(0)} | ${ratio.toFixed(2)} | ${target} |`);
console.log(
  `all runs (s): ccusage ${results.ccusage.map((m) => m.seconds.toFixed(2)).join(", ")}; cold ${results.cold.map((m) => m.seconds.toFixed(2)).join(", ")}; warm ${results.warm.map((m) => m.seconds.toFixed(2)).join(", ")}`,
);
