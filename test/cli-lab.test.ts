/**
 * The lab's commands that do not need a real runtime: scenarios, errors, `lab serve`, `lab show`, `lab runs`,
 * `lab prune` and `lab compare` (on the recorded runs), and `lab run` with a stand-in runtime that makes no
 * requests (its progress, and its lock against a prune).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { PRICE_TABLE } from "../src/core/price-table.js";
import { ROOT, runCli, tempDir } from "./helpers.js";
import { copyRecordedRuns } from "./lab.js";

describe("quartet lab scenarios", () => {
  it("lists the built-in scenarios", async () => {
    const table = await runCli(["lab", "scenarios"]);
    expect(table.stdout).toMatch(/explore-edit-test[\s\S]*per-turn[\s\S]*6/);
    const json = JSON.parse((await runCli(["lab", "scenarios", "--json"])).stdout) as { name: string; delivery: string }[];
    expect(json.map((s) => s.name)).toContain("explore-edit-test-pause");
  });
});

describe("quartet lab run with bad input", () => {
  it("names the file and line of an invalid scenario", async () => {
    const file = path.join(tempDir(), "bad.yaml");
    fs.writeFileSync(file, "name: bad\ndescription: bad\nsteps:\n  - prompt: hi\n    actions:\n      - fly: away\n");
    const r = await runCli(["lab", "run", "--scenario", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:6: steps.0.actions.0: unknown action "fly"`);
  });

  it("stops with a clear message when git is missing", async () => {
    // A PATH holding only node: the lab needs git for its fixture repository.
    const bin = tempDir();
    fs.symlinkSync(process.execPath, path.join(bin, "node"));
    const r = await runCli(["lab", "run", "--clean", "--runtime", "opencode"], { env: { PATH: bin } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: git is not installed; the lab's fixture repository needs it");
  });

  it("rejects unknown runtimes and bad options with exit code 2", async () => {
    const unknown = await runCli(["lab", "run", "--runtime", "claude,gemini"]);
    expect([unknown.code, unknown.stderr]).toEqual([
      2,
      expect.stringMatching(/unknown runtime "gemini" \(known: claude, opencode, codex\)/),
    ]);
    expect((await runCli(["lab", "run", "--delivery", "sometimes"])).code).toBe(2);
    expect((await runCli(["lab", "run", "--price-as", "mystery-model"])).stderr).toMatch(/no price for model "mystery-model"/);
  });
});

/** `quartet lab serve` started in the background, once it listens; `out()` is what it printed so far. */
async function serve(args: readonly string[], dataDir: string, cwd?: string) {
  const child = spawn(process.execPath, [path.join(ROOT, "bin", "quartet.js"), "lab", "serve", ...args], {
    env: { PATH: process.env.PATH, HOME: tempDir(), QUARTET_HOME: dataDir, NO_COLOR: "1" },
    cwd,
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (c) => {
      out += c;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m && out.includes("Stop with Ctrl-C")) resolve(m[1]!);
    });
    child.on("exit", () => reject(new Error(`lab serve exited: ${out}`)));
  });
  return { child, url, out: () => out };
}

/**
 * The scenario's second prompt, offering only a Read tool: the scripted model answers by reading a file.
 * `system`: a system prompt marked for caching, as Claude Code sends one; `more`: the conversation's later messages.
 */
