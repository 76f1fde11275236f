/**
 * Dead sessions brought back: after the tmux server dies (a crash, a reboot), `quartet resume --all`
 * relaunches every ended session in its pane on the runtime's own conversation, tracked as before.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT, tempDir } from "./helpers.js";
import { FIRST_TURN_MS, paneText, sessionLab, type SessionLab } from "./sessions.js";

let lab: SessionLab;
beforeAll(async () => {
  lab = await sessionLab({ delayMs: 300 });
});
afterAll(async () => {
  await lab?.close();
});

describe.each([
  { runtime: "claude", source: "hook" },
  { runtime: "opencode", source: "plugin" },
])("a $runtime session", ({ runtime, source }) => {
  test("comes back on its own conversation after the tmux server died", { timeout: 480_000 }, async () => {
    const name = `resume-${runtime}`;
    expect((await lab.cli(["run", "--runtime", runtime, "--name", name, "List the files here."])).code).toBe(0);
    const first = await lab.waitFor(
      name,
      (s) => s.state === "idle" && s.stateSource === source && s.runtimeSessionId !== null,
      "idle",
      FIRST_TURN_MS,
    );
    spawnSync("tmux", ["-L", lab.socket, "kill-server"]);
    await lab.waitFor(name, (s) => s.state === "exited", "exited");

    const resumed = await lab.cli(["resume", "--all"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`${name}: relaunched (${runtime})`);
    // Nothing to do until asked: idle, with a live pane.
    const back = await lab.waitFor(name, (s) => s.state === "idle" && s.tmux.pane !== null, "idle again", FIRST_TURN_MS);
    expect(back.session.runtimeSessionId).toBe(first.session.runtimeSessionId);
    // Its pane shows the conversation so far (and is then ready for input): once the relaunched TUI has drawn it,
    // which under load takes OpenCode as long as a first turn (a blank screen after 30 s in a full CI run).
    await expect
      .poll(() => paneText(lab.socket, back.session.tmux.pane!), { timeout: FIRST_TURN_MS })
      .toContain("There is one JavaScript file.");

    const requests = lab.endpoint.model.requests.length;
    expect((await lab.cli(["send", name, "Create the marker file."])).code).toBe(0);
    await expect.poll(() => lab.endpoint.model.requests.length, { timeout: 60_000 }).toBeGreaterThan(requests);
    // Its events are followed again: the permission the second turn asks for.
    await lab.waitFor(name, (s) => s.state === "needs-input" && s.stateSource === source, "needs-input, from its events");
    // The same conversation: the new request carries the first turn.
    const next = lab.endpoint.model.requests[requests]!.body as { messages: unknown[] };
    expect(JSON.stringify(next.messages)).toContain("List the files here.");
    expect((await lab.cli(["stop", "--force", name])).code).toBe(0);
  });
});

/**
 * The fake: a `claude` on PATH that runs the real one, except for `--resume`, where it does what the real one
 * does for a conversation it cannot find (its SessionEnd hook, "No conversation found", exit 1) but exits a
 * second after its hook instead of a few milliseconds: the real one's exit races the hook's event.
 */
function claudeFailingResume(): string {
  const dir = tempDir();
  const failing = path.join(dir, "failing-resume.cjs");
  fs.writeFileSync(
    failing,
    `const { spawnSync } = require("node:child_process");
const args = process.argv.slice(2);
const settings = JSON.parse(require("node:fs").readFileSync(args[args.indexOf("--settings") + 1], "utf8"));
const input = JSON.stringify({ hook_event_name: "SessionEnd", reason: "other" });
spawnSync("sh", ["-c", settings.hooks.SessionEnd[0].hooks[0].command], { input });
console.error("No conversation found with session ID: " + args[args.indexOf("--resume") + 1]);
setTimeout(() => process.exit(1), 1000);
`,
  );
  const real = path.join(ROOT, "node_modules", ".bin", "claude");
  const wrapper = `#!/bin/sh\ncase " $* " in *" --resume "*) exec node '${failing}' "$@" ;; esac\nexec '${real}' "$@"\n`;
  fs.writeFileSync(path.join(dir, "claude"), wrapper, { mode: 0o755 });
  return dir;
}

test("a conversation Claude Code cannot resume is started anew in the same worktree", { timeout: 120_000 }, async () => {
  const name = "resume-lost";
  expect((await lab.cli(["run", "--name", name, "List the files here."])).code).toBe(0);
  const first = await lab.waitFor(name, (s) => s.state === "idle" && s.stateSource === "hook" && s.runtimeSessionId !== null, "idle");
  expect((await lab.cli(["stop", "--keep-worktree", name])).code).toBe(0);

  const env = { PATH: `${claudeFailingResume()}${path.delimiter}${process.env.PATH}` };
  const resumed = await lab.cli(["resume", name], { env });
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stderr).toContain(`could not continue ${name}'s conversation (No conversation found`);
  // A new conversation of the real runtime, tracked in the same worktree, its pane alive.
  const back = await lab.waitFor(
    name,
    (s) => s.state === "idle" && s.tmux.pane !== null && s.runtimeSessionId !== first.session.runtimeSessionId,
    "idle again",
    60_000,
    env,
  );
  expect(back.session.runtimeSessionId).not.toBe(first.session.runtimeSessionId);
  expect(back.session.workdir).toBe(first.session.workdir);
  expect((await lab.cli(["stop", "--force", name])).code).toBe(0);
});

test("resume names its mistakes", async () => {
  expect((await lab.cli(["resume"])).stderr).toContain("name one session, or --all");
  expect((await lab.cli(["resume", "nope"])).stderr).toContain('no session named "nope"');
  expect((await lab.cli(["resume", "--all"])).stdout).toContain("no ended session to resume");
});
