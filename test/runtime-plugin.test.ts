/**
 * Issue 14's proof that a runtime is a folder plus a registration: test/toy-runtime/ holds a toy fourth
 * runtime (logs, a session driver, a workflow adapter), bundled here and registered through
 * $QUARTET_EXTRA_RUNTIMES. Without a change anywhere else, the built CLI offers its flag and names it in help,
 * reads its logs, runs and lists its session in a real tmux, puts it in the board's runtime picker, and
 * compares its workflow in `port status`. The toy agent is a shell script: no real runtime is the point here.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli, tempDir, writeLines } from "./helpers.js";
import { git, removeTmuxSocket } from "./sessions.js";

const TOY = path.join(ROOT, "test", "toy-runtime");
const socket = `quartet-toy-${process.pid}`;
let env: NodeJS.ProcessEnv;
let dataDir: string;
let repo: string;

beforeAll(async () => {
  // The CLI runs from dist/ under plain Node: the toy's TypeScript is bundled the way a plug-in would ship.
  const out = tempDir("quartet-toy-build-");
  await build({
    entryPoints: [path.join(TOY, "index.ts"), path.join(TOY, "log-parser.ts")],
    outdir: out,
    bundle: true,
    format: "esm",
    platform: "node",
    logLevel: "error",
  });
  const home = tempDir("quartet-toy-home-");
  writeLines(path.join(home, ".toy", "logs", "one.jsonl"), [
    { type: "toy_usage", id: "r1", session: "s1", ts: "2026-11-20T10:00:00Z", model: "toy-1", input: 100, output: 10, cache_write: 900 },
    { type: "toy_usage", id: "r2", session: "s1", ts: "2026-11-20T10:01:00Z", model: "toy-1", input: 20, output: 5, cache_read: 900 },
    { type: "other" },
  ]);
  repo = tempDir("quartet-toy-repo-");
  git(repo, "init", "-q", "-b", "main");
  git(repo, "config", "user.name", "Quartet Test");
  git(repo, "config", "user.email", "test@quartet.invalid");
  fs.writeFileSync(path.join(repo, "TOY.md"), "Be brief.\n");
  git(repo, "add", ".");
  git(repo, "commit", "-q", "-m", "start");
  dataDir = tempDir("quartet-toy-data-");
  // LANG: tmux starts no pane without a UTF-8 locale.
  env = {
    HOME: home,
    LANG: "C.UTF-8",
    QUARTET_EXTRA_RUNTIMES: path.join(out, "index.js"),
    QUARTET_TMUX_SOCKET: socket,
    GIT_CONFIG_NOSYSTEM: "1",
  };
});

afterAll(() => {
  spawnSync("tmux", ["-L", socket, "kill-server"]);
  removeTmuxSocket(socket);
});

const cli = (args: readonly string[]) => runCli(args, { env, dataDir, cwd: repo });

describe("a runtime added as a folder and a registration", () => {
  it("gets its --toy-bin flag and its place in help", async () => {
    const run = await cli(["run", "--help"]);
    expect(run.stdout).toContain("--toy-bin <path>");
    expect(run.stdout).toMatch(/runtime: claude \| opencode \| codex \| toy/);
    expect((await cli(["--help"])).stdout).toContain("Toy Agent");
  });

  it("has its logs read into the ledger", async () => {
    const r = await cli(["usage", "--by", "runtime", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const rows = (JSON.parse(r.stdout) as { rows: { key: string; requests: number; cacheReadTokens: number }[] }).rows;
    expect(rows).toEqual([expect.objectContaining({ key: "toy", requests: 2, cacheReadTokens: 900 })]);
  });

  it("runs as a session in tmux, listed by ps until stopped", async () => {
    const started = await cli(["run", "--runtime", "toy", "--toy-bin", path.join(TOY, "toy-agent.sh"), "--name", "toy1", "hello"]);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain("(Toy Agent)");
    let session: { name: string; runtime: string; state: string; stateSource: string } | undefined;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      const ps = await cli(["ps", "--json", "--no-usage"]);
      session = (JSON.parse(ps.stdout) as { sessions: NonNullable<typeof session>[] }).sessions.find((s) => s.name === "toy1");
      if (session?.state === "idle") break;
    }
    expect(session).toMatchObject({ runtime: "toy", state: "idle" });
    expect((await cli(["stop", "toy1"])).code).toBe(0);
  });

  it("is in the board's runtime picker", async () => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin", "quartet.js"), "board", "--no-open"], {
      cwd: repo,
      env: { ...process.env, ...env, QUARTET_HOME: dataDir, NO_COLOR: "1" },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (c) => {
          out += c;
          const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
          if (m) resolve(m[0]);
        });
        child.on("exit", (code) => reject(new Error(`quartet board exited with ${code}`)));
      });
      // The token in a header, as a script would send it (the URL's token is swapped for a cookie by a redirect).
      const u = new URL(url);
      const page = await (await fetch(new URL("/", u), { headers: { "x-quartet-token": u.searchParams.get("token")! } })).text();
      expect(/<meta name="quartet-runtimes" content="([^"]*)">/.exec(page)?.[1]?.split(" ")).toContain("toy");
    } finally {
      child.kill();
    }
  });

  it("takes part in port status", async () => {
    fs.writeFileSync(path.join(repo, "CLAUDE.md"), "Be brief.\n");
    const r = await cli(["port", "status", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as { runtimes: string[]; assets: { asset: string; files: string[] }[] };
    expect(status.runtimes).toContain("toy");
    expect(status.assets.find((a) => a.asset === "instructions")?.files).toContain("TOY.md");
    expect((await cli(["port", "--help"])).stdout).toContain("toy");
  });
});