async function askWithReadOnly(url: string, system?: string, more: { role: string; content: string }[] = []): Promise<unknown> {
  const tools = [{ name: "Read", input_schema: { type: "object", properties: { file_path: { type: "string" } } } }];
  const res = await fetch(`${url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "anything" },
    body: JSON.stringify({
      model: "claude-sonnet-4-5",
      max_tokens: 50,
      ...(system ? { system: [{ type: "text", text: system, cache_control: { type: "ephemeral" } }] } : {}),
      tools,
      messages: [{ role: "user", content: "Where are todos stored, and how are they added?" }, ...more],
    }),
  });
  return res.json();
}

describe("quartet lab serve and show", () => {
  it("serves the scripted endpoint, records what it receives, and shows it afterwards", async () => {
    const dataDir = tempDir("quartet-serve-");
    const { child, url } = await serve(["--workspace", "/work/repo"], dataDir);
    const json = (await askWithReadOnly(url)) as { content: { type: string; input?: unknown }[]; usage: Record<string, number> };
    // The scenario's second turn starts with a grep, which this request offers no tool for: it reads instead.
    expect(json.content[0]).toMatchObject({ type: "tool_use", input: { file_path: "/work/repo/src/todos.js" } });
    expect(json.usage).toHaveProperty("cache_creation_input_tokens");
    // The run is being written while it serves: listed as running, and no prune removes it.
    const pruned = await runCli(["lab", "prune", "--keep", "0"], { dataDir });
    expect(pruned.stdout).toMatch(/^No lab run to remove \(1 run kept\)\.\n\S+-serve is still running: kept\.\n$/);
    child.kill("SIGINT");
    await new Promise((resolve) => child.on("exit", resolve));
    const shown = JSON.parse((await runCli(["lab", "show", "last", "--request", "1", "--json"], { dataDir })).stdout) as {
      n: number;
      kind: string;
      skippedActions: string[];
    };
    expect(shown).toMatchObject({ n: 1, kind: "main", skippedActions: ["grep"] });
    expect((await runCli(["lab", "show", "last", "--request", "9"], { dataDir })).stderr).toMatch(
      /made 1 request in run .*; there is no request 9/,
    );
  });

  it("on a port already taken: says so, exits 2, and leaves no run behind", async () => {
    const first = await serve([], tempDir("quartet-serve-"));
    try {
      const port = new URL(first.url).port;
      const dataDir = tempDir("quartet-serve-");
      const r = await runCli(["lab", "serve", "--port", port], { dataDir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is taken by another program`);
      expect(fs.readdirSync(path.join(dataDir, "lab", "runs"))).toEqual([]);
      expect((await runCli(["lab", "show", "last"], { dataDir })).stderr).toContain("no lab runs yet");
    } finally {
      first.child.kill("SIGINT");
      await new Promise((resolve) => first.child.on("exit", resolve));
    }
  });

  it("works in a fresh copy of the scenario's repository unless told otherwise, never in the current folder", async () => {
    const dataDir = tempDir("quartet-serve-");
    const cwd = tempDir("quartet-cwd-");
    const { child, url, out } = await serve([], dataDir, cwd);
    const workspace = /^Workspace: (\S+) \(a fresh copy/m.exec(out())?.[1];
    expect(workspace).toBeDefined();
    expect(workspace!.startsWith(path.join(dataDir, "lab", "runs"))).toBe(true);
    expect(fs.readFileSync(path.join(workspace!, "src", "todos.js"), "utf8")).toContain("export function addTodo");
    const reply = (await askWithReadOnly(url)) as { content: { input?: { file_path?: string } }[] };
    expect(reply.content[0]?.input?.file_path).toBe(path.join(workspace!, "src", "todos.js"));
    expect(fs.readdirSync(cwd)).toEqual([]);
    child.kill("SIGINT");
    await new Promise((resolve) => child.on("exit", resolve));
  });

  it("moves its clock on request with --clock-control: the next request misses the expired prefix, shown as a TTL break", async () => {
    const dataDir = tempDir("quartet-serve-");
    const { child, url, out } = await serve(["--clock-control", "--workspace", "/work/repo"], dataDir);
    expect(out()).toContain(`Clock control (loopback only): curl -X POST ${url}/_quartet/clock -d '{"advance":"6m"}'`);
    // Above Sonnet 4.5's 1,024-token minimum, so the first request writes it to the cache.
    const system = "You are a careful coding agent. ".repeat(300);
    const first = (await askWithReadOnly(url, system)) as { usage: Record<string, number> };
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(1024);
    const moved = await fetch(`${url}/_quartet/clock`, { method: "POST", body: JSON.stringify({ advance: "6m" }) });
    expect(moved.status).toBe(200);
    const later = [
      { role: "assistant", content: "Looking." },
      { role: "user", content: "Go on." },
    ];
    const second = (await askWithReadOnly(url, system, later)) as { usage: Record<string, number> };
    expect(second.usage.cache_read_input_tokens).toBe(0);
    child.kill("SIGINT");
    await new Promise((resolve) => child.on("exit", resolve));
    const report = json<{ runtimes: { breaks: { n: number; reason: string }[] }[] }>(
      await runCli(["lab", "show", "last", "--json"], { dataDir }),
    );
    expect(report.runtimes[0]!.breaks).toEqual([expect.objectContaining({ n: 2, reason: "ttl-expired" })]);
  });

  it("shows a request the API would refuse (five cache_control markers) with the API's error, in lab show and its HTML", async () => {
    const dataDir = tempDir("quartet-serve-");
    const { child, url } = await serve(["--workspace", "/work/repo"], dataDir);
    const marked = ["a", "b", "c", "d", "e"].map((text) => ({ type: "text", text, cache_control: { type: "ephemeral" } }));
    const res = await fetch(`${url}/v1/messages`, {
      method: "POST",
      body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 5, system: marked, messages: [{ role: "user", content: "hi" }] }),
    });
    const message = "A maximum of 4 blocks with cache_control may be provided. Found 5.";
    expect([res.status, await res.json()]).toEqual([400, { type: "error", error: { type: "invalid_request_error", message } }]);
    child.kill("SIGINT");
    await new Promise((resolve) => child.on("exit", resolve));
    const html = path.join(tempDir(), "lab.html");
    const shown = await runCli(["lab", "show", "last", "--html", html], { dataDir });
    expect(shown.stdout).toMatch(/│ +0 \+ 1 aux, 1 rejected │/);
    expect(shown.stdout).toContain(
      `Rejected requests (the API answers these with an error; no figure above counts them):\n  claude request #1: 400 ${message}\n`,
    );
    expect(fs.readFileSync(html, "utf8")).toContain(`<li><b>claude</b> request #1: <code>400 ${message}</code></li>`);
  });

  it("keeps its clock to itself without --clock-control", async () => {
    const dataDir = tempDir("quartet-serve-");
    const { child, url } = await serve(["--workspace", "/work/repo"], dataDir);
    const refused = await fetch(`${url}/_quartet/clock`, { method: "POST", body: JSON.stringify({ advance: "6m" }) });
    expect(refused.status).toBe(404);
    child.kill("SIGINT");
    await new Promise((resolve) => child.on("exit", resolve));
  });

  it("says when there is no run to show", async () => {
    const r = await runCli(["lab", "show"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no lab runs yet/);
  });
});

