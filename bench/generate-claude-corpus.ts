/**
 * Generates a synthetic Claude Code transcript corpus for benchmarks: `<out>/.claude/projects/**.jsonl`.
 *
 * Shaped like real 2.1.x transcripts: one `assistant` line per content block (thinking, text, tool_use)
 * repeating message.id, requestId and usage (a fifth as streaming partials whose output_tokens is smaller);
 * `user` tool results carrying the output twice (message.content and toolUseResult); attachments,
 * file-history snapshots, compaction boundaries, API-error and <synthetic> lines; nested subagent files.
 * File sizes follow a long tail like ccusage's real-profile fixture (p50 ≈ 100 KB, a few files of tens of MB).
 * Deterministic: the same seed and size give the same bytes. Timestamps fall in October 2026.
 *
 *   npx tsx bench/generate-claude-corpus.ts --out bench/.corpus --size-mb 560
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    out: { type: "string", default: "bench/.corpus" },
    "size-mb": { type: "string", default: "560" },
    seed: { type: "string", default: "42" },
  },
});
const OUT = path.resolve(values.out!);
const TARGET = Number(values["size-mb"]) * 1024 * 1024;

let seed = Number(values.seed) >>> 0;
function rand(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[int(0, 15)]).join("");
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;

const WORDS =
  "the of and to in is for that with on as function return const let import export from class interface type await async new this if else while for of try catch throw error value result data file path string number boolean null undefined".split(
    " ",
  );
const LINES: string[] = Array.from({ length: 4096 }, () => {
  const indent = " ".repeat(int(0, 4) * 2);
  return (
    indent + Array.from({ length: int(3, 14) }, () => pick(WORDS)).join(" ") + pick([";", "", " {", " }", ",", ' "quoted"', " // note"])
  );
});
const text = (bytes: number) => {
  const out: string[] = [];
  let n = 0;
  while (n < bytes) {
    const l = pick(LINES);
    out.push(l);
    n += l.length + 1;
  }
  return out.join("\n");
};

const MODELS = [
  ["claude-opus-4-8", 0.45],
  ["claude-sonnet-4-5-20250929", 0.35],
  ["claude-haiku-4-5-20251001", 0.12],
  ["claude-opus-4-6", 0.08],
] as const;
function model(): string {
  let r = rand();
  for (const [m, p] of MODELS) if ((r -= p) <= 0) return m;
  return MODELS[0][0];
}

/** Long-tailed session length in requests: most sessions are short, a few are very long. */
function sessionRequests(): number {
  const r = rand();
  if (r < 0.55) return int(3, 20);
  if (r < 0.85) return int(20, 60);
  if (r < 0.98) return int(60, 200);
  return int(200, 1200);
}

let written = 0;
let lines = 0;
const base = Date.UTC(2026, 9, 1);

