/**
 * Compares quartet's totals per model with ccusage's on the same home folder: token counts must be equal,
 * and costs within 1% where both price at list prices (ccusage takes OpenCode's own reported cost, so
 * OpenCode-only models are compared on tokens).
 *
 *   npx tsx bench/compare-ccusage.ts --home bench/.corpus     # the benchmark corpus (Claude Code)
 *   npx tsx bench/compare-ccusage.ts --fixtures               # the recorded fixtures of all three runtimes
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { CCUSAGE, envFor, measure, QUARTET, ROOT, tempDir } from "./lib.js";

const { values } = parseArgs({ options: { home: { type: "string" }, fixtures: { type: "boolean" } } });

function fixtureHome(): string {
  const home = tempDir("quartet-compare-");
  const fx = path.join(ROOT, "test", "fixtures");
  fs.cpSync(path.join(fx, "claude", "projects"), path.join(home, ".claude", "projects"), { recursive: true });
  fs.cpSync(path.join(fx, "opencode"), path.join(home, ".local", "share", "opencode"), { recursive: true });
  fs.cpSync(path.join(fx, "codex"), path.join(home, ".codex"), { recursive: true });
  return home;
}

const home = values.fixtures ? fixtureHome() : path.resolve(values.home ?? path.join(ROOT, "bench", ".corpus"));
if (!fs.existsSync(home)) throw new Error(`${home} does not exist (generate it with bench/generate-claude-corpus.ts)`);

interface Totals {
  input: number;
  cacheWrite: number;
  cacheRead: number;
  output: number;
  cost: number;
}

const cc = JSON.parse((await measure([CCUSAGE, "daily", "--json", "--offline"], envFor(home))).stdout) as {
  daily: {
    modelBreakdowns: {
      modelName: string;
      inputTokens: number;
      outputTokens: number;
      cacheCreationTokens: number;
      cacheReadTokens: number;
      cost: number;
    }[];
  }[];
};
const ccByModel = new Map<string, Totals>();
for (const day of cc.daily) {
  for (const m of day.modelBreakdowns) {
    const t = ccByModel.get(m.modelName) ?? { input: 0, cacheWrite: 0, cacheRead: 0, output: 0, cost: 0 };
    t.input += m.inputTokens;
    t.cacheWrite += m.cacheCreationTokens;
    t.cacheRead += m.cacheReadTokens;
    t.output += m.outputTokens;
    t.cost += m.cost;
    ccByModel.set(m.modelName, t);
  }
}

const q = JSON.parse(
  (
    await measure(
      [...QUARTET, "usage", "--by", "model", "--json", "--home", home, "--no-progress"],
      envFor(home, { QUARTET_HOME: tempDir("quartet-compare-data-") }),
    )
  ).stdout,
) as {
  rows: {
    key: string;
    runtime: string;
    inputTokens: number;
    cacheWriteTokens: number;
    cacheReadTokens: number;
    outputTokens: number;
    knownCostUsd: number;
  }[];
};
const qByModel = new Map<string, Totals & { runtimes: string }>(
  q.rows.map((r) => [
    r.key,
    {
      input: r.inputTokens,
      cacheWrite: r.cacheWriteTokens,
      cacheRead: r.cacheReadTokens,
      output: r.outputTokens,
      cost: r.knownCostUsd,
      runtimes: r.runtime,
    },
  ]),
);

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`home: ${home}`);
console.log(`${"model".padEnd(30)} ${"field".padEnd(11)} ${pad("quartet", 16)} ${pad("ccusage", 16)}  result`);
let failures = 0;
for (const model of [...new Set([...ccByModel.keys(), ...qByModel.keys()])].sort()) {
  const a = qByModel.get(model);
  const b = ccByModel.get(model);
  for (const field of ["input", "cacheWrite", "cacheRead", "output"] as const) {
    const ok = a?.[field] === b?.[field];
    if (!ok) failures++;
    console.log(
      `${model.padEnd(30)} ${field.padEnd(11)} ${pad(a?.[field] ?? "-", 16)} ${pad(b?.[field] ?? "-", 16)}  ${ok ? "equal" : "DIFFERENT"}`,
    );
  }
  // ccusage prices OpenCode requests with OpenCode's own reported cost: compare list prices only elsewhere.
  const listPriceOnly = a !== undefined && !a.runtimes.includes("opencode");
  if (a && b && listPriceOnly) {
    const diff = b.cost === 0 ? (a.cost === 0 ? 0 : 1) : Math.abs(a.cost - b.cost) / b.cost;
    const ok = diff <= 0.01;
    if (!ok) failures++;
    console.log(
      `${model.padEnd(30)} ${"cost USD".padEnd(11)} ${pad(a.cost.toFixed(4), 16)} ${pad(b.cost.toFixed(4), 16)}  ${(diff * 100).toFixed(3)}% ${ok ? "within 1%" : "OVER 1%"}`,
    );
  }
}
console.log(failures === 0 ? "\nall token totals equal; costs within 1%" : `\n${failures} differences`);
process.exitCode = failures === 0 ? 0 : 1;