interface RunsJson {
  runs: { id: string; status: string; scenario: string; runtimes: string[]; sizeBytes: number; costUsd: number | null }[];
}

const json = <T>(r: { stdout: string; stderr: string }): T => {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON: ${r.stdout}\n${r.stderr}`);
  }
};

/** The recorded runs in a fresh data dir, dated the given number of days ago (oldest first). */
function recordedRunsAged(daysAgo: readonly number[]): { dataDir: string; ids: string[] } {
  const dataDir = tempDir("quartet-lab-runs-");
  const ids = copyRecordedRuns(dataDir);
  ids.forEach((id, i) => {
    const file = path.join(dataDir, "lab", "runs", id, "run.json");
    const run = JSON.parse(fs.readFileSync(file, "utf8")) as { startedAt: string };
    run.startedAt = new Date(Date.now() - daysAgo[i]! * 86_400_000).toISOString();
    fs.writeFileSync(file, JSON.stringify(run));
  });
  return { dataDir, ids };
}

describe("quartet lab runs, prune and compare on recorded runs", () => {
  it("lists each run with its scenario, runtimes, size on disk and total cost", async () => {
    const { dataDir, ids } = recordedRunsAged([3, 2, 1, 0]);
    const listed = json<RunsJson>(await runCli(["lab", "runs", "--json"], { dataDir })).runs;
    expect(listed.map((r) => r.id)).toEqual(ids);
    const shown = json<{ runtimes: { costUsd: number }[] }>(await runCli(["lab", "show", ids[0]!, "--json"], { dataDir }));
    expect(listed[0]).toMatchObject({
      status: "finished",
      scenario: "explore-edit-test",
      runtimes: ["claude", "opencode"],
      costUsd: Number(shown.runtimes.reduce((a, r) => a + r.costUsd, 0).toFixed(6)),
    });
    expect(listed.every((r) => r.sizeBytes > 50_000)).toBe(true);
    const table = (await runCli(["lab", "runs"], { dataDir })).stdout;
    expect(table).toMatch(
      new RegExp(
        `${ids[1]} +│ \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d │ finished │ explore-edit-test-pause +│ claude, opencode │ +\\d+ KB │ +\\$\\d\\.\\d\\d │`,
      ),
    );
    expect(table).toMatch(/4 runs, \d+ KB in .*lab\/runs/);
  });

  it("prunes by age and count, dry run first, and refuses nonsense with exit code 2", async () => {
    const { dataDir, ids } = recordedRunsAged([30, 10, 2, 0]);
    const runs = path.join(dataDir, "lab", "runs");
    const dry = await runCli(["lab", "prune", "--older-than", "7d", "--dry-run"], { dataDir });
    expect(dry.stdout).toMatch(
      new RegExp(
        `^Would remove 2 runs, freeing \\d+ KB:\n  ${ids[0]}  .*\n  ${ids[1]}  .*\n2 runs kept\\. Nothing was removed \\(--dry-run\\)\\.\n$`,
      ),
    );
    expect(fs.readdirSync(runs)).toHaveLength(4);
    const pruned = json<{ removed: { id: string; sizeBytes: number }[]; freedBytes: number; kept: number }>(
      await runCli(["lab", "prune", "--older-than", "7d", "--keep", "3", "--json"], { dataDir }),
    );
    expect(pruned.removed.map((r) => r.id)).toEqual([ids[0]]);
    expect(pruned).toMatchObject({ freedBytes: pruned.removed[0]!.sizeBytes, kept: 3 });
    expect(fs.readdirSync(runs).sort()).toEqual(ids.slice(1));
    for (const [args, message] of [
      [["--older-than", "7"], '--older-than takes an age such as 90m, 12h, 7d or 2w (minutes, hours, days, weeks); got "7"'],
      [["--keep", "-1"], '--keep takes how many of the newest runs to keep, such as 5; got "-1"'],
      [[], "say which runs to remove: --keep N (keep the N newest) and/or --older-than AGE (e.g. 7d)"],
    ] as const) {
      const r = await runCli(["lab", "prune", ...args], { dataDir });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
    }
    expect(fs.readdirSync(runs)).toHaveLength(3);
  });

  it("compares two runs, and names a wrong run id with how to list the right ones", async () => {
    const { dataDir, ids } = recordedRunsAged([3, 2, 1, 0]);
    const c = json<{ runtimes: { runtime: string; delta: { breaks: number }; appeared: { reason: string }[] }[] }>(
      await runCli(["lab", "compare", ids[0]!, ids[1]!, "--json"], { dataDir }),
    );
    expect(c.runtimes.map((r) => [r.runtime, r.delta.breaks, r.appeared.map((b) => b.reason)])).toEqual([
      ["claude", 1, ["ttl-expired"]],
      ["opencode", 1, ["ttl-expired"]],
    ]);
    const text = (await runCli(["lab", "compare", ids[0]!, ids[1]!], { dataDir })).stdout;
    expect(text).toContain("The runs differ in scenario: explore-edit-test → explore-edit-test-pause.");
    expect(text).toMatch(/│ claude +│ \$0\.\d\d → \$0\.\d\d \(\+\$0\.\d\d\) │ .* │ 1 → 2 \(\+1\) │/);
    expect(text).toMatch(
      /\(appeared\):\n  claude request #\d+ \(turn 4\): –: cache expired: idle longer than its 5m TTL\n  opencode request/,
    );
    const wrong = await runCli(["lab", "compare", "20250101", "last"], { dataDir });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      `no lab run "20250101"; quartet lab runs lists them (latest: ${ids[3]}, ${ids[2]}, ${ids[1]}, or \`last\`)`,
    );
    const same = await runCli(["lab", "compare", "last", ids[3]!], { dataDir });
    expect(same.code).toBe(2);
    expect(same.stderr).toContain(`are the same run (${ids[3]})`);
  });
});