function writeSession(dir: string, cwd: string, sessionId: string, opts: { agentId?: string; file: string }): void {
  const out: string[] = [];
  let ts = base + int(0, 30 * 86400) * 1000;
  const version = "2.1.197";
  const m = model();
  let prompt = int(14000, 26000);
  let parent: string | null = null;
  const common = () =>
    `"isSidechain":${opts.agentId ? "true" : "false"},${opts.agentId ? `"agentId":"${opts.agentId}",` : ""}"userType":"external","entrypoint":"cli","cwd":${JSON.stringify(cwd)},"sessionId":"${sessionId}","version":"${version}","gitBranch":"main"`;
  const push = (s: string) => {
    out.push(s);
    lines++;
  };
  const n = opts.agentId ? int(3, 40) : sessionRequests();
  const oneHour = rand() < 0.3;
  for (let i = 0; i < n; i++) {
    const uuid1 = uuid();
    if (i === 0 || rand() < 0.15) {
      push(
        `{"parentUuid":${parent ? `"${parent}"` : "null"},${common()},"type":"user","message":{"role":"user","content":${JSON.stringify(text(int(30, 400)))}},"uuid":"${uuid1}","timestamp":"${new Date(ts).toISOString()}","permissionMode":"default"}`,
      );
      if (i === 0)
        push(
          `{"parentUuid":"${uuid1}",${common()},"attachment":{"type":"skill_listing","content":${JSON.stringify(text(int(800, 2500)))}},"type":"attachment","uuid":"${uuid()}","timestamp":"${new Date(ts).toISOString()}"}`,
        );
      parent = uuid1;
    }
    // Manual /compact now and then, and Claude Code's auto-compaction before the prompt nears 200k tokens.
    if (rand() < 0.01 || prompt > 165_000) {
      push(
        `{"parentUuid":null,"logicalParentUuid":"${parent}",${common()},"type":"system","subtype":"compact_boundary","content":"Conversation compacted","isMeta":false,"timestamp":"${new Date(ts).toISOString()}","uuid":"${uuid()}","level":"info","compactMetadata":{"trigger":"auto","preTokens":${prompt}}}`,
      );
      prompt = int(14000, 30000);
    }
    // Idle gaps: mostly seconds, sometimes past the 5-minute TTL.
    ts += rand() < 0.04 ? int(6 * 60, 90 * 60) * 1000 : int(2, 40) * 1000;
    if (rand() < 0.004) {
      push(
        `{"parentUuid":"${parent}",${common()},"type":"assistant","uuid":"${uuid()}","timestamp":"${new Date(ts).toISOString()}","message":{"id":"${uuid()}","container":null,"model":"<synthetic>","role":"assistant","stop_reason":"stop_sequence","stop_sequence":"","type":"message","usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0},"content":[{"type":"text","text":"API Error: 529 Overloaded"}]},"error":"server_error","isApiErrorMessage":true,"apiErrorStatus":529}`,
      );
      continue;
    }
    const added = int(200, 6000);
    const broken = rand() < 0.03;
    const read = broken ? int(0, 4000) : prompt;
    const write = prompt + added - read - 3;
    const w1h = oneHour ? write : 0;
    const output = int(20, 2500);
    const msgId = `msg_01${hex(22)}`;
    const reqId = `req_011${hex(21)}`;
    const usage = (out: number) =>
      `{"input_tokens":3,"cache_creation_input_tokens":${write},"cache_read_input_tokens":${read},"output_tokens":${out},"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard","cache_creation":{"ephemeral_1h_input_tokens":${w1h},"ephemeral_5m_input_tokens":${write - w1h}},"inference_geo":"","iterations":[],"speed":"standard"}`;
    const blocks: string[] = [];
    if (rand() < 0.5) blocks.push(`{"type":"thinking","thinking":${JSON.stringify(text(int(50, 700)))},"signature":"${hex(64)}"}`);
    if (rand() < 0.7) blocks.push(`{"type":"text","text":${JSON.stringify(text(int(30, 600)))}}`);
    const tool = rand() < 0.75;
    const toolId = `toolu_01${hex(22)}`;
    if (tool) {
      const name = pick(["Read", "Bash", "Edit", "Grep", "Write"]);
      const input =
        name === "Write" || name === "Edit"
          ? `{"file_path":"${cwd}/src/${hex(6)}.ts","content":${JSON.stringify(text(int(150, 2000)))}}`
          : `{"file_path":"${cwd}/src/${hex(6)}.ts"}`;
      blocks.push(`{"type":"tool_use","id":"${toolId}","name":"${name}","input":${input}}`);
    }
    if (blocks.length === 0) blocks.push(`{"type":"text","text":"ok"}`);
    const partials = rand() < 0.2;
    blocks.forEach((b, bi) => {
      const uuid2 = uuid();
      // Claude Code 2.1 repeats the final usage on every content-block line; older versions wrote streaming
      // partials whose output_tokens is smaller on the earlier lines.
      const outTokens = bi === blocks.length - 1 || !partials ? output : Math.max(1, Math.floor(output / (blocks.length - bi + 1)));
      push(
        `{"parentUuid":"${parent}",${common()},"message":{"id":"${msgId}","type":"message","role":"assistant","model":"${m}","content":[${b}],"stop_reason":${bi === blocks.length - 1 ? `"${tool ? "tool_use" : "end_turn"}"` : "null"},"stop_sequence":null,"usage":${usage(outTokens)}},"requestId":"${reqId}","type":"assistant","uuid":"${uuid2}","timestamp":"${new Date(ts + bi * 40).toISOString()}"}`,
      );
      parent = uuid2;
    });
    if (tool) {
      const result = text(rand() < 0.03 ? int(8000, 45000) : int(120, 2000));
      const uuid3 = uuid();
      push(
        `{"parentUuid":"${parent}",${common()},"type":"user","message":{"role":"user","content":[{"tool_use_id":"${toolId}","type":"tool_result","content":${JSON.stringify(result)}}]},"uuid":"${uuid3}","timestamp":"${new Date(ts + 900).toISOString()}","toolUseResult":{"type":"text","file":{"filePath":"${cwd}/src/x.ts","content":${JSON.stringify(result)},"numLines":100,"startLine":1,"totalLines":100}},"sourceToolAssistantUUID":"${parent}"}`,
      );
      parent = uuid3;
      if (rand() < 0.08)
        push(
          `{"type":"file-history-snapshot","messageId":"${uuid()}","snapshot":{"messageId":"${uuid()}","trackedFileBackups":{"${cwd}/src/x.ts":{"backupFileName":"${hex(16)}@v2","version":2,"backupTime":"${new Date(ts).toISOString()}"}},"timestamp":"${new Date(ts).toISOString()}"},"isSnapshotUpdate":true}`,
        );
    }
    if (!tool)
      push(
        `{"parentUuid":"${parent}",${common()},"type":"system","subtype":"turn_duration","durationMs":${int(500, 90000)},"messageCount":${i + 2},"timestamp":"${new Date(ts + 1000).toISOString()}","uuid":"${uuid()}","isMeta":false}`,
      );
    prompt += added;
  }
  if (!opts.agentId) push(`{"type":"last-prompt","lastPrompt":"done","leafUuid":"${parent}","sessionId":"${sessionId}"}`);
  const data = out.join("\n") + "\n";
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, opts.file), data);
  written += Buffer.byteLength(data);
}

fs.rmSync(path.join(OUT, ".claude"), { recursive: true, force: true });
const projects = Array.from({ length: 40 }, (_, i) => `/home/dev/work/project-${i}-${hex(4)}`);
let files = 0;
while (written < TARGET) {
  const cwd = pick(projects);
  const dir = path.join(OUT, ".claude", "projects", cwd.replace(/[^A-Za-z0-9]/g, "-"));
  const sessionId = uuid();
  writeSession(dir, cwd, sessionId, { file: `${sessionId}.jsonl` });
  files++;
  const agents = rand() < 0.25 ? int(1, 4) : 0;
  for (let a = 0; a < agents; a++) {
    const agentId = `a${hex(16)}`;
    writeSession(path.join(dir, sessionId, "subagents"), cwd, sessionId, { agentId, file: `agent-${agentId}.jsonl` });
    files++;
  }
}
process.stdout.write(
  `wrote ${files} files, ${lines} lines, ${(written / 1024 / 1024).toFixed(1)} MiB under ${path.join(OUT, ".claude", "projects")}\n`,
);
