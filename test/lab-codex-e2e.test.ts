/**
 * The lab end to end with the real pinned Codex CLI (@openai/codex 0.169.0), driven offline against the lab
 * endpoint's OpenAI Responses API on the built-in 6-turn scenario: `codex exec`, then `codex exec resume`
 * on the same thread for each later turn.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { round6 } from "../src/core/output.js";
import { cacheableTokens } from "../src/prefix/openai-cache.js";
import { labRun, type LabResult } from "./lab.js";
import { testLedger } from "./ledger.js";

let lab: LabResult;
beforeAll(async () => {
  lab = await labRun(["--scenario", "explore-edit-test", "--runtime", "codex"]);
}, 120_000);

const codexRun = () => lab.run.runtimes.find((r) => r.runtime === "codex")!;
const summary = () => lab.report.runtimes.find((r) => r.runtime === "codex")!;

describe("quartet lab run --runtime codex", () => {
  it("runs all six turns on one Codex thread, through the scripted shell commands and patch", () => {
    expect(lab.cli.code, lab.cli.stderr).toBe(0);
    expect(codexRun().turns.map((t) => t.ok)).toEqual([true, true, true, true, true, true]);
    const main = lab.requests("codex").filter((r) => r.kind === "main");
    expect(new Set(main.map((r) => r.turn))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    // One thread: Codex's prompt_cache_key, the same across `codex exec resume`.
    expect(new Set(main.map((r) => r.session)).size).toBe(1);
    expect(main.every((r) => r.model === "gpt-5.5" && !r.skippedActions)).toBe(true);
    expect(fs.readFileSync(path.join(codexRun().workspace, "src", "todos.js"), "utf8")).toContain("todos.find((t) => t.id === id)");
  });

  it("reads from the simulated OpenAI cache what the previous request cached, in 128-token steps", () => {
    const main = lab.requests("codex").filter((r) => r.kind === "main");
    expect(main[0]!.usage).toMatchObject({ cacheRead: 0, cacheWrite5m: 0 });
    for (const [i, r] of main.entries()) {
      if (i === 0) continue;
      // gpt-5.5 has no cache-write price: newly cached tokens are plain input.
      expect(r.usage!.cacheWrite5m).toBe(0);
      expect(r.usage!.cacheRead).toBeGreaterThanOrEqual(cacheableTokens(main[i - 1]!.promptTokens));
      expect((r.usage!.cacheRead - 1024) % 128).toBe(0);
    }
    expect(summary().breaks).toEqual([]);
  });

  it("reports the figures `quartet usage` reads from Codex's own rollout logs of the run", async () => {
    const s = summary();
    const ledger = testLedger(codexRun().home, ["codex"]);
    await ledger.ingest();
    const t = ledger.rows(
      "SELECT count(*) AS requests, sum(input_tokens) AS input, sum(cache_read_tokens) AS read, sum(cache_write_5m_tokens + cache_write_1h_tokens) AS write, sum(output_tokens) AS output, round(sum(cost_usd), 6) AS cost, round(sum(cache_tax_usd), 6) AS tax FROM usage_record",
    )[0];
    expect(t).toEqual({
      requests: s.mainRequests,
      input: s.uncachedInputTokens,
      read: s.cacheReadTokens,
      write: s.cacheWriteTokens,
      output: s.outputTokens,
      // The ledger rounds its sum to six places in SQL; the report's sum is unrounded.
      cost: round6(s.costUsd),
      tax: s.cacheTaxUsd,
    });
  });

  it("gives Codex only the dummy key, through its own model provider, in a private config", () => {
    const config = path.join(codexRun().home, ".codex", "config.toml");
    expect(fs.statSync(config).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(config, "utf8");
    expect(text).toMatch(/\[model_providers\.quartet-lab\][\s\S]*wire_api = "responses"[\s\S]*env_key = "QUARTET_LAB_API_KEY"/);
    expect(text).not.toContain(LAB_API_KEY);
    for (const r of lab.requests("codex")) {
      expect(r.headers.authorization).toBe("[redacted]");
      expect(r.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    expect(fs.readFileSync(path.join(lab.report.run.dir, "codex.requests.jsonl"), "utf8")).not.toContain(LAB_API_KEY);
  });
});