describe("quartet lab runs and prune on copied and incomplete run folders", () => {
  it("takes a run's id from its folder: a copy is listed, shown and pruned as itself", async () => {
    const { dataDir, ids } = recordedRunsAged([3, 2, 1, 0]);
    const runs = path.join(dataDir, "lab", "runs");
    const backup = `${ids[0]}-backup`;
    fs.cpSync(path.join(runs, ids[0]!), path.join(runs, backup), { recursive: true });
    const listed = json<RunsJson>(await runCli(["lab", "runs", "--json"], { dataDir })).runs;
    expect(listed.map((r) => r.id).sort()).toEqual([...ids, backup].sort());
    expect(json<{ run: { id: string } }>(await runCli(["lab", "show", backup, "--json"], { dataDir })).run.id).toBe(backup);
    // The two have the same start: the newest-first order puts the backup (the later name) first, so it is kept.
    const one = json<{ removed: { id: string }[] }>(await runCli(["lab", "prune", "--keep", "4", "--json"], { dataDir }));
    expect(one.removed.map((r) => r.id)).toEqual([ids[0]]);
    expect(fs.readdirSync(runs).sort()).toEqual([backup, ...ids.slice(1)].sort());
    const all = await runCli(["lab", "prune", "--keep", "0", "--json"], { dataDir });
    expect(all.code, all.stderr).toBe(0);
    expect(
      json<{ removed: { id: string }[] }>(all)
        .removed.map((r) => r.id)
        .sort(),
    ).toEqual([backup, ...ids.slice(1)].sort());
    expect(fs.readdirSync(runs)).toEqual([]);
  });

  it("lists a folder without run.json as incomplete, counts its size, and prunes it once old and unlocked", async () => {
    const { dataDir, ids } = recordedRunsAged([3, 2, 1, 0]);
    const runs = path.join(dataDir, "lab", "runs");
    const killed = path.join(runs, "20260101-000000-explore-edit-test");
    fs.mkdirSync(killed);
    fs.writeFileSync(path.join(killed, "partial"), "x".repeat(100_000));
    const fresh = path.join(runs, "20260101-000001-explore-edit-test");
    fs.mkdirSync(fresh);
    const before = json<RunsJson & { incomplete: { id: string }[]; totalBytes: number }>(
      await runCli(["lab", "runs", "--json"], { dataDir }),
    );
    expect(before.runs.map((r) => r.id)).toEqual(ids);
    expect(before.incomplete.map((r) => r.id)).toEqual([path.basename(killed), path.basename(fresh)]);
    const table = (await runCli(["lab", "runs"], { dataDir })).stdout;
    expect(table).toMatch(new RegExp(`${path.basename(killed)} +│ .* │ incomplete │`));
    expect(table).toMatch(/4 runs and 2 incomplete folders, \d+ KB in /);
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(killed, hourAgo, hourAgo);
    const pruned = await runCli(["lab", "prune", "--older-than", "7d"], { dataDir });
    expect(pruned.stdout).toContain(`${path.basename(killed)}  incomplete`);
    expect(fs.existsSync(killed)).toBe(false);
    expect(fs.existsSync(fresh)).toBe(true);
    expect(fs.readdirSync(runs)).toHaveLength(5);
  });

  it("prints times in UTC, as the run ids are, whatever the local time zone", async () => {
    const { dataDir, ids } = recordedRunsAged([3, 2, 1, 0]);
    const started = JSON.parse(fs.readFileSync(path.join(dataDir, "lab", "runs", ids[0]!, "run.json"), "utf8")) as { startedAt: string };
    const utc = started.startedAt.slice(0, 16).replace("T", " ");
    const table = (await runCli(["lab", "runs"], { dataDir, env: { TZ: "Pacific/Kiritimati" } })).stdout;
    expect(table).toContain("Started (UTC)");
    expect(table).toMatch(new RegExp(`${ids[0]} +│ ${utc} │`));
    const dry = (await runCli(["lab", "prune", "--keep", "3", "--dry-run"], { dataDir, env: { TZ: "Pacific/Kiritimati" } })).stdout;
    expect(dry).toContain(`  ${ids[0]}  ${utc} UTC  `);
  });
});

