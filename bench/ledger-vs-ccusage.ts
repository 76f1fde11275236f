/**
 * Benchmark: quartet's ledger against ccusage (`ccusage daily --json`, the native binary) on the same
 * Claude Code corpus, in the same run. Prints wall time and peak RSS for each, and the ratios the Layer 1
 * targets are stated in: cold ingest + report ≤ 1.0× ccusage, a second run with no new data ≤ 0.1×, a
 * run after 1% new lines were appended ≤ 0.15×, peak RSS ≤ 300 MB.
 *
 *   npx tsx bench/generate-claude-corpus.ts --out bench/.corpus --size-mb 565
 *   npm run build && npx tsx bench/ledger-vs-ccusage.ts [--home bench/.corpus] [--runs 3] [--tz Europe/Berlin]
 *
 * Both tools run with TZ=UTC unless --tz names another zone: quartet recognizes UTC without loading ICU's
 * time-zone data, which a report in any other zone pays for (about 15 ms).
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { CCUSAGE, envFor, measure, median, QUARTET, ROOT, tempDir, type Measured } from "./lib.js";

const { values } = parseArgs({
  options: { home: { type: "string" }, runs: { type: "string", default: "3" }, tz: { type: "string", default: "UTC" } },
});
const TZ = values.tz;
const home = path.resolve(values.home ?? path.join(ROOT, "bench", ".corpus"));
const projects = path.join(home, ".claude", "projects");
if (!fs.existsSync(projects)) throw new Error(`no corpus at ${projects}: run bench/generate-claude-corpus.ts first`);
const runs = Number(values.runs);

// Corpus size, and one pass over it so that both tools start from a warm page cache.
const files: string[] = [];
let bytes = 0;
let lines = 0;
for (const f of fs.readdirSync(projects, { recursive: true }).map(String).sort()) {
  if (!f.endsWith(".jsonl")) continue;
  const buf = fs.readFileSync(path.join(projects, f));
  bytes += buf.length;
  files.push(path.join(projects, f));
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++;
}

/**
 * Appends about 1% of the corpus's lines as new requests, to every 50th transcript (a few sessions still
 * running), copying each one's last assistant lines with new message and request ids. Returns the undo.
 */
function appendOnePercent(): () => void {
  const chosen = files.filter((_, i) => i % 50 === 0);
  const perFile = Math.ceil((lines * 0.01) / chosen.length);
  const sizes = new Map<string, number>();
  let round = 0;
  for (const file of chosen) {
    const text = fs.readFileSync(file, "utf8");
    sizes.set(file, Buffer.byteLength(text));
    const tail = text.trimEnd().split("\n").slice(-perFile);
    round++;
    const fresh = tail.map((l) => l.replaceAll('"msg_01', `"msg_9${round % 10}`).replaceAll('"req_011', `"req_99${round % 10}`));
    fs.appendFileSync(file, fresh.join("\n") + "\n");
  }
  return () => {
    for (const [file, size] of sizes) fs.truncateSync(file, size);
  };
}

const empty = tempDir("quartet-bench-empty-home-");
const ccEnv = envFor(empty, { CLAUDE_CONFIG_DIR: path.join(home, ".claude"), TZ });
const results: Record<"ccusage" | "cold" | "warm" | "ccusageAppended" | "appended", Measured[]> = {
  ccusage: [],
  cold: [],
  warm: [],
  ccusageAppended: [],
  appended: [],
};
for (let i = 0; i < runs; i++) {
  results.ccusage.push(await measure([CCUSAGE, "daily", "--json", "--offline"], ccEnv));
  const data = tempDir("quartet-bench-data-");
  const qEnv = envFor(empty, { QUARTET_HOME: data, TZ });
  const args = [...QUARTET, "usage", "--by", "day", "--json", "--no-progress", "--home", home];
  results.cold.push(await measure(args, qEnv));
  results.warm.push(await measure(args, qEnv));
  const undo = appendOnePercent();
  try {
    results.ccusageAppended.push(await measure([CCUSAGE, "daily", "--json", "--offline"], ccEnv));
    results.appended.push(await measure(args, qEnv));
  } finally {
    undo();
  }
  fs.rmSync(data, { recursive: true, force: true });
}

const t = (xs: Measured[]) => median(xs.map((x) => x.seconds));
const rss = (xs: Measured[]) => Math.max(...xs.map((x) => x.peakRssMb));
const cc = t(results.ccusage);
const ccAppended = t(results.ccusageAppended);
const rows = [
  ["ccusage daily --json (every run re-parses)", t(results.ccusage), rss(results.ccusage), 1, ""],
  ["quartet usage --json, cold (ingest + report)", t(results.cold), rss(results.cold), t(results.cold) / cc, "≤ 1.0× (goal 0.5×)"],
  ["quartet usage --json, second run, no new data", t(results.warm), rss(results.warm), t(results.warm) / cc, "≤ 0.1× (goal 0.05×)"],
  ["ccusage daily --json after 1% new lines", ccAppended, rss(results.ccusageAppended), 1, ""],
  ["quartet usage --json after 1% new lines", t(results.appended), rss(results.appended), t(results.appended) / ccAppended, "≤ 0.15×"],
] as const;
console.log(
  `corpus: ${files.length} files, ${lines.toLocaleString("en-US")} lines, ${(bytes / 1024 / 1024).toFixed(1)} MiB; ${runs} runs each, median wall time, highest peak RSS; TZ=${TZ}`,
);
console.log("| run | wall time (s) | peak RSS (MB) | × ccusage | target |");
console.log("| --- | ---: | ---: | ---: | --- |");
for (const [name, secs, mb, ratio, target] of rows)
  console.log(`| ${name} | ${secs.toFixed(2)} | ${mb.toFixed(0)} | ${ratio.toFixed(2)} | ${target} |`);
const list = (xs: Measured[]) => xs.map((m) => m.seconds.toFixed(2)).join(", ");
console.log(
  `all runs (s): ccusage ${list(results.ccusage)}; cold ${list(results.cold)}; warm ${list(results.warm)}; ccusage after append ${list(results.ccusageAppended)}; after append ${list(results.appended)}`,
);
