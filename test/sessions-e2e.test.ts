/**
 * Layer 2 end to end: the real pinned `claude` and `opencode` TUIs in a private tmux server, each in a git
 * worktree made by `quartet run`, with the lab endpoint as their model. State comes from Claude Code's
 * hooks and OpenCode's plugin; `ps` must follow it through working, idle, needs-input and exited.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FIRST_TURN_MS, git, isAlive, panePid, paneText, sessionLab, type SessionLab } from "./sessions.js";

let lab: SessionLab;
beforeAll(async () => {
  lab = await sessionLab();
});
afterAll(async () => {
  await lab?.close();
});

/** Sessions named by the notification command, one line per notification. */
const notified = (name: string) =>
  (fs.existsSync(lab.notifyLog) ? fs.readFileSync(lab.notifyLog, "utf8").split("\n") : []).filter((l) => l.split(" ")[0] === name);

describe.each([
  { runtime: "claude", source: "hook", approve: "1" },
  { runtime: "opencode", source: "plugin", approve: "Enter" },
])("a $runtime session", ({ runtime, source, approve }) => {
  const name = `e2e-${runtime}`;

  test(
    "runs in its own worktree, working then idle, needs-input with a notification, send, kill and stop",
    { timeout: 480_000 },
    async () => {
      const started = await lab.cli(["run", "--runtime", runtime, "--name", name, "--json", "List the files here."]);
      expect(started.stderr).toContain("copied from .worktreeinclude: .env");
      expect(started.code, started.stderr).toBe(0);
      const row = JSON.parse(started.stdout) as { workdir: string; branch: string; tmux: { pane: string } };
      expect(row.branch).toBe(`quartet/${name}`);
      expect(row.workdir.startsWith(lab.dataDir)).toBe(true);
      expect(git(row.workdir, "rev-parse", "--abbrev-ref", "HEAD")).toBe(`quartet/${name}`);
      expect(fs.readFileSync(path.join(row.workdir, ".env"), "utf8")).toBe("TOKEN=local-only\n");

      // The first turn: reported working by the runtime itself, then idle, in bounded time.
      const working = await lab.waitFor(
        name,
        (s) => s.state === "working" && s.stateSource === source,
        "working (from its events)",
        FIRST_TURN_MS,
      );
      expect(working.session.confidence).toBe("high");
      const idle = await lab.waitFor(name, (s) => s.state === "idle" && s.stateSource === source, "idle", FIRST_TURN_MS);
      expect(idle.session.runtimeSessionId).toBeTruthy();
      expect(lab.userTexts().some((t) => t.includes("List the files here."))).toBe(true);

      // A command that needs permission: needs-input, and the notification command runs once.
      expect(notified(name)).toEqual([]);
      const sent = await lab.cli(["send", name, "Create the marker file."]);
      expect(sent.code, sent.stderr).toBe(0);
      const asked = await lab.waitFor(name, (s) => s.state === "needs-input", "needs-input");
      expect(asked.session.stateSource).toBe(source);
      await expect.poll(() => notified(name).length, { timeout: 10_000 }).toBe(1);
      // The person approves in the pane; the command runs and the turn ends.
      await lab.cli(["attach", name]).then((r) => expect(r.stderr).toContain("needs a terminal"));
      const { spawnSync } = await import("node:child_process");
      spawnSync("tmux", ["-L", lab.socket, "send-keys", "-t", row.tmux.pane, approve]);
      await lab.waitFor(name, (s) => s.state === "idle" && s.stateSource === source, "idle after approval");
      expect(fs.existsSync(path.join(row.workdir, "marker.txt"))).toBe(true);
      expect(notified(name).length).toBe(1);

      // A follow-up with characters a shell or tmux would otherwise interpret reaches the model verbatim.
      const tricky = `Check "quotes", $HOME, \`ticks\`, 'single' & C-c; done \\ ${runtime}`;
      expect((await lab.cli(["send", name, tricky])).code).toBe(0);
      await expect.poll(() => lab.userTexts().some((t) => t.includes(tricky)), { timeout: 60_000 }).toBe(true);
      await lab.waitFor(name, (s) => s.state === "idle" && s.stateSource === source, "idle after the follow-up");

      // ps shows the change and, from the ledger, what the session cost.
      const table = await lab.cli(["ps"]);
      expect(table.code, table.stderr).toBe(0);
      const line = table.stdout.split("\n").find((l) => l.includes(name))!;
      expect(line).toMatch(/idle/);
      expect(line).toMatch(/\+0 -0 \(1 file\)/);
      expect(line).toMatch(/\$\d+\.\d\d/);
      const full = JSON.parse((await lab.cli(["ps", "--json"])).stdout) as {
        sessions: { name: string; usage: { requests: number } | null }[];
      };
      expect(full.sessions.find((s) => s.name === name)!.usage!.requests).toBeGreaterThan(1);

      // A crash: the runtime's process is killed; ps reports exited, from the process itself.
      process.kill(panePid(lab.socket, row.tmux.pane), "SIGKILL");
      const exited = await lab.waitFor(name, (s) => s.state === "exited", "exited", 15_000);
      expect(exited.session.stateSource).toBe("process");
      const sendDead = await lab.cli(["send", name, "anyone there?"]);
      expect(sendDead.code).toBe(2);
      expect(sendDead.stderr).toContain("has exited");

      // stop keeps a worktree with uncommitted work (marker.txt) unless forced.
      const kept = await lab.cli(["stop", name]);
      expect(kept.code, kept.stderr).toBe(0);
      expect(kept.stderr).toContain("uncommitted work (marker.txt)");
      expect(fs.existsSync(path.join(row.workdir, "marker.txt"))).toBe(true);
      const forced = await lab.cli(["stop", name, "--force"]);
      expect(forced.code, forced.stderr).toBe(0);
      expect(fs.existsSync(row.workdir)).toBe(false);
      expect(git(lab.repo, "branch", "--list", `quartet/${name}`)).toBe("");
      expect((await lab.ps()).find((s) => s.name === name)).toBeUndefined();
    },
  );
});

