/**
 * The Layer 1 commands as users run them: the built CLI on homes assembled from the recorded runtime logs.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fixtureHome, ROOT, runCli, tempDir, writeLines } from "./helpers.js";

const CONTRACT_FIELDS = [
  "key",
  "requests",
  "inputTokens",
  "cacheWriteTokens",
  "cacheReadTokens",
  "outputTokens",
  "costUsd",
  "cacheHitRate",
  "cacheTaxUsd",
];

let home: string;
let data: string;
beforeAll(async () => {
  home = fixtureHome();
  data = tempDir("quartet-data-");
  const r = await runCli(["usage", "--home", home, "--json"], { dataDir: data });
  expect(r.code).toBe(0);
});

const usage = async (...args: string[]) => {
  const r = await runCli(["usage", "--home", home, "--json", ...args], { dataDir: data });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe("quartet usage --json", () => {
  it("follows the JSON contract, with totals equal to the sum of the rows", async () => {
    const out = await usage("--by", "runtime");
    expect(out.rows.map((r: { key: string }) => r.key).sort()).toEqual(["claude", "codex", "opencode"]);
    for (const row of [...out.rows, { key: "totals", ...out.totals }]) {
      for (const f of CONTRACT_FIELDS) expect(row, f).toHaveProperty(f);
      const prompt = row.inputTokens + row.cacheWriteTokens + row.cacheReadTokens;
      expect(row.cacheHitRate).toBeCloseTo(row.cacheReadTokens / prompt, 6);
    }
    for (const f of ["requests", "inputTokens", "cacheWriteTokens", "cacheReadTokens", "outputTokens"]) {
      expect(out.rows.reduce((a: number, r: Record<string, number>) => a + r[f]!, 0)).toBe(out.totals[f]);
    }
    expect(out.totals.costUsd).toBeCloseTo(
      out.rows.reduce((a: number, r: { costUsd: number }) => a + r.costUsd, 0),
      5,
    );
    expect(Array.isArray(out.warnings)).toBe(true);
  });

  it.each(["day", "week", "month", "session", "project", "model", "runtime", "block"])("groups by %s", async (by) => {
    const out = await usage("--by", by);
    expect(out.rows.length).toBeGreaterThan(0);
    expect(out.rows.reduce((a: number, r: { requests: number }) => a + r.requests, 0)).toBe(out.totals.requests);
  });

  it("rolls subagents up into their parent session", async () => {
    const out = await usage("--by", "session", "--runtime", "codex");
    const sessions = out.rows.map((r: { key: string }) => r.key);
    // The Codex fixture's subagent thread (…5dbb) belongs to its parent (…5c63).
    expect(sessions.some((s: string) => s.includes("5dbb"))).toBe(false);
    expect(sessions.some((s: string) => s.includes("5c63"))).toBe(true);
  });

  it("filters by runtime, project and date", async () => {
    const all = await usage();
    const claude = await usage("--runtime", "claude");
    expect(claude.totals.requests).toBeLessThan(all.totals.requests);
    const project = await usage("--project", "quartet-fx-opencode");
    expect(project.totals.requests).toBe((await usage("--runtime", "opencode")).totals.requests);
    expect((await usage("--until", "2026-01-01")).totals.requests).toBe(0);
    expect((await usage("--since", "2026-01-01")).totals.requests).toBe(all.totals.requests);
  });

  it("says, when the filters match nothing, which days each runtime's data covers", async () => {
    const byRuntime = (await usage("--by", "runtime", "--tz", "UTC")).rows as {
      key: string;
      requests: number;
      firstTs: string;
      lastTs: string;
    }[];
    for (const [command, noun] of [
      ["usage", "usage matches"],
      ["cache", "sessions match"],
    ] as const) {
      const r = await runCli([command, "--home", home, "--until", "2026-01-01", "--tz", "UTC"], { dataDir: data, env: { NO_COLOR: "1" } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`No ${noun} these filters. The ledger holds `);
      for (const row of byRuntime) {
        const [first, last] = [row.firstTs.slice(0, 10), row.lastTs.slice(0, 10)];
        expect(r.stdout).toContain(
          `${row.key}: ${row.requests} request${row.requests === 1 ? "" : "s"} ${first === last ? `on ${first}` : `from ${first} to ${last}`}`,
        );
      }
    }
  });

  it("groups by two dimensions: every row's sub-rows add up to it, in JSON, CSV and the table", async () => {
    const out = await usage("--by", "day,runtime", "--tz", "UTC");
    expect(out.by).toBe("day,runtime");
    const byDay = await usage("--by", "day", "--tz", "UTC");
    expect(out.rows.map((r: { key: string }) => r.key)).toEqual(byDay.rows.map((r: { key: string }) => r.key));
    for (const row of out.rows) {
      expect(row.breakdown.length).toBeGreaterThan(0);
      for (const f of ["requests", "inputTokens", "cacheWriteTokens", "cacheReadTokens", "outputTokens", "cacheBreaks"])
        expect(
          row.breakdown.reduce((a: number, r: Record<string, number>) => a + r[f]!, 0),
          f,
        ).toBe(row[f]);
    }
    expect(out.rows.flatMap((r: { breakdown: { key: string }[] }) => r.breakdown.map((b) => b.key)).sort()).toEqual([
      "claude",
      "codex",
      "opencode",
    ]);

    const csv = await runCli(["usage", "--home", home, "--by", "runtime,model", "--csv"], { dataDir: data });
    const lines = csv.stdout.trim().split("\n");
    expect(lines[0]).toBe("Runtime,Model,Requests,Input,Cache write,Cache read,Output,Hit rate,Cost,Cache tax");
    // The recorded Claude Code fixture's Opus requests, one line with both keys and rounded figures.
    expect(lines).toContain("claude,claude-opus-4-8,10,30,42848,119164,410,0.73539,0.337782,0.041895");

    const table = await runCli(["usage", "--home", home, "--by", "runtime,model", "--wide"], { dataDir: data, env: { NO_COLOR: "1" } });
    expect(table.stdout).toMatch(/│ Runtime \/ Model +│/);
    expect(table.stdout).toMatch(/│ claude +│ +12 │/);
    expect(table.stdout).toMatch(/│ +└ claude-opus-4-8 +│ +10 │/);
  });

  it.each([80, 120])("fits every table in %i columns, and --wide shows every column", async (columns) => {
    const widthOf = (text: string) => Math.max(...text.split("\n").map((l) => [...l].length));
    // The clock inside the fixtures' 5-hour block, so `live` draws its widest table.
    const env = { NO_COLOR: "1", COLUMNS: String(columns), QUARTET_TEST_NOW: "2026-11-24T16:00:00Z" };
    for (const args of [
      ["usage", "--by", "session"],
      ["usage", "--by", "day,runtime"],
      ["usage", "--by", "project"],
      ["cache"],
      ["live"],
    ]) {
      const r = await runCli([...args, "--home", home], { dataDir: data, env });
      expect(r.code, r.stderr).toBe(0);
      expect(widthOf(r.stdout), args.join(" ")).toBeLessThanOrEqual(columns);
      const wide = await runCli([...args, "--home", home, "--wide"], { dataDir: data, env });
      expect(wide.stdout).not.toContain("Hidden to fit");
      // --wide is the table at its natural width: wider than the terminal exactly when columns had to go.
      if (r.stdout.includes(`Hidden to fit ${columns} columns:`)) expect(widthOf(wide.stdout), args.join(" ")).toBeGreaterThan(columns);
      else expect(widthOf(wide.stdout)).toBeGreaterThanOrEqual(widthOf(r.stdout));
    }
    if (columns === 80)
      expect((await runCli(["usage", "--by", "session", "--home", home], { dataDir: data, env })).stdout).toMatch(
        /Hidden to fit 80 columns: .*Input/s,
      );
  });

  it("fits the terminal it writes to (a pseudo-terminal 70 columns wide)", async () => {
    const bin = path.join(ROOT, "bin", "quartet.js");
    const r = spawnSync(
      "script",
      ["-qec", `stty cols 70; "${process.execPath}" "${bin}" usage --by session --home "${home}" --no-progress`, "/dev/null"],
      {
        env: { PATH: process.env.PATH, HOME: tempDir("quartet-userhome-"), QUARTET_HOME: data, NO_COLOR: "1", TERM: "dumb" },
        encoding: "utf8",
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const table = r.stdout.split(/\r?\n/).filter((l) => /^[│┌└]/.test(l));
    expect(table.length).toBeGreaterThan(5);
    for (const line of table) expect([...line].length).toBeLessThanOrEqual(70);
    expect(r.stdout).toContain("Hidden to fit 70 columns:");
  });

  it("shows an unknown model's cost as null with a warning naming it, never as $0", async () => {
    const h = fixtureHome(["claude"]);
    writeLines(path.join(h, ".claude", "projects", "-work-x", "s.jsonl"), [
      {
        type: "assistant",
        timestamp: "2026-11-24T10:00:00Z",
        sessionId: "s-unknown",
        cwd: "/work/x",
        message: { id: "msg_u1", model: "claude-mystery-9", usage: { input_tokens: 10, output_tokens: 5 } },
        requestId: "r1",
      },
    ]);
    const r = await runCli(["usage", "--home", h, "--json", "--by", "model"]);
    const out = JSON.parse(r.stdout);
    expect(out.rows.find((row: { key: string }) => row.key === "claude-mystery-9")).toMatchObject({ costUsd: null, unpricedRequests: 1 });
    expect(out.totals.costUsd).toBeNull();
    expect(out.totals.knownCostUsd).toBeGreaterThan(0);
    expect(out.warnings).toContainEqual(
      expect.objectContaining({ code: "unknown-price", message: expect.stringContaining("claude-mystery-9") }),
    );
  });

  it("reports the same figures when read by worker threads", async () => {
    const threaded = await runCli(["usage", "--home", home, "--json", "--by", "session"], { env: { QUARTET_READERS: "2" } });
    const inline = await runCli(["usage", "--home", home, "--json", "--by", "session"], { env: { QUARTET_READERS: "0" } });
    expect(JSON.parse(threaded.stdout).rows).toEqual(JSON.parse(inline.stdout).rows);
  });
});

describe("quartet usage for people", () => {
  it("prints a table with a total row, and CSV on request", async () => {
    const table = await runCli(["usage", "--home", home, "--by", "runtime"], { dataDir: data });
    expect(table.stdout).toMatch(/Runtime[\s\S]*claude[\s\S]*Total/);
    const csv = await runCli(["usage", "--home", home, "--csv"], { dataDir: data });
    expect(csv.stdout.split("\n")[0]).toBe("Day,Requests,Input,Cache write,Cache read,Output,Hit rate,Cost,Cache tax");
  });

  it("refuses a --home that does not exist, and creates nothing", async () => {
    const data = tempDir("quartet-data-");
    const missing = path.join(tempDir("quartet-parent-"), "typo");
    const r = await runCli(["usage", "--home", missing], { dataDir: data });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--home ${missing} is not a folder`);
    expect(fs.existsSync(missing)).toBe(false);
    expect(fs.existsSync(path.join(data, "homes"))).toBe(false);
  });

  it("names every place it looked when there is no data at all", async () => {
    const empty = tempDir("quartet-empty-");
    const r = await runCli(["usage", "--home", empty]);
    expect(r.code).toBe(0);
    for (const place of [".claude/projects", ".config/claude/projects", ".local/share/opencode", ".codex/sessions"])
      expect(r.stdout).toContain(path.join(empty, place));
    const json = JSON.parse((await runCli(["usage", "--home", empty, "--json"])).stdout);
    expect(json.rows).toEqual([]);
    expect(json.warnings[0]).toMatchObject({ code: "no-data" });
  });

  it("reads CLAUDE_CONFIG_DIR as a comma-separated list and warns about a missing entry", async () => {
    const a = tempDir("quartet-cfg-");
    const missing = path.join(tempDir("quartet-cfg-"), "nope");
    fs.cpSync(path.join(home, ".claude", "projects"), path.join(a, "projects"), { recursive: true });
    const r = await runCli(["usage", "--json", "--runtime", "claude"], { env: { CLAUDE_CONFIG_DIR: `${a},${missing}` } });
    const out = JSON.parse(r.stdout);
    expect(out.totals.requests).toBeGreaterThan(0);
    expect(out.warnings).toContainEqual(expect.objectContaining({ code: "missing-folder", file: path.join(missing, "projects") }));
  });

  it("rejects bad flags with exit code 2 and a clear message", async () => {
    const badBy = await runCli(["usage", "--by", "fortnight"]);
    expect(badBy).toMatchObject({ code: 2 });
    expect(badBy.stderr).toMatch(/--by takes day, week, .* or two of them as day,runtime \(got "fortnight"\)/);
    for (const [by, message] of [
      ["day,day", /two different dimensions/],
      ["day,runtime,model", /at most two dimensions/],
    ] as const) {
      const r = await runCli(["usage", "--by", by]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const badRuntime = await runCli(["usage", "--runtime", "gemini"]);
    expect(badRuntime.code).toBe(2);
    expect(badRuntime.stderr).toMatch(/unknown runtime "gemini" \(known: claude, opencode, codex\)/);
    const badDate = await runCli(["usage", "--since", "last tuesday"]);
    expect(badDate.code).toBe(2);
    expect((await runCli(["usage", "--tz", "Mars/Olympus"])).stderr).toMatch(/unknown time zone/);
  });
});

describe("quartet cache", () => {
  it("ranks sessions by cache tax and shows one session's request timeline", async () => {
    const ranked = JSON.parse((await runCli(["cache", "--home", home, "--json"], { dataDir: data })).stdout);
    expect(ranked.sessions.length).toBeGreaterThan(3);
    const taxes = ranked.sessions.map((s: { knownCacheTaxUsd: number }) => s.knownCacheTaxUsd);
    expect([...taxes].sort((a: number, b: number) => b - a)).toEqual(taxes);
    const session = ranked.sessions[0].session as string;
    const timeline = JSON.parse((await runCli(["cache", session.slice(0, 8), "--home", home, "--json"], { dataDir: data })).stdout);
    expect(timeline.session).toBe(session);
    expect(timeline.requests.length).toBe(ranked.sessions[0].requests);
    for (const r of timeline.requests) expect(r).toHaveProperty("expectedRead");
  });

  it("says so when a session is unknown", async () => {
    const r = await runCli(["cache", "no-such-session", "--home", home], { dataDir: data });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no session "no-such-session"/);
  });
});

describe("quartet report --html", () => {
  it("writes one self-contained page with the four charts", async () => {
    const file = path.join(tempDir(), "report.html");
    const r = await runCli(["report", "--html", file, "--home", home], { dataDir: data });
    expect(r.code, r.stderr).toBe(0);
    const html = fs.readFileSync(file, "utf8");
    expect(html).toContain("Cost per day, by runtime");
    expect(html).toContain("Cache hit rate per runtime");
    expect(html).toContain("Cache tax by cause");
    expect(html).toContain("Sessions that paid the most cache tax");
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(2);
    // Offline: no script, stylesheet or image from anywhere else.
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
  });

  it("four reports to one new file at once all succeed, leaving one whole page", async () => {
    const dir = tempDir();
    const file = path.join(dir, "report.html");
    const runs = await Promise.all([1, 2, 3, 4].map(() => runCli(["report", "--html", file, "--home", home], { dataDir: data })));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(file, "utf8")).toMatch(/^<!doctype html>[\s\S]*<\/html>\n?$/);
    expect(fs.readdirSync(dir)).toEqual(["report.html"]);
  });

  it("replaces its own page, and refuses a file the user has or a missing folder before reading any log", async () => {
    const dir = tempDir();
    const file = path.join(dir, "report.html");
    expect((await runCli(["report", "--html", file, "--home", home], { dataDir: data })).code).toBe(0);
    const first = fs.statSync(file).ino;
    expect((await runCli(["report", "--html", file, "--home", home], { dataDir: data })).code).toBe(0);
    // Replaced by a new file (renamed over it), not refused and not written into.
    expect(fs.statSync(file).ino).not.toBe(first);
    const mine = path.join(dir, "README.md");
    fs.writeFileSync(mine, "# my notes\n");
    const fresh = tempDir();
    const refused = await runCli(["report", "--html", mine, "--home", home], { dataDir: fresh });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`refusing to replace ${mine}: it is not a report quartet wrote`);
    expect(fs.readFileSync(mine, "utf8")).toBe("# my notes\n");
    const nowhere = path.join(dir, "no-such-folder", "report.html");
    const missing = await runCli(["report", "--html", nowhere, "--home", home], { dataDir: fresh });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`the folder ${path.dirname(nowhere)} does not exist`);
    // Refused before the ledger was opened: the fresh data folder holds no ledger.
    expect(fs.readdirSync(fresh)).toEqual([]);
  });
});
