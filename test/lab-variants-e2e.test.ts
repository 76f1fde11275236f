/**
 * The lab's variants end to end, with the real pinned runtimes: a pause past the cache TTL, and the
 * project instructions (CLAUDE.md / AGENTS.md) changed mid-session. Each built-in scenario runs through the turn
 * its change comes before (the fourth); the full six turns run in lab-e2e.test.ts.
 */
import { describe, expect, it } from "vitest";
import { labRun, scenarioThrough } from "./lab.js";

describe("quartet lab run, variants", () => {
  it("names TTL expiry after a 6-minute pause, for both runtimes", async () => {
    const r = await labRun(["--scenario", scenarioThrough("explore-edit-test-pause", 4), "--runtime", "claude,opencode"]);
    expect(r.cli.code, r.cli.stderr).toBe(0);
    for (const rt of r.report.runtimes) {
      // The pause comes before the fourth turn.
      expect(
        rt.breaks.find((b) => b.turn === 3),
        rt.runtime,
      ).toMatchObject({ cause: "ttl-expired", detail: "5m", reason: "ttl-expired", hint: expect.stringContaining("1-hour cache") });
    }
  }, 600_000);

  it("names the changed system context when CLAUDE.md / AGENTS.md change mid-session", async () => {
    const r = await labRun(["--scenario", scenarioThrough("explore-edit-test-instructions", 4), "--runtime", "claude,opencode"]);
    expect(r.cli.code, r.cli.stderr).toBe(0);
    const opencode = r.report.runtimes.find((x) => x.runtime === "opencode")!;
    // OpenCode puts AGENTS.md in its one system block.
    expect(opencode.breaks.find((b) => b.turn === 3)).toMatchObject({
      block: "system[0]",
      cause: "system-changed",
      reason: "instructions-changed",
      excerpt: expect.stringContaining("Prefer early returns"),
    });
    const claude = r.report.runtimes.find((x) => x.runtime === "claude")!;
    // Claude Code re-reads git status (system[2]: "M CLAUDE.md") and CLAUDE.md (in the first message) in a new process.
    const brk = claude.breaks.find((b) => b.turn === 3)!;
    expect(brk).toMatchObject({
      block: "system[2]",
      cause: "system-changed",
      reason: "instructions-changed",
      sections: ["git-status", "instructions"],
      excerpt: expect.stringContaining("M CLAUDE.md"),
    });
    expect(brk.changed?.some((id) => id.startsWith("messages[0]"))).toBe(true);
  }, 600_000);
});
