/**
 * The prefix engine on real requests: Claude Code 2.1.197 (default model), the last request of a
 * `claude -p` process and the first of the `claude -p --continue` process after it, as the lab recorded them.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../../test/helpers.js";
import { canonicalBlocks, settingsHash, type CacheableRequest } from "./blocks.js";
import { classifyBreak } from "./classify.js";
import { CacheSimulator } from "./simulator.js";

const load = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, "requests", name), "utf8")) as CacheableRequest;
const before = load("claude-before-continue.json");
const after = load("claude-after-continue.json");

describe("a real Claude Code --continue", () => {
  it("splits the request into its tools, system blocks and message blocks, with Claude Code's markers", () => {
    const blocks = canonicalBlocks(before);
    expect(blocks.filter((b) => b.section === "tools").map((b) => b.id)).toEqual(before.tools!.map((t) => `tools[${String(t.name)}]`));
    expect(blocks.filter((b) => b.section === "tools").length).toBeGreaterThan(20);
    expect(blocks.filter((b) => b.section === "system").map((b) => b.id)).toEqual(["system[0]", "system[1]", "system[2]"]);
    expect(blocks.filter((b) => b.marker).length).toBeLessThanOrEqual(4);
  });

  it("breaks the cache at tools[Bash], whose description lost '(1M context)' in the new process", () => {
    const sim = new CacheSimulator(() => Date.parse("2026-11-24T10:00:00Z"));
    const prev = canonicalBlocks(before);
    const first = sim.process(before.model, prev);
    expect(first.ok).toBe(true);
    const curr = canonicalBlocks(after);
    const second = sim.process(after.model, curr);
    // Only the tools before Bash (Agent) are still a shared prefix, and no marker is within reach of them.
    expect(second).toMatchObject({ ok: true, usage: { cacheRead: 0 } });
    const explanation = classifyBreak({
      previous: { model: before.model, blocks: prev, settings: settingsHash(before), cachedThrough: first.ok ? first.cachedThrough : -1 },
      current: { model: after.model, blocks: curr, settings: settingsHash(after), markerCount: curr.filter((b) => b.marker).length },
      expired: false,
      minCacheableTokens: 1024,
    });
    expect(explanation).toMatchObject({ cause: "tool-description-changed", block: "tools[Bash]", detail: "Bash" });
    expect(explanation.excerpt).toContain("[-(1M context) -]");
  });
});
