/**
 * `quartet run` on bad input: each case gets a clear message, and nothing is left behind in the user's
 * repository (no worktree, no branch, no session). Sessions here start the real `claude` without a prompt;
 * the one fake is a runtime that dies at once, which no real runtime can be made to do on purpose.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { tempDir } from "./helpers.js";
import { git, sessionLab, type SessionLab } from "./sessions.js";

let lab: SessionLab;
beforeAll(async () => {
  lab = await sessionLab();
});
afterAll(async () => {
  await lab?.close();
});

const branches = () => git(lab.repo, "branch", "--list", "quartet/*");

test("outside a git repository", async () => {
  const r = await lab.cli(["run", "do something"], { cwd: tempDir() });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/is not inside a git repository; .*--in-place/);
});

test("uncommitted changes on the base branch", async () => {
  fs.appendFileSync(path.join(lab.repo, "app.js"), "// edited\n");
  try {
    const r = await lab.cli(["run", "--name", "dirty-base", "do something"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("main has uncommitted changes");
    expect(r.stderr).toContain("app.js");
    expect(branches()).toBe("");
  } finally {
    git(lab.repo, "checkout", "--", "app.js");
  }
});

test("a name or branch that already exists", { timeout: 60_000 }, async () => {
  const first = await lab.cli(["run", "--name", "taken"]);
  expect(first.code, first.stderr).toBe(0);
  const again = await lab.cli(["run", "--name", "taken"]);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain('a session named "taken" already exists');

  git(lab.repo, "branch", "quartet/other-branch");
  const branch = await lab.cli(["run", "--name", "other-branch"]);
  expect(branch.code).toBe(2);
  expect(branch.stderr).toContain("the branch quartet/other-branch already exists");
  git(lab.repo, "branch", "-D", "quartet/other-branch");

  const badName = await lab.cli(["run", "--name", "no spaces/please"]);
  expect(badName.code).toBe(2);
  expect(badName.stderr).toContain("use letters, digits, - and _");
  expect((await lab.cli(["stop", "taken"])).code).toBe(0);
  expect(branches()).toBe("");
});

test("tmux or the runtime not installed", async () => {
  // A PATH with git and sh but no tmux.
  const bin = tempDir();
  for (const tool of ["git", "sh"]) fs.symlinkSync(`/usr/bin/${tool}`, path.join(bin, tool));
  const noTmux = await lab.cli(["run", "--name", "no-tmux", "hi"], { env: { PATH: bin } });
  expect(noTmux.code).toBe(1);
  expect(noTmux.stderr).toContain("tmux is not installed: install tmux ≥ 3.2 (Debian/Ubuntu: apt-get install tmux");

  const noClaude = await lab.cli(["run", "--name", "no-claude", "--claude-bin", "/nonexistent/claude", "hi"]);
  expect(noClaude.code).toBe(1);
  expect(noClaude.stderr).toContain("/nonexistent/claude is not an executable file");
  expect(branches()).toBe("");
});

test("a runtime that exits at once: its last output is shown and its worktree undone", async () => {
  // FAKE runtime: a script that fails on start the way a runtime does on a broken config.
  const fake = path.join(tempDir(), "claude");
  fs.writeFileSync(fake, "#!/bin/sh\necho 'Loading settings…'\necho 'fatal: settings.json: invalid model \"opus-9\"' >&2\nexit 3\n", {
    mode: 0o755,
  });
  const r = await lab.cli(["run", "--name", "dies", "--claude-bin", fake, "hi"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("claude exited at once with status 3");
  expect(r.stderr).toContain('fatal: settings.json: invalid model "opus-9"');
  expect(branches()).toBe("");
  expect(git(lab.repo, "worktree", "list").split("\n")).toHaveLength(1);
  expect((await lab.ps()).map((s) => s.name)).not.toContain("dies");
});

test("a runtime killed by a signal as it starts: the signal is named (tmux has no exit status for it)", async () => {
  // FAKE runtime, as above: one that a signal ends (an out-of-memory kill, a crash) before it draws anything.
  const fake = path.join(tempDir(), "claude");
  fs.writeFileSync(fake, "#!/bin/sh\necho 'Loading settings…'\nkill -TERM $$\n", { mode: 0o755 });
  const r = await lab.cli(["run", "--name", "killed", "--claude-bin", fake, "hi"]);
  expect(r.code).toBe(1);
  // tmux reports the signal from 3.3 on (by number on Linux, by name where the system names signals).
  const [major, minor] = (spawnSync("tmux", ["-V"], { encoding: "utf8" }).stdout.match(/(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
  const reportsSignals = major! > 3 || (major === 3 && minor! >= 3);
  expect(r.stderr).toMatch(
    reportsSignals ? /claude exited at once, killed by signal (15|term); its last output:/i : /claude exited at once; its last output:/,
  );
  expect(r.stderr).toContain("Loading settings…");
  expect(branches()).toBe("");
});

test("the setup command runs in the new worktree, and a failing one undoes it", { timeout: 60_000 }, async () => {
  git(lab.repo, "checkout", "-q", "-b", "with-setup");
  fs.mkdirSync(path.join(lab.repo, ".quartet"), { recursive: true });
  fs.writeFileSync(
    path.join(lab.repo, ".quartet", "config.jsonc"),
    '{\n  // set up each worktree\n  "sessions": { "setup": "echo ready > setup-ran.txt" }\n}\n',
  );
  git(lab.repo, "add", ".");
  git(lab.repo, "commit", "-q", "-m", "setup");
  git(lab.repo, "checkout", "-q", "-b", "failing-setup");
  fs.writeFileSync(path.join(lab.repo, ".quartet", "config.jsonc"), '{ "sessions": { "setup": "echo cannot install >&2; exit 7" } }\n');
  git(lab.repo, "commit", "-q", "-am", "failing setup");
  git(lab.repo, "checkout", "-q", "main");

  const ok = await lab.cli(["run", "--name", "set-up", "--base", "with-setup", "--json"]);
  expect(ok.code, ok.stderr).toBe(0);
  const row = JSON.parse(ok.stdout) as { workdir: string };
  expect(fs.readFileSync(path.join(row.workdir, "setup-ran.txt"), "utf8")).toBe("ready\n");
  expect((await lab.cli(["stop", "set-up", "--force"])).code).toBe(0);

  const failed = await lab.cli(["run", "--name", "set-up-fails", "--base", "failing-setup"]);
  expect(failed.code).toBe(2);
  expect(failed.stderr).toContain("cannot install");
  expect(failed.stderr).toContain('the setup command "echo cannot install >&2; exit 7" failed');
  expect(branches()).toBe("");
});

test("an invalid config names the file, line and field", async () => {
  const config = path.join(lab.dataDir, "config.jsonc");
  const saved = fs.readFileSync(config, "utf8");
  fs.writeFileSync(config, '{\n  "sessions": {\n    "notify": { "bel": true }\n  }\n}\n');
  try {
    const r = await lab.cli(["run", "--name", "bad-config", "hi"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${config}:3: sessions.notify: Unrecognized key: "bel"`);
    expect(branches()).toBe("");
  } finally {
    fs.writeFileSync(config, saved);
  }
});

test("commands on a session that does not exist", async () => {
  for (const args of [
    ["send", "nobody", "hi"],
    ["stop", "nobody"],
    ["attach", "nobody"],
  ]) {
    const r = await lab.cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no session named "nobody"');
  }
});

test("--in-place runs in the checkout itself, and stop leaves it alone", { timeout: 60_000 }, async () => {
  const r = await lab.cli(["run", "--in-place", "--name", "here", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  const row = JSON.parse(r.stdout) as { workdir: string; branch: string; inPlace: boolean };
  expect(row).toMatchObject({ workdir: lab.repo, branch: "main", inPlace: true });
  const ps = (await lab.ps()).find((s) => s.name === "here")!;
  expect(ps.workdir).toBe(lab.repo);
  fs.writeFileSync(path.join(lab.repo, "scratch.txt"), "the user's own work\n");
  try {
    const stop = await lab.cli(["stop", "here"]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(fs.readFileSync(path.join(lab.repo, "scratch.txt"), "utf8")).toBe("the user's own work\n");
    expect(git(lab.repo, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect((await lab.ps()).map((s) => s.name)).not.toContain("here");
  } finally {
    fs.rmSync(path.join(lab.repo, "scratch.txt"));
  }
});
