/** Comparing the recorded lab runs (test/fixtures/lab/runs): the built-in scenario against its variants. */
import { describe, expect, it } from "vitest";
import { PRICE_TABLE } from "../core/price-table.js";
import { buildPricing } from "../core/pricing.js";
import { recordedRun } from "../../test/lab.js";
import { compareReports } from "./compare.js";
import { reportOf } from "./report.js";

const pricing = buildPricing(PRICE_TABLE);
const report = (name: Parameters<typeof recordedRun>[0]) => reportOf(recordedRun(name), pricing);

describe("comparing two lab runs", () => {
  it("shows a pause past the TTL as a new break in each runtime, with the cost it added", () => {
    const before = report("explore");
    const after = report("pause");
    const c = compareReports(before, after);
    expect(c.differences).toEqual(["scenario: explore-edit-test → explore-edit-test-pause"]);
    for (const runtime of ["claude", "opencode"]) {
      const r = c.runtimes.find((x) => x.runtime === runtime)!;
      const a = before.runtimes.find((x) => x.runtime === runtime)!;
      const b = after.runtimes.find((x) => x.runtime === runtime)!;
      expect(r.before).toMatchObject({ costUsd: a.costUsd, promptTokens: a.promptTokens, breaks: a.breaks.length });
      expect(r.delta.costUsd).toBeCloseTo(b.costUsd! - a.costUsd!, 9);
      expect(r.delta.hitRate!).toBeLessThan(0);
      expect(r.delta.breaks).toBe(1);
      expect(r.appeared).toEqual([expect.objectContaining({ reason: "ttl-expired", turn: 3 })]);
      // Claude Code's git status break is in both runs: the same break, not a new one.
      expect(r.disappeared).toEqual([]);
    }
  });

  it("matches breaks by what broke and where: the instructions break appears, the git status one stays", () => {
    const c = compareReports(report("instructions"), report("explore"));
    const claude = c.runtimes.find((x) => x.runtime === "claude")!;
    expect(claude.disappeared).toEqual([expect.objectContaining({ reason: "instructions-changed", block: "system[2]", turn: 3 })]);
    expect(claude.appeared).toEqual([]);
  });

  it("lists a runtime that is in one run only, with no difference for it", () => {
    const c = compareReports(report("defaultModel"), report("explore"));
    expect(c.differences).toEqual(["model: default → claude-sonnet-4-5", "priced as: default → claude-sonnet-4-5"]);
    const opencode = c.runtimes.find((x) => x.runtime === "opencode")!;
    expect(opencode).toMatchObject({ before: null, delta: { costUsd: null, breaks: null }, disappeared: [] });
    expect(opencode.after).not.toBeNull();
    const claude = c.runtimes.find((x) => x.runtime === "claude")!;
    expect(claude.disappeared.map((b) => b.reason)).toEqual(["tool-description-changed"]);
  });
});
