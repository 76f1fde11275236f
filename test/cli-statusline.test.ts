/**
 * `quartet statusline` as Claude Code runs it: the built CLI with the session's JSON on stdin, on the recorded
 * Claude Code fixtures and a hand-written home, at a fixed "now".
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { tryLock } from "../src/core/file-lock.js";
import { homeLedgerFile } from "../src/core/paths.js";
import { PRICE_TABLE } from "../src/core/price-table.js";
import { buildCopy, cacheOf, codeCaches } from "./build-copy.js";
import { fileTempDir, fixtureHome, ROOT, writeLines } from "./helpers.js";
import { liveHome as makeLiveHome, okJson as json, request, run } from "./live.js";

const SESSION = "f6c73187-5636-4a51-a997-ea192d3c984a";

// Made once for the file: the tests below run at the same time.
let liveHome: string;
let fxHome: string;
beforeAll(() => {
  liveHome = makeLiveHome();
  fxHome = fixtureHome(["claude"]);
});

describe.concurrent("quartet statusline", () => {
  const transcript = () => path.join(fxHome, ".claude", "projects", "-tmp-quartet-fx-claude-Yu23OY-project", `${SESSION}.jsonl`);
  const line = (f: { costUsd: number; cacheHitRate: number; cacheTaxUsd: number }, block: string) =>
    `$${f.costUsd.toFixed(2)} session · hit ${Math.round(f.cacheHitRate * 100)}% · tax $${f.cacheTaxUsd.toFixed(2)} · ${block}\n`;

  it("shows the session named on stdin, reading only its own transcripts, and what they add later", async () => {
    const home = fileTempDir("quartet-home-");
    fs.cpSync(fxHome, home, { recursive: true });
    const file = transcript().replace(fxHome, home);
    const input = JSON.stringify({
      session_id: SESSION,
      transcript_path: file,
      model: { id: "claude-opus-4-8" },
      cost: { total_cost_usd: 9 },
    });
    const data = fileTempDir("quartet-data-");
    const now = "2026-11-24T16:00:00Z";
    const statusline = () => run(["statusline", "--home", home], { data, now, input });

    const reference = json(await run(["usage", "--home", fxHome, "--by", "session", "--json"], { data: fileTempDir("quartet-data-") }));
    const session = reference.rows.find((r: { key: string }) => r.key === SESSION);
    // Only this session (with its subagent) is read: the block holds nothing else yet.
    expect(session.costUsd).toBeCloseTo(0.19630225, 6);
    expect((await statusline()).stdout).toBe(line(session, "block $0.20 (4h00m left)"));

    writeLines(file, [request("n1", "2026-11-24T15:50:00Z", SESSION)], { append: true });
    const grown = await statusline();
    expect(grown.stdout).toMatch(/^\$0\.95 session · hit \d+% · tax \$\d\.\d\d · block \$0\.95 \(4h00m left\)\n$/);

    // While another process brings the ledger up to date, the line shows the ledger as it stands, at once.
    const lock = tryLock(`${homeLedgerFile(data, home)}.ingest-lock`)!;
    try {
      writeLines(file, [request("n2", "2026-11-24T15:55:00Z", SESSION)], { append: true });
      expect((await statusline()).stdout).toBe(grown.stdout);
    } finally {
      lock.release();
    }
    expect((await statusline()).stdout).toMatch(/^\$1\.70 session .* block \$1\.70 /);
  });

  it("says the ledger is being updated, never a zero or a missing table, while another process makes its first load", async () => {
    const data = fileTempDir("quartet-data-");
    const input = JSON.stringify({ session_id: SESSION, transcript_path: transcript() });
    const statusline = () => run(["statusline", "--home", fxHome], { data, now: "2026-11-24T16:00:00Z", input });
    // Another process holds the ledger before it has even created its tables.
    const lock = tryLock(`${homeLedgerFile(data, fxHome)}.ingest-lock`)!;
    try {
      expect(await statusline()).toMatchObject({ code: 0, stdout: "quartet: updating the ledger…\n" });
    } finally {
      lock.release();
    }
    expect((await statusline()).stdout).toMatch(/^\$0\.20 session · hit \d+% · tax \$\d\.\d\d · block \$0\.20 \(4h00m left\)\n$/);
  });

  it("still prints the block's spend with no session, or what is not JSON, on stdin", async () => {
    const data = fileTempDir("quartet-data-");
    json(await run(["live", "--home", liveHome, "--json"], { data }));
    const results = await Promise.all(
      ["", "{not json", JSON.stringify({ session_id: "not-in-the-ledger" })].map((input) =>
        run(["statusline", "--home", liveHome], { data, input }),
      ),
    );
    for (const r of results) {
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
    }
    expect(results.map((r) => r.stdout)).toEqual([
      "block $2.25 (3h00m left)\n",
      "block $2.25 (3h00m left)\n",
      "session: no requests yet · block $2.25 (3h00m left)\n",
    ]);
  });

  it("prices with --pricing, names a bad price file by file and line, and refuses a --home that is not a folder", async () => {
    const data = fileTempDir("quartet-data-");
    json(await run(["live", "--home", liveHome, "--json"], { data }));
    const dir = fileTempDir("quartet-pricing-");
    const doubled = path.join(dir, "doubled.json");
    fs.writeFileSync(doubled, JSON.stringify(PRICE_TABLE.map((r) => ({ ...r, input: r.input * 2, output: r.output * 2 }))));
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, `[\n  ${JSON.stringify({ ...PRICE_TABLE[0], output: -1 })}\n]\n`);
    const [priced, refused, noHome, help] = await Promise.all([
      run(["statusline", "--home", liveHome, `--pricing=${doubled}`], { data }),
      run(["statusline", "--home", liveHome, "--pricing", bad], { data }),
      run(["statusline", "--home", path.join(dir, "missing")], { data }),
      // Not a flag the status line's own file reads: the full command line answers.
      run(["statusline", "--home", liveHome, "--wide"], { data }),
    ]);
    expect([priced.code, priced.stdout, priced.stderr]).toEqual([0, "block $4.50 (3h00m left)\n", ""]);
    expect([refused.code, refused.stdout]).toEqual([0, `quartet: ${bad}:2: [0].output: Too small: expected number to be >=0\n`]);
    expect([noHome.code, noHome.stdout, noHome.stderr]).toEqual([2, "", `error: --home ${path.join(dir, "missing")} is not a folder\n`]);
    expect([help.code, help.stderr]).toEqual([2, expect.stringContaining("error: unknown option '--wide'")]);
  });

  it("runs the same from a code cache, and with a code cache V8 refuses", async () => {
    const data = fileTempDir("quartet-data-");
    json(await run(["live", "--home", liveHome, "--json"], { data }));
    const file = path.join(ROOT, "dist", "statusline.cjs");
    const cache = cacheOf(file, "statusline");
    const call = () => run(["statusline", "--home", liveHome], { data });
    const expected = { code: 0, stdout: "block $2.25 (3h00m left)\n", stderr: "" };
    expect(await call()).toEqual(expected);
    expect(fs.existsSync(cache)).toBe(true);
    expect(await call()).toEqual(expected);
    fs.writeFileSync(cache, "not a code cache");
    expect(await call()).toEqual(expected);
    expect(fs.readFileSync(cache, "utf8")).not.toBe("not a code cache");
  });

  it("has the settings.json snippet and examples in its help", async () => {
    const r = await run(["statusline", "--help"], { data: fileTempDir("quartet-data-") });
    expect(r.stdout).toContain('{"statusLine": {"type": "command", "command": "quartet statusline"}}');
    expect(r.stdout).toContain("Examples:");
  });
});

describe("the status line's own file (dist/statusline.cjs)", () => {
  it("never runs a previous build's code from the code cache, even in a file with the same inode, mtime and length", () => {
    const copy = buildCopy();
    const file = path.join(copy, "dist", "statusline.cjs");
    const call = () => spawnSync(process.execPath, [path.join(copy, "bin", "quartet.js"), "statusline"], { input: "{}", encoding: "utf8" });
    // The time npm gives every file it unpacks.
    const npmTime = new Date("1985-10-26T08:15:00Z");
    fs.utimesSync(file, npmTime, npmTime);
    const before = call();
    expect(before.status).toBe(0);
    expect(codeCaches(copy)).toHaveLength(1);
    // A reinstall the file system cannot tell apart: the same inode, length and mtime, another text.
    const text = fs.readFileSync(file, "utf8");
    const changed = text.replace('"use strict";', 'throw "NEW";;');
    expect(changed).not.toBe(text);
    expect(changed.length).toBe(text.length);
    fs.writeFileSync(file, changed);
    fs.utimesSync(file, npmTime, npmTime);
    const after = call();
    expect(after.status).toBe(1);
    expect(after.stderr).toContain("NEW");
  });

  it("loads a log parser by its module URL, as the ES module build does, though its import() is a require()", () => {
    const dist = path.join(ROOT, "dist");
    const url = pathToFileURL(path.join(dist, "log-parser-codex.js")).href;
    const script = `require(${JSON.stringify(path.join(dist, "statusline.cjs"))})
      .loadParsers([{ runtime: "codex", parser: ${JSON.stringify(url)} }])
      .then(() => console.log("loaded"), (e) => { console.error(e.message); process.exitCode = 1; });`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: "loaded\n", stderr: "" });
  });
});

describe("the status line's reader threads", () => {
  it("start from the worker beside the status line's own file when asked for (QUARTET_READERS)", () => {
    // A copy of the build whose worker leaves a mark, then runs the real one.
    const copy = buildCopy();
    fs.renameSync(path.join(copy, "dist", "worker.js"), path.join(copy, "dist", "worker-real.js"));
    const mark = path.join(copy, "worker-started");
    fs.writeFileSync(
      path.join(copy, "dist", "worker.js"),
      `import fs from "node:fs";\nfs.writeFileSync(${JSON.stringify(mark)}, "");\nawait import("./worker-real.js");\n`,
    );
    const home = makeLiveHome();
    const input = JSON.stringify({
      session_id: "s-live",
      transcript_path: path.join(home, ".claude", "projects", "-work-app", "s-live.jsonl"),
    });
    const statusline = (readers: string) => {
      const data = fileTempDir("quartet-data-");
      const env = {
        PATH: process.env.PATH,
        HOME: data,
        QUARTET_HOME: data,
        TZ: "UTC",
        NO_COLOR: "1",
        QUARTET_TEST_NOW: "2026-11-24T12:00:00Z",
      };
      const r = spawnSync(process.execPath, [path.join(copy, "bin", "quartet.js"), "statusline", "--home", home], {
        input,
        encoding: "utf8",
        env: { ...env, QUARTET_READERS: readers },
      });
      return [r.status, r.stdout, r.stderr];
    };
    const inline = statusline("0");
    expect(fs.existsSync(mark)).toBe(false);
    expect(inline).toEqual([0, expect.stringMatching(/^\$3\.75 session · .* · block \$2\.25 \(3h00m left\)\n$/), ""]);
    expect(statusline("1")).toEqual(inline);
    expect(fs.existsSync(mark)).toBe(true);
  });
});