describe("quartet lab run with a stand-in runtime", () => {
  it("shows turn N of M with the runtime and elapsed time, and no prune removes the run while it runs", async () => {
    // A stand-in for claude that makes no request: its first turn waits until the test releases it.
    const bin = path.join(tempDir(), "claude");
    fs.writeFileSync(bin, "#!/bin/sh\ntouch started\nwhile [ ! -f release ]; do sleep 0.05; done\nexit 0\n", { mode: 0o755 });
    const dataDir = tempDir("quartet-lab-live-");
    const running = runCli(["lab", "run", "--clean", "--runtime", "claude", "--claude-bin", bin, "--json"], { dataDir });
    const runs = path.join(dataDir, "lab", "runs");
    const workspace = () => path.join(runs, fs.readdirSync(runs)[0]!, "claude", "workspace");
    await vi.waitFor(() => expect(fs.existsSync(path.join(workspace(), "started"))).toBe(true), { timeout: 30_000, interval: 50 });
    const listed = json<RunsJson>(await runCli(["lab", "runs", "--json"], { dataDir })).runs;
    expect(listed).toEqual([expect.objectContaining({ status: "running", runtimes: [] })]);
    const pruned = await runCli(["lab", "prune", "--keep", "0"], { dataDir });
    expect(pruned.stdout).toBe(`No lab run to remove (1 run kept).\n${listed[0]!.id} is still running: kept.\n`);
    fs.writeFileSync(path.join(workspace(), "release"), "");
    const done = await running;
    expect(done.code, done.stderr).toBe(0);
    const lines = done.stderr.split("\n").filter((l) => l.includes(" turn "));
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^lab: claude turn 1\/6 · \d+s elapsed: Give me a short overview of this project\.$/);
    expect(lines[5]).toMatch(/^lab: claude turn 6\/6 · \d+s elapsed: Run the tests again\.$/);
    expect(json<RunsJson>(await runCli(["lab", "runs", "--json"], { dataDir })).runs[0]).toMatchObject({ status: "finished" });
    const removed = await runCli(["lab", "prune", "--keep", "0"], { dataDir });
    expect(removed.stdout).toMatch(new RegExp(`^Removed 1 run, \\d+ KB freed:\n  ${listed[0]!.id}  `));
    expect(fs.readdirSync(runs)).toEqual([]);
  }, 60_000);
});

