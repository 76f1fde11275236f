/**
 * Codex CLI as a session, for real: the pinned `codex` (0.169) TUI in tmux, talking to the lab endpoint's
 * OpenAI Responses API through a model provider in the person's (test) ~/.codex/config.toml, with only the
 * dummy key, through the provider's env_key. Idle comes from Codex's own `notify` (high confidence), working
 * and an approval prompt from the screen (low); `resume` continues the same thread with `codex resume`.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { panePid, sessionLab, watchCommandLines, type SessionLab } from "./sessions.js";
import { spawnSync } from "node:child_process";

let lab: SessionLab;
beforeAll(async () => {
  lab = await sessionLab({ delayMs: 1500 });
});
afterAll(async () => {
  await lab?.close();
});

const THREAD = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const notified = (name: string) =>
  (fs.existsSync(lab.notifyLog) ? fs.readFileSync(lab.notifyLog, "utf8").split("\n") : []).filter((l) => l.split(" ")[0] === name);

test("a codex session runs real turns: working, idle from notify, an approval as needs-input, stop", { timeout: 90_000 }, async () => {
  const secret = `quartet-test-secret-${Math.random().toString(36).slice(2)}`;
  const watch = watchCommandLines([secret, LAB_API_KEY]);
  const started = await lab.cli(["run", "--runtime", "codex", "--name", "cx", "--json", "List the files here."], {
    env: { QUARTET_TEST_SECRET: secret },
  });
  expect(started.code, started.stderr).toBe(0);
  watch.started();
  const row = JSON.parse(started.stdout) as { workdir: string; tmux: { pane: string } };

  const working = await lab.waitFor("cx", (s) => s.state === "working" && s.stateSource === "screen", "working (from the screen)");
  expect(working.session.confidence).toBe("low");
  const idle = await lab.waitFor("cx", (s) => s.state === "idle" && s.stateSource === "notify", "idle (from notify)");
  expect(idle.session).toMatchObject({ runtime: "codex", confidence: "high", branch: "quartet/cx" });
  // The session's thread: Codex's rollout of it, in this worktree.
  expect(idle.session.runtimeSessionId).toMatch(THREAD);
  const rollouts = fs.readdirSync(path.join(lab.home, ".codex", "sessions"), { recursive: true }).map(String);
  expect(rollouts.some((f) => f.endsWith(`-${idle.session.runtimeSessionId}.jsonl`))).toBe(true);
  expect(lab.userTexts()).toContain("List the files here.");
  // The person's own notify program still ran, with Codex's event.
  await expect
    .poll(() => fs.existsSync(lab.codexNotifyLog) && fs.readFileSync(lab.codexNotifyLog, "utf8"), { timeout: 10_000 })
    .toContain(`"thread-id":"${idle.session.runtimeSessionId}"`);

  // A write the read-only sandbox refuses: Codex asks the person, and the notification command runs once.
  expect((await lab.cli(["send", "cx", "Create the marker file."])).code).toBe(0);
  const asked = await lab.waitFor("cx", (s) => s.state === "needs-input", "needs-input (approval)");
  expect(asked.session).toMatchObject({ stateSource: "screen", confidence: "low" });
  await expect.poll(() => notified("cx").length, { timeout: 10_000 }).toBe(1);
  spawnSync("tmux", ["-L", lab.socket, "send-keys", "-t", row.tmux.pane, "y"]);
  await lab.waitFor("cx", (s) => s.state === "idle" && s.stateSource === "notify", "idle after approval");
  expect(fs.existsSync(path.join(row.workdir, "marker.txt"))).toBe(true);

  const hits = await watch.stop();
  expect(hits, `command lines holding a secret:\n${hits.join("\n")}`).toEqual([]);
  const stopped = await lab.cli(["stop", "cx", "--force"]);
  expect(stopped.code, stopped.stderr).toBe(0);
  expect(await lab.ps()).toEqual([]);
});

test("a codex session killed in its pane resumes on its own thread", { timeout: 90_000 }, async () => {
  expect((await lab.cli(["run", "--runtime", "codex", "--name", "cx-resume", "List the files here."])).code).toBe(0);
  const first = await lab.waitFor("cx-resume", (s) => s.state === "idle" && s.stateSource === "notify", "idle");
  process.kill(panePid(lab.socket, first.session.tmux.pane!), "SIGKILL");
  await lab.waitFor("cx-resume", (s) => s.state === "exited", "exited", 15_000);

  const resumed = await lab.cli(["resume", "cx-resume"]);
  expect(resumed.code, resumed.stderr).toBe(0);
  const back = await lab.waitFor("cx-resume", (s) => s.state === "idle" && s.tmux.pane !== null, "idle again");
  expect(back.session.runtimeSessionId).toBe(first.session.runtimeSessionId);

  const requests = lab.endpoint.model.requests.length;
  expect((await lab.cli(["send", "cx-resume", "Create the marker file."])).code).toBe(0);
  await lab.waitFor("cx-resume", (s) => s.state === "needs-input", "needs-input on the resumed thread");
  // The same thread: the resumed request carries the first turn's items, and Codex's thread id as cache key.
  const next = lab.endpoint.model.requests
    .slice(requests)
    .map((r) => r.body as { input: unknown; prompt_cache_key?: string })
    .find((b) => b.prompt_cache_key === first.session.runtimeSessionId);
  expect(next, "a request on the first thread").toBeDefined();
  expect(JSON.stringify(next!.input)).toContain("List the files here.");
  expect(JSON.stringify(next!.input)).toContain("There is one JavaScript file.");
  expect((await lab.cli(["stop", "--force", "cx-resume"])).code).toBe(0);
});
