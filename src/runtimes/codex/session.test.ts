import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { tempDir } from "../../../test/helpers.js";
import { lookupEnv } from "../../core/paths.js";
import { writeSessionScripts, recordScript } from "../../sessions/scripts.js";
import { readEvents } from "../../sessions/state.js";
import { codexSession } from "./session.js";
import { notifyFromToml } from "./user-notify.js";

test("the person's own notify is read from config.toml: strings of both kinds, over lines, with comments", () => {
  expect(notifyFromToml('model = "o3"\n[tui]\nnotify = ["x"]')).toBeUndefined();
  expect(notifyFromToml(`notify = ["notify-send", 'C:\\raw', "tab\\tq\\"\\u00e9"]`)).toEqual(["notify-send", "C:\\raw", 'tab\tq"é']);
  expect(notifyFromToml('# mine\nnotify = [\n  "python3", # the script\n  "/home/me/notify.py",\n]\n[tui]\n')).toEqual([
    "python3",
    "/home/me/notify.py",
  ]);
  expect(notifyFromToml('notify = "not an array"')).toBeNull();
  expect(notifyFromToml('notify = ["unterminated')).toBeNull();
});

test("notify input Codex rejects is unreadable, never guessed: a triple-quoted string, a missing comma", () => {
  expect(notifyFromToml('notify = """multi"""')).toBeNull();
  expect(notifyFromToml('notify = ["a" "b"]')).toBeNull();
  expect(notifyFromToml('notify = ["a", 1]')).toBeNull();
  // Valid TOML is read as TOML reads it: a multi-line basic string in the array is one string.
  expect(notifyFromToml('notify = ["""multi"""]')).toEqual(["multi"]);
});