describe("the lab's tables in a narrow terminal", () => {
  it("fit 80 columns (hidden columns named) and --wide prints them whole", async () => {
    const dataDir = tempDir("quartet-lab-narrow-");
    const [a, b] = copyRecordedRuns(dataDir);
    const env = { NO_COLOR: "1", COLUMNS: "80" };
    const tableWidth = (out: string) =>
      Math.max(
        ...out
          .split("\n")
          .filter((l) => /^[│┌└]/.test(l))
          .map((l) => [...l].length),
      );
    for (const args of [
      ["lab", "runs"],
      ["lab", "compare", a!, b!],
      ["lab", "show", a!],
      ["lab", "scenarios"],
    ]) {
      const r = await runCli(args, { dataDir, env });
      expect(r.code, r.stderr).toBe(0);
      expect(tableWidth(r.stdout), args.join(" ")).toBeLessThanOrEqual(80);
      // Run ids are what the other commands take: never cut.
      if (args[1] === "runs") for (const id of [a!, b!]) expect(r.stdout).toContain(id);
      const wide = await runCli([...args, "--wide"], { dataDir, env });
      if (r.stdout.includes("Hidden to fit 80 columns")) expect(tableWidth(wide.stdout), args.join(" ")).toBeGreaterThan(80);
    }
  });
});