test("stop ends a live session and its tmux pane", { timeout: 120_000 }, async () => {
  const started = await lab.cli(["run", "--name", "to-stop", "--json", "List the files here."]);
  expect(started.code, started.stderr).toBe(0);
  const row = JSON.parse(started.stdout) as { workdir: string; tmux: { pane: string } };
  await lab.waitFor("to-stop", (s) => s.state === "idle", "idle");
  const pid = panePid(lab.socket, row.tmux.pane);
  const stopped = await lab.cli(["stop", "to-stop"]);
  expect(stopped.code, stopped.stderr).toBe(0);
  expect(stopped.stdout).toContain("removed worktree");
  expect(paneText(lab.socket, row.tmux.pane)).toBe("");
  // Ended before its worktree went, not after.
  expect(isAlive(pid)).toBe(false);
  expect(fs.existsSync(row.workdir)).toBe(false);
});

test("a turn the person interrupts (no Stop hook fires) reads as idle from the screen", { timeout: 120_000 }, async () => {
  const started = await lab.cli(["run", "--name", "interrupted", "--json", "List the files here."]);
  expect(started.code, started.stderr).toBe(0);
  const row = JSON.parse(started.stdout) as { tmux: { pane: string } };
  await lab.waitFor("interrupted", (s) => s.state === "working" && s.stateSource === "hook", "working");
  const { spawnSync } = await import("node:child_process");
  spawnSync("tmux", ["-L", lab.socket, "send-keys", "-t", row.tmux.pane, "Escape"]);
  // `ps` reads the screen once the state has not moved for QUARTET_SCREEN_STALE_MS.
  const { session } = await lab.waitFor("interrupted", (s) => s.state === "idle", "idle", 30_000, { QUARTET_SCREEN_STALE_MS: "2000" });
  expect(session).toMatchObject({ stateSource: "screen", confidence: "low" });
  expect((await lab.cli(["stop", "interrupted", "--force"])).code).toBe(0);
});
