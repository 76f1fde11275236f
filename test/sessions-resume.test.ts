/**
 * Dead sessions brought back: after the tmux server dies (a crash, a reboot), `quartet resume --all`
 * relaunches every ended session in its pane on the runtime's own conversation, tracked as before.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { paneText, sessionLab, type SessionLab } from "./sessions.js";

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
  test("comes back on its own conversation after the tmux server died", { timeout: 180_000 }, async () => {
    const name = `resume-${runtime}`;
    expect((await lab.cli(["run", "--runtime", runtime, "--name", name, "List the files here."])).code).toBe(0);
    const first = await lab.waitFor(name, (s) => s.state === "idle" && s.stateSource === source && s.runtimeSessionId !== null, "idle");
    spawnSync("tmux", ["-L", lab.socket, "kill-server"]);
    await lab.waitFor(name, (s) => s.state === "exited", "exited");

    const resumed = await lab.cli(["resume", "--all"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`${name}: relaunched (${runtime})`);
    // Nothing to do until asked: idle, with a live pane.
    const back = await lab.waitFor(name, (s) => s.state === "idle" && s.tmux.pane !== null, "idle again");
    expect(back.session.runtimeSessionId).toBe(first.session.runtimeSessionId);
    // Its pane shows the conversation so far (and is then ready for input).
    await expect.poll(() => paneText(lab.socket, back.session.tmux.pane!), { timeout: 30_000 }).toContain("There is one JavaScript file.");

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

test("resume names its mistakes", async () => {
  expect((await lab.cli(["resume"])).stderr).toContain("name one session, or --all");
  expect((await lab.cli(["resume", "nope"])).stderr).toContain('no session named "nope"');
  expect((await lab.cli(["resume", "--all"])).stdout).toContain("no ended session to resume");
});
