/**
 * `quartet run --gateway` and `quartet task start --gateway`: the real pinned `claude` and `opencode` TUIs in a
 * private tmux server, pointed at the gateway announced in quartet's data folder. A second lab endpoint stands
 * in for the gateway here (a real HTTP server answering the Anthropic Messages API, announced through
 * announceGateway as `quartet gateway` does): what the test proves is that the runtimes' requests go to the
 * announced address, and none to the address the user's own environment and project config name.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { announceGateway, withdrawGateway } from "../src/gateway/running.js";
import { parseScenario, startLabEndpoint, type Endpoint, type ModelSession } from "../src/lab/lab.js";
import { request, startBoardCli } from "./board.js";
import { SESSION_SCENARIO, sessionLab, type SessionLab } from "./sessions.js";

let lab: SessionLab;
let standIn: Endpoint & { model: ModelSession };
beforeAll(async () => {
  lab = await sessionLab({ delayMs: 100 });
  // The person's own Claude Code settings send it elsewhere (as a proxy like claude-code-router is set up): an
  // `env` there overrides the process's environment, so the session must set the gateway where it wins.
  fs.mkdirSync(path.join(lab.home, ".claude"), { recursive: true });
  fs.writeFileSync(path.join(lab.home, ".claude", "settings.json"), JSON.stringify({ env: { ANTHROPIC_BASE_URL: lab.endpoint.url } }));
  standIn = await startLabEndpoint({ scenario: parseScenario(SESSION_SCENARIO, "sessions.yaml"), workspace: lab.repo });
});
afterAll(async () => {
  await lab?.close();
  await standIn?.close();
});

/** The user-agents of the Messages API requests the stand-in received whose user text holds `text`. */
function arrivedWith(text: string): string[] {
  return standIn.requests
    .filter((r) => r.method === "POST" && r.path.startsWith("/v1/messages") && JSON.stringify(r.body).includes(text))
    .map((r) => r.headers["user-agent"] ?? "");
}

test("with no gateway running, or for Codex, nothing starts and the error says why", async () => {
  const none = await lab.cli(["run", "--gateway", "--name", "gw-none", "List the files here."]);
  expect(none.code).toBe(1);
  expect(none.stderr).toContain("no gateway is running; start one with `quartet gateway`");
  // A gateway file left by a gateway that died (its process is gone) reads as none running.
  announceGateway(lab.dataDir, { pid: 2 ** 22 + 1, url: standIn.url, port: standIn.port, startedAt: Date.now() });
  const stale = await lab.cli(["run", "--gateway", "--name", "gw-stale", "List the files here."]);
  expect(stale.code).toBe(1);
  expect(stale.stderr).toContain("no gateway is running");
  announceGateway(lab.dataDir, { pid: process.pid, url: standIn.url, port: standIn.port, startedAt: Date.now() });
  const codex = await lab.cli(["run", "--runtime", "codex", "--gateway", "--name", "gw-codex", "List the files here."]);
  expect(codex.code).toBe(2);
  expect(codex.stderr).toContain("Codex CLI cannot be started through quartet's gateway: Codex speaks OpenAI's Responses API");
  expect(await lab.ps()).toEqual([]);
  expect(standIn.requests).toEqual([]);
});

test("the board's Start with its gateway box: the choice reaches the session, and a bad value is refused", async () => {
  withdrawGateway(lab.dataDir);
  const added = await lab.cli(["task", "add", "Board task", "--json"]);
  const id = (JSON.parse(added.stdout) as { id: number }).id;
  const board = await startBoardCli(lab);
  try {
    const u = new URL(board.url);
    const login = await request(board.url, { headers: { host: u.host } });
    const cookie = String(login.headers["set-cookie"]).split(";")[0]!;
    const page = await request(`${u.origin}/`, { headers: { host: u.host, cookie } });
    const csrf = /name="quartet-csrf" content="([^"]+)"/.exec(page.body)![1]!;
    const start = (body: unknown) =>
      request(`${u.origin}/api/tasks/${id}/start`, {
        method: "POST",
        headers: { host: u.host, cookie, origin: u.origin, "x-quartet-csrf": csrf, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const bad = await start({ runtime: "claude", gateway: "yes" });
    expect([bad.status, JSON.parse(bad.body).error]).toEqual([400, "gateway: expected true or false"]);
    const none = await start({ runtime: "claude", gateway: true });
    expect(none.status).toBe(409);
    expect(JSON.parse(none.body).error).toBe("no gateway is running; start one with `quartet gateway`");
    expect(await lab.ps()).toEqual([]);
  } finally {
    board.child.kill("SIGTERM");
  }
});

test(
  "a Claude Code session and an OpenCode task started with --gateway send their requests to the gateway, and so does a resume",
  { timeout: 480_000 },
  async () => {
    announceGateway(lab.dataDir, { pid: process.pid, url: standIn.url, port: standIn.port, startedAt: Date.now() });
    try {
      const added = await lab.cli(["task", "add", "Create the marker file.", "--json"]);
      expect(added.code, added.stderr).toBe(0);
      const id = String((JSON.parse(added.stdout) as { id: number }).id);
      // Both started at once, and OpenCode left to load while Claude Code goes through its run and its resume:
      // OpenCode's TUI takes the longest to send its first request (tens of seconds on a loaded machine).
      const [task, run] = await Promise.all([
        lab.cli(["task", "start", id, "--runtime", "opencode", "--gateway"]),
        lab.cli(["run", "--gateway", "--name", "gw-claude", "--json", "List the files here."]),
      ]);
      expect(task.code, task.stderr).toBe(0);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(`through the gateway at ${standIn.url}`);
      expect((JSON.parse(run.stdout) as { gateway: boolean }).gateway).toBe(true);
      expect((await lab.ps()).map((s) => [s.name, s.gateway]).sort()).toEqual([
        ["gw-claude", true],
        [`task-${id}`, true],
      ]);
      await expect
        .poll(() => arrivedWith("List the files here."), { timeout: 60_000 })
        .toContainEqual(expect.stringMatching(/^claude-cli\//));

      // Resumed, it is pointed at the gateway running then; with none running it is not started at all.
      expect((await lab.cli(["stop", "gw-claude", "--keep-worktree"])).code).toBe(0);
      withdrawGateway(lab.dataDir);
      const without = await lab.cli(["resume", "gw-claude", "-m", "Resumed through the gateway."]);
      expect([without.code, without.stderr]).toEqual([1, expect.stringContaining("no gateway is running")]);
      announceGateway(lab.dataDir, { pid: process.pid, url: standIn.url, port: standIn.port, startedAt: Date.now() });
      const resumed = await lab.cli(["resume", "gw-claude", "-m", "Resumed through the gateway."]);
      expect(resumed.code, resumed.stderr).toBe(0);
      await expect
        .poll(() => arrivedWith("Resumed through the gateway."), { timeout: 60_000 })
        .toContainEqual(expect.stringMatching(/^claude-cli\//));
      await expect
        .poll(() => arrivedWith("Create the marker file."), { timeout: 90_000 })
        .toContainEqual(expect.stringMatching(/^opencode\//));
      // The environment's ANTHROPIC_BASE_URL, Claude Code's settings.json and the project's opencode.json name the
      // lab's own endpoint: none went there.
      expect(lab.endpoint.model.requests).toEqual([]);
    } finally {
      withdrawGateway(lab.dataDir);
    }
  },
);