test("an empty notify is none: the payload is never run as a command", () => {
  const { stateDir } = setup("notify = []\n");
  const script = path.join(stateDir, "codex-notify.sh");
  expect(fs.readFileSync(script, "utf8")).not.toMatch(/^\s*"\$payload"/m);
  // A program named exactly as the payload, on PATH: a line running "$payload" as the command word would run it.
  const bin = tempDir();
  const marker = path.join(tempDir(), "ran");
  const payload = JSON.stringify({ type: "agent-turn-complete", "thread-id": "t", "input-messages": ["$(touch x)"] });
  fs.writeFileSync(path.join(bin, payload), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
  const r = spawnSync("sh", [script, payload], { env: { PATH: `${bin}:${process.env.PATH}`, CODEX_HOME: tempDir() }, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  spawnSync("sleep", ["0.3"]);
  expect(fs.existsSync(marker)).toBe(false);
});

function setup(config: string | null) {
  const codexHome = tempDir();
  if (config !== null) fs.writeFileSync(path.join(codexHome, "config.toml"), config);
  const stateDir = path.join(tempDir(), "s");
  writeSessionScripts(stateDir, { name: "cx", runtime: "codex", tmuxSocket: "t", notify: { bell: false, desktop: false, command: null } });
  const command = codexSession.launch({
    bin: "/bin/codex",
    workdir: "/w",
    prompt: "--version",
    model: null,
    sessionId: "id",
    stateDir,
    recordScript: recordScript(stateDir),
    env: { HOME: "/nowhere", CODEX_HOME: codexHome },
  });
  return { codexHome, stateDir, command };
}

test("notify is set for the session only, runs the person's own program, and counts only threads with a rollout", () => {
  const log = path.join(tempDir(), "theirs.log");
  const { codexHome, stateDir, command } = setup(`notify = ["sh", "-c", "printf '%s\\\\n' \\"$1\\" >> '${log}'", "mine"]\n`);
  const script = path.join(stateDir, "codex-notify.sh");
  expect(command.argv).toEqual(["/bin/codex", "--cd", "/w", "-c", `notify=["sh",${JSON.stringify(script)}]`, "--", "--version"]);
  expect(fs.statSync(script).mode & 0o777).toBe(0o700);

  const day = path.join(codexHome, "sessions", "2026", "11", "30");
  fs.mkdirSync(day, { recursive: true });
  fs.writeFileSync(path.join(day, "rollout-2026-11-30T10-30-06-0199a-main.jsonl"), "{}\n");
  const notify = (thread: string) => {
    const payload = JSON.stringify({
      type: "agent-turn-complete",
      "thread-id": thread,
      "input-messages": ['say "thread-id":"0199a-main"'],
      "last-assistant-message": 'Done "quoted"',
    });
    const r = spawnSync("sh", [script, payload], { env: { PATH: process.env.PATH, CODEX_HOME: codexHome }, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    return payload;
  };
  const title = notify("0199a-title");
  const main = notify("0199a-main");
  // The task-title thread Codex runs beside each turn has no rollout: neither idle nor the session's thread.
  expect(readEvents(stateDir, 0).events.map((e) => [e.src, e.state, e.sid, e.detail])).toEqual([
    ["notify", "", "", "other-thread"],
    ["notify", "idle", "0199a-main", "agent-turn-complete"],
  ]);
  // Their program got every event, as Codex would have given it (it runs in the background).
  return expect.poll(() => (fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "")).toBe(`${title}\n${main}\n`);
});

test("a notify setting quartet cannot read stops the start instead of being dropped", () => {
  expect(() => setup('notify = ["a", b]')).toThrow(/cannot read the notify setting/);
  expect(() => setup('model = "o3"\nnotify = ["a" "b"]\n')).toThrow(/config\.toml:2\b/);
  expect(() => setup('model = "o3"\n\nnotify = """multi"""\n')).toThrow(/config\.toml:3\b/);
  expect(fs.readdirSync(setup(null).stateDir)).toContain("codex-notify.sh");
});

test("the thread id is found in the rollouts by folder and start time, the person's thread only", () => {
  const home = tempDir();
  const since = Date.now() - 60_000;
  const d = new Date(since);
  const day = path.join(
    home,
    ".codex",
    "sessions",
    String(d.getFullYear()),
    String(d.getMonth() + 1).padStart(2, "0"),
    String(d.getDate()).padStart(2, "0"),
  );
  fs.mkdirSync(day, { recursive: true });
  const meta = (id: string, cwd: string, offsetMs: number, source = "user") => {
    const at = new Date(since + offsetMs).toISOString();
    const payload = { id, cwd, timestamp: at, thread_source: source, base_instructions: { text: "x".repeat(100_000) } };
    fs.writeFileSync(
      path.join(day, `rollout-${at.replaceAll(":", "-")}-${id}.jsonl`),
      `${JSON.stringify({ type: "session_meta", payload })}\n{}\n`,
    );
  };
  meta("before", "/w", -3_600_000);
  meta("sub", "/w", 1000, "subagent");
  meta("main", "/w", 2000);
  meta("elsewhere", "/x", 500);
  const env = lookupEnv({ home });
  expect(codexSession.discoverSessionId!({ workdir: "/w", since, env })).toBe("main");
  expect(codexSession.discoverSessionId!({ workdir: "/nowhere", since, env })).toBeNull();
});

function rolloutDay(codexHomeDir: string, since: number) {
  const d = new Date(since);
  const day = path.join(
    codexHomeDir,
    "sessions",
    String(d.getFullYear()),
    String(d.getMonth() + 1).padStart(2, "0"),
    String(d.getDate()).padStart(2, "0"),
  );
  fs.mkdirSync(day, { recursive: true });
  return (id: string, cwd: string, timestamp: string | undefined) => {
    const payload = { id, cwd, ...(timestamp !== undefined ? { timestamp } : {}), thread_source: "user" };
    fs.writeFileSync(path.join(day, `rollout-${id}.jsonl`), `${JSON.stringify({ type: "session_meta", payload })}\n`);
  };
}

test("thread discovery compares real folders, and skips a rollout without a time", () => {
  const home = tempDir();
  const since = Date.now() - 60_000;
  const real = fs.realpathSync(tempDir());
  const link = path.join(tempDir(), "link");
  fs.symlinkSync(real, link);
  const meta = rolloutDay(home, since);
  meta("no-time", real, undefined);
  const env = { HOME: "/nowhere", CODEX_HOME: home } as const;
  const discover = (workdir: string) => codexSession.discoverSessionId!({ workdir, since, env: lookupEnv({ env }) });
  expect(discover(link)).toBeNull();
  expect(discover(real)).toBeNull();
  meta("main", real, new Date(since + 2000).toISOString());
  // The session was started in the symlinked folder; Codex records the real one.
  expect(discover(link)).toBe("main");
  expect(discover(path.join(tempDir(), "gone"))).toBeNull();
});

test("thread discovery does not guess between two threads started in the folder after the session", () => {
  const home = tempDir();
  const since = Date.now() - 60_000;
  const meta = rolloutDay(home, since);
  const env = { HOME: "/nowhere", CODEX_HOME: home } as const;
  meta("mine", "/w", new Date(since + 1000).toISOString());
  meta("theirs", "/w", new Date(since + 1500).toISOString());
  expect(codexSession.discoverSessionId!({ workdir: "/w", since, env: lookupEnv({ env }) })).toBeNull();
});

test("the 0.169 screens: approval, working, idle", () => {
  const s = codexSession.screen;
  expect(s("• Running touch marker.txt\n  Would you like to run the following command?\n› 1. Yes, proceed (y)")).toBe("needs-input");
  expect(s("  Trust this folder? Codex can read, edit, and run files here")).toBe("needs-input");
  expect(s("◦ Working (1s • esc to interrupt)\n› Ask Codex to do anything\n  ← for agents · ? for shortcuts")).toBe("working");
  expect(s("• There is one JavaScript file.\n› Ask Codex to do anything\n  GPT-5.5 default · /w")).toBe("idle");
  expect(s("")).toBeNull();
});
