/** record.sh and notify.sh run by the real `sh`, with the JSON Claude Code and Codex hand them (Claude Code's state rules included). */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { pathToFileURL } from "node:url";
import { ROOT, tempDir } from "../../test/helpers.js";
import { removeTmuxSocket } from "../../test/sessions.js";
import { shellQuote } from "../core/shell.js";
import { claudeSession } from "../runtimes/claude/session.js";
import * as scripts from "./scripts.js";
import { recordScript, writeSessionScripts } from "./scripts.js";
import { foldEvents, readEvents, type Observed } from "./state.js";

/** A session quartet started with a prompt, before any event of its runtime. */
const started: Observed = { state: "working", since: 0, source: "quartet", detail: null, runtimeSessionId: null };

function setup(command: string) {
  const dir = tempDir();
  const log = path.join(dir, "notified.log");
  writeSessionScripts(dir, {
    name: "s1",
    runtime: "claude",
    tmuxSocket: "unused",
    notify: { bell: false, desktop: false, command: command.replace("LOG", log) },
    // Claude Code's rules, which the first test reads Claude Code's hook JSON with.
    stateRules: claudeSession.stateRules,
  });
  const record = (args: string[], stdin = "") => {
    const r = spawnSync("sh", [recordScript(dir), ...args], { input: stdin, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  };
  const notified = async (count: number) => {
    await expect.poll(() => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0)).toBe(count);
    return fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "";
  };
  return { dir, record, notified };
}

test("record.sh appends events and notifies once per change to needs-input", async () => {
  const { dir, record, notified } = setup(`echo "$QUARTET_SESSION $QUARTET_RUNTIME $QUARTET_DETAIL" >> LOG`);
  record(["hook", "UserPromptSubmit", "working"], '{"prompt":"hi"}');
  record(
    ["hook", "PermissionRequest", "needs-input"],
    '{"hook_event_name":"PermissionRequest","tool_name":"Bash","tool_input":{"command":"touch x"}}',
  );
  record(
    ["hook", "Notification", "?notification"],
    '{"hook_event_name": "Notification", "notification_type": "permission_prompt", "message":"Claude needs your permission"}',
  );
  expect(await notified(1)).toBe("s1 claude Bash\n");
  record(["hook", "PostToolUse", "working"], "{}");
  record(["hook", "Notification", "?notification"], '{"notification_type":"idle_prompt"}');
  record(["hook", "Notification", "?notification"], '{"notification_type":"auth_success"}');
  record(["hook", "Notification", "?notification"], '{"notification_type":"elicitation_dialog"}');
  expect(await notified(2)).toBe("s1 claude Bash\ns1 claude elicitation_dialog\n");
  const events = readEvents(dir, 0).events;
  expect(events.map((e) => [e.ev, e.state, e.detail])).toEqual([
    ["UserPromptSubmit", "working", ""],
    ["PermissionRequest", "needs-input", "Bash"],
    ["Notification", "needs-input", ""],
    ["PostToolUse", "working", ""],
    ["Notification", "idle", "idle_prompt"],
    ["Notification", "", "auth_success"],
    ["Notification", "needs-input", "elicitation_dialog"],
  ]);
  expect(events.every((e) => e.t > 1_600_000_000_000)).toBe(true);
  // While it waited, the session was asking for Bash, not for "permission_prompt".
  expect(foldEvents(started, events.slice(0, 3))).toMatchObject({ state: "needs-input", detail: "Bash" });
});

test("Claude Code's permission prompt notification alone still says the session needs its person", () => {
  const { dir, record } = setup("true");
  record(["hook", "UserPromptSubmit", "working"], '{"prompt":"hi"}');
  record(["hook", "Notification", "?notification"], '{"notification_type":"permission_prompt","message":"Claude needs your permission"}');
  expect(foldEvents(started, readEvents(dir, 0).events)).toMatchObject({ state: "needs-input", detail: null });
});

/** Two observers (`ps` and the board) in their own processes, seeing the same prompt at the same instant. */
async function observers(dir: string, count = 2): Promise<void> {
  const at = Date.now() + 1500;
  const module = pathToFileURL(path.join(ROOT, "src", "sessions", "scripts.ts")).href;
  const code = `import { notifyNeedsInput } from ${JSON.stringify(module)};
while (Date.now() < ${at});
notifyNeedsInput(${JSON.stringify(dir)});`;
  const runs = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += String(d)));
    return new Promise<void>((resolve, reject) => child.on("close", (c) => (c === 0 ? resolve() : reject(new Error(stderr)))));
  });
  await Promise.all(runs);
}

