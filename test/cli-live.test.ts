/**
 * `quartet live` as users run it: the built CLI on a hand-written Claude Code home (figures worked out by hand
 * at a fixed "now") and on the recorded logs of all three runtimes; on a pseudo-terminal for the redraw.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fileTempDir, fixtureHome, ROOT } from "./helpers.js";
import { liveHome as makeLiveHome, NOW, okJson as json, run } from "./live.js";

// Made once for the file: the tests below run at the same time.
let liveHome: string;
let fxHome: string;
beforeAll(() => {
  liveHome = makeLiveHome();
  fxHome = fixtureHome();
});

describe.concurrent("quartet live", () => {
  it("reports the current block's spend, burn rate and projection, and the week so far", async () => {
    const data = fileTempDir("quartet-data-");
    const out = json(await run(["live", "--home", liveHome, "--json"], { data }));
    expect(out.block).toMatchObject({
      start: "2026-11-24T10:00:00.000Z",
      end: "2026-11-24T15:00:00.000Z",
      firstRequest: "2026-11-24T10:30:00.000Z",
      lastRequest: "2026-11-24T11:30:00.000Z",
      elapsedMinutes: 90,
      remainingMinutes: 180,
    });
    // Three $0.75 requests of 110k tokens in the 1.5 hours since the block's first request; 3 hours to go.
    expect(out.block.totals).toMatchObject({ requests: 3, costUsd: 2.25, tokens: 330_000, costPerHour: 1.5, projectedCostUsd: 6.75 });
    expect(out.block.totals.tokensPerMinute).toBeCloseTo(330_000 / 90, 5);
    expect(out.block.totals.projectedTokens).toBe(990_000);
    expect(out.block.rows).toEqual([expect.objectContaining({ runtime: "claude", requests: 3, costUsd: 2.25, costPerHour: 1.5 })]);
    // The week starts on Monday 2026-11-23: the earlier block is in it, Sunday's request is not.
    expect(out.week).toMatchObject({ key: "2026-W48", start: "2026-11-23T00:00:00.000Z", totals: { requests: 4, costUsd: 3 } });
    // The same block `usage --by block` ends with.
    const blocks = json(await run(["usage", "--home", liveHome, "--by", "block", "--json"], { data }));
    expect(blocks.rows.at(-1)).toMatchObject({ key: "2026-11-24T10:00Z", requests: 3 });
  });

  it("names the last request once the block has ended, and prints one screen when piped", async () => {
    const r = await run(["live", "--home", liveHome], { data: fileTempDir("quartet-data-"), now: "2026-11-24T16:00:00Z" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("No active block: the last request was at 2026-11-24 11:30 (UTC), 4h30m ago.");
    expect(r.stdout).toMatch(/Week 2026-W48[\s\S]*claude +│ +4 │ +440\.0k │ +\$3\.00 │[\s\S]*opencode +│ +– │/);
    expect(r.stdout).not.toContain("\x1b[");
  });

  it("splits the block by runtime as usage does", async () => {
    const data = fileTempDir("quartet-data-");
    const [live, usage] = await Promise.all([
      run(["live", "--home", fxHome, "--json"], { data, now: "2026-11-24T16:00:00Z" }),
      run(["usage", "--home", fxHome, "--by", "runtime", "--since", "2026-11-24T15:00:00Z", "--json"], { data }),
    ]);
    const byRuntime = (rows: { runtime?: string; key?: string; costUsd: number; requests: number }[]) =>
      Object.fromEntries(rows.map((r) => [r.runtime ?? r.key, [r.requests, r.costUsd]]));
    const block = json(live).block;
    expect(Object.keys(byRuntime(block.rows)).sort()).toEqual(["claude", "codex", "opencode"]);
    expect(byRuntime(block.rows)).toEqual(byRuntime(json(usage).rows));
  });

  it("refuses an interval that is not a number of seconds from 1 to 3600", async () => {
    for (const bad of ["0", "abc"]) {
      const r = await run(["live", "--interval", bad, "--home", liveHome], { data: fileTempDir("quartet-data-") });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--interval must be a number of seconds from 1 to 3600 (got "${bad}")`);
    }
  });

  it("redraws in place on a terminal and gives the cursor back on Ctrl-C", async () => {
    const data = fileTempDir("quartet-data-");
    const command = [process.execPath, path.join(ROOT, "bin", "quartet.js"), "live", "--home", liveHome, "--interval", "1"];
    // script(1) runs the command on a pseudo-terminal and passes our stdin to it, so \x03 is a real Ctrl-C; `exec`
    // leaves no shell between them to report the signal as the exit status.
    const child = spawn("script", ["-qefc", `exec ${command.map((a) => `'${a}'`).join(" ")}`, "/dev/null"], {
      env: { PATH: process.env.PATH, HOME: data, QUARTET_HOME: data, TZ: "UTC", QUARTET_TEST_NOW: NOW },
    });
    let screen = "";
    child.stdout.on("data", (c) => (screen += c));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    const frames = () => screen.split("\x1b[H").length - 1;
    await expect.poll(frames, { timeout: 15_000, interval: 50 }).toBeGreaterThanOrEqual(2);
    expect(screen.startsWith("\x1b[?25l")).toBe(true);
    expect(screen).toContain("Block 10:00–15:00 (UTC): 3h00m left");
    child.stdin.write("\x03");
    expect(await closed).toBe(0);
    expect(screen.trimEnd().endsWith("\x1b[?25h")).toBe(true);
  });

  it("has examples in its help", async () => {
    const r = await run(["live", "--help"], { data: fileTempDir("quartet-data-") });
    expect(r.stdout).toMatch(/Examples:\n {2}\$ quartet live/);
  });
});