describe("the lab's prices", () => {
  it("come from --pricing or $QUARTET_PRICING as for every report, and a bad price file is named by file, line and field", async () => {
    const { dataDir, ids } = recordedRunsAged([3, 2, 1, 0]);
    // Every built-in price doubled: every cost the lab computes doubles with it.
    const double = (r: {
      input: number;
      output: number;
      cacheWrite5m: number | null;
      cacheWrite1h: number | null;
      cacheRead: number | null;
    }) => ({
      input: r.input * 2,
      output: r.output * 2,
      cacheWrite5m: r.cacheWrite5m === null ? null : r.cacheWrite5m * 2,
      cacheWrite1h: r.cacheWrite1h === null ? null : r.cacheWrite1h * 2,
      cacheRead: r.cacheRead === null ? null : r.cacheRead * 2,
    });
    const doubled = path.join(tempDir(), "doubled.json");
    fs.writeFileSync(
      doubled,
      JSON.stringify(
        PRICE_TABLE.map((r) => ({ ...r, ...double(r), ...(r.tiers ? { tiers: r.tiers.map((t) => ({ ...t, ...double(t) })) } : {}) })),
      ),
    );
    type Shown = { runtimes: { runtime: string; costUsd: number }[] };
    const costs = (r: { stdout: string; stderr: string }) => json<Shown>(r).runtimes.map((x) => x.costUsd);
    const id = ids[0]!;
    const listed = (pricing: string[]) => runCli(["lab", "runs", "--json", ...pricing], { dataDir });
    const [base, flag, env, runs, runsDoubled] = await Promise.all([
      runCli(["lab", "show", id, "--json"], { dataDir }),
      runCli(["lab", "show", id, "--json", "--pricing", doubled], { dataDir }),
      runCli(["lab", "show", id, "--json"], { dataDir, env: { QUARTET_PRICING: doubled } }),
      listed([]),
      listed(["--pricing", doubled]),
    ]);
    const before = costs(base);
    expect(before.every((c) => c > 0)).toBe(true);
    for (const after of [costs(flag), costs(env)]) after.forEach((c, i) => expect(c).toBeCloseTo(before[i]! * 2, 5));
    const total = (r: { stdout: string; stderr: string }) => json<RunsJson>(r).runs.map((x) => x.costUsd!);
    total(runsDoubled).forEach((c, i) => expect(c).toBeCloseTo(total(runs)[i]! * 2, 5));

    const bad = path.join(tempDir(), "pricing.json");
    fs.writeFileSync(bad, `[\n  ${JSON.stringify(PRICE_TABLE[0])},\n  ${JSON.stringify({ ...PRICE_TABLE[0], output: -1 })}\n]\n`);
    const error = `error: ${bad}:3: [1].output: Too small: expected number to be >=0\n`;
    const refused = [
      ["usage", "--pricing", bad],
      ["lab", "show", id, "--pricing", bad],
      ["lab", "compare", ids[0]!, ids[1]!, "--pricing", bad],
      ["lab", "run", "--pricing", bad],
    ];
    const [missing, ...results] = await Promise.all([
      runCli(["lab", "show", id], { dataDir, env: { QUARTET_PRICING: path.join(tempDir(), "typo.json") } }),
      ...refused.map((args) => runCli(args, { dataDir })),
    ]);
    results.forEach((r, i) => expect([r.code, r.stderr], refused[i]!.join(" ")).toEqual([1, error]));
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/typo\.json.*cannot read the pricing override/)]);
  });
});