test(
  "a screen-read prompt notifies once per prompt: again after working, once with concurrent observers",
  { timeout: 30_000 },
  async () => {
    const { dir, notified } = setup(`echo "$QUARTET_DETAIL" >> LOG`);
    const beforePrompt = scripts.stateSeen(dir);
    await observers(dir);
    expect(await notified(1)).toBe("screen\n");
    // The same prompt seen again does not notify twice: no marker is made for it, and a notification from the
    // screen only ever follows its marker (made before notify.sh starts, so counting them misses none on its way).
    const markers = () => fs.readdirSync(path.join(dir, "notified")).length;
    // An observer that read the screen before the prompt came does not record its "working" over it.
    scripts.recordScreenState(dir, "working", beforePrompt);
    await observers(dir, 1);
    expect(markers()).toBe(1);
    // The screen goes back to working (the approval was answered), then a second approval in the same turn. The
    // observers may not have saved anything in between (another process held the database): it still notifies.
    scripts.recordScreenState(dir, "working", scripts.stateSeen(dir));
    await observers(dir);
    expect(await notified(2)).toBe("screen\nscreen\n");
    await observers(dir, 1);
    expect(markers()).toBe(2);
    // Nor after a hook reported it first, as record.sh does.
    scripts.recordScreenState(dir, "working", scripts.stateSeen(dir));
    spawnSync("sh", [recordScript(dir), "hook", "PermissionRequest", "needs-input", "s1", "Bash"], { input: "{}" });
    expect(await notified(3)).toBe("screen\nscreen\nBash\n");
    await observers(dir, 1);
    expect(markers()).toBe(2);
    expect(await notified(3)).toBe("screen\nscreen\nBash\n");
  },
);

test("record.sh keeps quotes out of the event line", () => {
  const { dir, record } = setup("true");
  record(["plugin", "permission.asked", "needs-input", 'ses_1"},{"x', 'bash"\\']);
  const events = readEvents(dir, 0);
  expect(events.malformed).toBe(0);
  expect(events.events.map((e) => [e.src, e.state, e.detail, e.sid])).toEqual([["plugin", "needs-input", "bash", "ses_1x"]]);
});

test("shellQuote survives every awkward character", () => {
  const value = `it's "quoted" $HOME \`cmd\` \\ ; & | *`;
  const r = spawnSync("sh", ["-c", `printf '%s' ${shellQuote(value)}`], { encoding: "utf8" });
  expect(r.stdout).toBe(value);
});

test("notify.sh calls notify-send when it is installed, and skips what is turned off", async () => {
  // FAKE notify-send: this machine has no desktop to show a notification on; the stand-in records its arguments.
  const bin = tempDir();
  const calls = path.join(bin, "calls.log");
  fs.writeFileSync(path.join(bin, "notify-send"), `#!/bin/sh\nprintf '%s|' "$@" >> ${calls}\necho >> ${calls}\n`, { mode: 0o755 });
  const dir = tempDir();
  writeSessionScripts(dir, {
    name: "fix-login",
    runtime: "opencode",
    tmuxSocket: "unused",
    notify: { bell: true, desktop: true, command: null },
  });
  const env = { PATH: `${bin}:${process.env.PATH}` };
  const r = spawnSync("sh", [path.join(dir, "notify.sh"), "bash"], { env, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  expect(fs.readFileSync(calls, "utf8")).toBe("-a|quartet|quartet: fix-login needs you|bash|\n");

  const quiet = tempDir();
  writeSessionScripts(quiet, {
    name: "q",
    runtime: "claude",
    tmuxSocket: "unused",
    notify: { bell: false, desktop: false, command: null },
  });
  expect(fs.readFileSync(path.join(quiet, "notify.sh"), "utf8")).not.toMatch(/notify-send|tmux/);
  spawnSync("sh", [path.join(quiet, "notify.sh")], { env });
  expect(fs.readFileSync(calls, "utf8").split("\n").filter(Boolean)).toHaveLength(1);
});

test("notify.sh rings the bell in the agent's tmux pane", async () => {
  const socket = `quartet-bell-${process.pid}`;
  const tmux = (...args: string[]) => spawnSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  try {
    tmux("new-session", "-d", "-s", "bell", "-x", "80", "-y", "20", "sleep 60");
    // The agent's pane is in a window nobody is looking at: that is where the bell flag shows.
    const pane = tmux("new-window", "-d", "-P", "-F", "#{pane_id}", "-t", "bell", "sleep 60").stdout.trim();
    const dir = tempDir();
    writeSessionScripts(dir, { name: "s1", runtime: "claude", tmuxSocket: socket, notify: { bell: true, desktop: false, command: null } });
    const r = spawnSync("sh", [path.join(dir, "notify.sh")], { env: { ...process.env, TMUX_PANE: pane }, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    await expect.poll(() => tmux("display-message", "-p", "-t", pane, "#{window_bell_flag}").stdout.trim()).toBe("1");
  } finally {
    tmux("kill-server");
    removeTmuxSocket(socket);
  }
});
