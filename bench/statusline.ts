/**
 * Benchmark: `quartet statusline` against `ccusage statusline` (its native binary) on the same Claude Code
 * corpus, in the same run, called as Claude Code calls them: the session's JSON on stdin, once with nothing new
 * and once after each new assistant message (a request appended to the session's transcript). quartet reads a
 * warm ledger (one `quartet usage` first); ccusage keeps its own cache, which a changed transcript invalidates.
 * Prints p50 and p95 wall time per variant, the ratio to ccusage, and Node's own start-up for scale. Target:
 * quartet p95 under 100 ms on a warm ledger.
 *
 *   npx tsx bench/generate-claude-corpus.ts --out bench/.corpus --size-mb 565
 *   npm run build && npx tsx bench/statusline.ts [--home bench/.corpus] [--runs 40] [--peer-runs 5] [--bin <quartet.js>]
 *
 * The corpus is not changed: the benchmark reads a linked copy and appends only to its own copy of one file.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { CCUSAGE, envFor, median, QUARTET, ROOT, tempDir } from "./lib.js";

const { values } = parseArgs({
  options: {
    home: { type: "string" },
    runs: { type: "string", default: "40" },
    "peer-runs": { type: "string", default: "5" },
    // Another build of quartet (a copy of bin/ and dist/), for measuring while dist/ is being rebuilt.
    bin: { type: "string" },
  },
});
const corpus = path.resolve(values.home ?? path.join(ROOT, "bench", ".corpus"));
if (!fs.existsSync(path.join(corpus, ".claude", "projects")))
  throw new Error(`no corpus at ${corpus}: run bench/generate-claude-corpus.ts first`);
const runs = Number(values.runs);
const peerRuns = Number(values["peer-runs"]);

// A home of hard links to the corpus, with the session's transcript a real copy: appending to it leaves the corpus alone.
const home = tempDir("quartet-bench-statusline-home-");
execFileSync("cp", ["-al", path.join(corpus, ".claude"), path.join(home, ".claude")]);
const projects = path.join(home, ".claude", "projects");
const transcripts = fs
  .readdirSync(projects, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith(".jsonl") && !f.includes("subagents"))
  .map((f) => path.join(projects, f))
  .sort((a, b) => fs.statSync(a).size - fs.statSync(b).size);
// A long session: the 90th percentile by size.
const transcript = transcripts[Math.floor(transcripts.length * 0.9)]!;
fs.copyFileSync(transcript, `${transcript}.copy`);
fs.renameSync(`${transcript}.copy`, transcript);
const lines = fs.readFileSync(transcript, "utf8").trimEnd().split("\n");
const template = JSON.parse(lines.findLast((l) => l.includes('"type":"assistant"') && l.includes('"usage"'))!);
const sessionId: string = template.sessionId;
const stdin = JSON.stringify({
  hook_event_name: "Status",
  session_id: sessionId,
  transcript_path: transcript,
  cwd: template.cwd,
  model: { id: template.message.model, display_name: "Opus" },
  workspace: { current_dir: template.cwd, project_dir: template.cwd },
  version: "2.1.197",
  cost: { total_cost_usd: 0, total_duration_ms: 0, total_api_duration_ms: 0, total_lines_added: 0, total_lines_removed: 0 },
});

let appended = 0;
/** Writes one new assistant message to the session, stamped now, as Claude Code would before calling the status line. */
function newMessage(): void {
  appended++;
  const line = {
    ...template,
    uuid: `bench-${appended}`,
    timestamp: new Date().toISOString(),
    requestId: `req_bench_${appended}`,
    message: { ...template.message, id: `msg_bench_${appended}` },
  };
  fs.appendFileSync(transcript, JSON.stringify(line) + "\n");
}

/** Wall time of one call, from spawn to exit, with the JSON on stdin. */
async function call(cmd: readonly string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(cmd[0]!, cmd.slice(1), { env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  child.stdin.end(stdin);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (${code}): ${stderr.slice(-2000)}`);
  return { ms, stdout };
}

const data = tempDir("quartet-bench-statusline-data-");
const qEnv = envFor(home, { QUARTET_HOME: data });
const ccEnv = envFor(tempDir("quartet-bench-empty-home-"), { CLAUDE_CONFIG_DIR: path.join(home, ".claude") });
const QUARTET_BIN = values.bin ? [process.execPath, path.resolve(values.bin)] : QUARTET;
const quartet = [...QUARTET_BIN, "statusline"];
// ccusage computes the session's cost from the logs too, as quartet does (by default it shows Claude Code's own figure).
const ccusage = [CCUSAGE, "statusline", "--offline", "--cost-source", "ccusage"];

const warmStarted = performance.now();
execFileSync(QUARTET_BIN[0]!, [...QUARTET_BIN.slice(1), "usage", "--json", "--no-progress"], { env: qEnv, stdio: "ignore" });
const warmSeconds = (performance.now() - warmStarted) / 1000;
// A first message and a first call of each, so every variant below starts from a block in progress and warm caches.
newMessage();
const sample = await call(quartet, qEnv);
const peerSample = await call(ccusage, ccEnv);

const times: Record<"node" | "unchanged" | "appended" | "peerUnchanged" | "peerAppended", number[]> = {
  node: [],
  unchanged: [],
  appended: [],
  peerUnchanged: [],
  peerAppended: [],
};
try {
  for (let i = 0; i < runs; i++) {
    times.node.push((await call([process.execPath, "-e", "0"], qEnv)).ms);
    times.unchanged.push((await call(quartet, qEnv)).ms);
    newMessage();
    times.appended.push((await call(quartet, qEnv)).ms);
    if (i < peerRuns) {
      times.peerUnchanged.push((await call(ccusage, ccEnv)).ms);
      newMessage();
      times.peerAppended.push((await call(ccusage, ccEnv)).ms);
    }
  }
} finally {
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(data, { recursive: true, force: true });
}

/** Nearest-rank percentile. */
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)]!;
const row = (name: string, xs: number[], peer?: number[]) => {
  const ratio = peer ? `${(median(xs) / median(peer)).toFixed(3)} / ${(pct(xs, 95) / pct(peer, 95)).toFixed(3)}` : "";
  return `| ${name} | ${xs.length} | ${median(xs).toFixed(0)} | ${pct(xs, 95).toFixed(0)} | ${Math.max(...xs).toFixed(0)} | ${ratio} |`;
};
const files = fs.readdirSync(path.join(corpus, ".claude", "projects"), { recursive: true }).filter((f) => String(f).endsWith(".jsonl"));
console.log(
  `corpus: ${corpus} (${files.length} transcripts); session: ${path.basename(transcript)} (${lines.length.toLocaleString("en-US")} lines); warm-up ingest ${warmSeconds.toFixed(2)} s`,
);
console.log(`quartet: ${sample.stdout.trim()}`);
console.log(`ccusage: ${peerSample.stdout.trim()}`);
console.log("| call | runs | p50 (ms) | p95 (ms) | max (ms) | × ccusage (p50 / p95) |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
console.log(row("node -e 0 (Node's start-up alone)", times.node));
console.log(row("quartet statusline, nothing new", times.unchanged, times.peerUnchanged));
console.log(row("quartet statusline, after a new message", times.appended, times.peerAppended));
console.log(row("ccusage statusline, nothing new (its cache)", times.peerUnchanged));
console.log(row("ccusage statusline, after a new message", times.peerAppended));
console.log(
  `target: quartet p95 < 100 ms on a warm ledger: ${Math.max(pct(times.unchanged, 95), pct(times.appended, 95)) < 100 ? "met" : "NOT met"}`,
);
