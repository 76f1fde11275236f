/**
 * The review loop from the command line, with the real `claude` against the lab endpoint: tasks move
 * through the columns by themselves, `review` shows the change and its cost, `approve` squashes or merges
 * it, a conflicting base is reported with nothing changed, `reject` reaches a live agent and resumes an
 * ended one, and `task discard` throws the work away.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tempDir } from "./helpers.js";
import { FIRST_TURN_MS, git, panePid, sessionLab, type SessionLab } from "./sessions.js";
import { worktreeDir } from "../src/sessions/sessions.js";

const SCENARIO = `
name: review
description: A task whose agent changes app.js with a shell command (so any worktree works).
model: claude-sonnet-4-5
steps:
  - prompt: Add a greeting to app.js.
    actions:
      - bash: printf "console.log('hello, world');\\\\n" > app.js
      - say: Added the greeting.
`;

let lab: SessionLab;
beforeAll(async () => {
  lab = await sessionLab({ scenario: SCENARIO, delayMs: 300 });
  // The user allows Claude Code's shell commands in their own settings.
  fs.mkdirSync(path.join(lab.home, ".claude"), { recursive: true });
  fs.writeFileSync(
    path.join(lab.home, ".claude", "settings.json"),
    JSON.stringify({ permissions: { allow: ["Bash", "Read", "Edit", "Write"] } }),
  );
});
afterAll(async () => {
  await lab?.close();
});

interface TaskJson {
  id: number;
  status: string;
  column: string;
  conflict: string | null;
  cost: { tokens: number; costUsd: number | null; cacheHitRate: number | null } | null;
}

async function tasks(): Promise<TaskJson[]> {
  const r = await lab.cli(["task", "list", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { tasks: TaskJson[] }).tasks;
}

async function waitStatus(id: number, status: string, timeoutMs = 90_000): Promise<TaskJson> {
  const deadline = Date.now() + timeoutMs;
  let last: TaskJson | undefined;
  while (Date.now() < deadline) {
    last = (await tasks()).find((t) => t.id === id);
    if (last?.status === status) return last;
    await new Promise((r) => setTimeout(r, 400));
  }
  throw new Error(`task ${id} did not reach ${status} (last: ${last?.status})`);
}

/** Puts app.js on main back to what the agent changes, so each task has a change to make. */
function resetApp(): void {
  fs.writeFileSync(path.join(lab.repo, "app.js"), "console.log('hello');\n");
  if (git(lab.repo, "status", "--porcelain")) git(lab.repo, "commit", "-q", "-am", "Back to hello");
}

async function startedTask(title: string): Promise<number> {
  resetApp();
  const added = await lab.cli(["task", "add", title, "--body", "Keep it short.", "--json"]);
  expect(added.code, added.stderr).toBe(0);
  const id = (JSON.parse(added.stdout) as { id: number }).id;
  const started = await lab.cli(["task", "start", String(id)]);
  expect(started.code, started.stderr).toBe(0);
  expect(started.stdout).toContain(`as session task-${id}`);
  return id;
}

test("a task moves to In review by itself, shows its change and cost, and is squashed into main", { timeout: 180_000 }, async () => {
  const id = await startedTask("Add a greeting to app.js.");
  expect((await tasks()).find((t) => t.id === id)!.status).not.toBe("todo");
  const inReview = await waitStatus(id, "in-review");
  expect(inReview.column).toBe("In review");

  const review = await lab.cli(["review", String(id)]);
  expect(review.code, review.stderr).toBe(0);
  expect(review.stdout).toMatch(/app\.js\s+\+1 -1/);
  expect(review.stdout).toContain("1 file changed, 1 insertions(+), 1 deletions(-)");
  expect(review.stdout).toMatch(/claude, \d+s, [\d.]+k tokens, \$\d+\.\d\d, cache hit \d+\.\d%, cache tax \$\d+\.\d\d/);
  const json = JSON.parse((await lab.cli(["review", String(id), "--json"])).stdout) as { task: TaskJson; files: { path: string }[] };
  expect(json.files.map((f) => f.path)).toEqual(["app.js"]);
  expect(json.task.cost!.tokens).toBeGreaterThan(0);

  const before = git(lab.repo, "rev-list", "--count", "main");
  const approved = await lab.cli(["approve", String(id), "--squash"]);
  expect(approved.code, approved.stderr).toBe(0);
  expect(approved.stdout).toMatch(/squashed into main as [0-9a-f]{10}; worktree removed/);
  expect(git(lab.repo, "show", "main:app.js")).toBe("console.log('hello, world');");
  expect(Number(git(lab.repo, "rev-list", "--count", "main"))).toBe(Number(before) + 1);
  expect(git(lab.repo, "log", "-1", "--format=%s", "main")).toBe(`Add a greeting to app.js. (quartet task ${id})`);
  expect(fs.existsSync(worktreeDir(lab.dataDir, lab.repo, `task-${id}`))).toBe(false);
  const done = (await tasks()).find((t) => t.id === id)!;
  expect(done.column).toBe("Done");
  // The cost stays with the task after its session is gone.
  expect(done.cost!.tokens).toBe(json.task.cost!.tokens);
});

test(
  "a conflicting base is reported with nothing changed; reject reaches the agent; discard throws it away",
  { timeout: 180_000 },
  async () => {
    const id = await startedTask("Add a greeting to app.js.");
    await waitStatus(id, "in-review");
    // Meanwhile someone changes the same line on main.
    fs.writeFileSync(path.join(lab.repo, "app.js"), "console.log('bonjour');\n");
    git(lab.repo, "commit", "-q", "-am", "French");
    const head = git(lab.repo, "rev-parse", "main");

    expect((await lab.cli(["review", String(id)])).code).toBe(0);
    const approved = await lab.cli(["approve", String(id)]);
    expect(approved.code).toBe(1);
    expect(approved.stderr).toContain(`task ${id} does not merge cleanly into main: conflicts in app.js; nothing was changed`);
    expect(git(lab.repo, "rev-parse", "main")).toBe(head);
    expect(git(lab.repo, "status", "--porcelain")).toBe("");
    expect(fs.existsSync(worktreeDir(lab.dataDir, lab.repo, `task-${id}`))).toBe(true);
    expect((await lab.cli(["review", String(id)])).stdout).toContain("merge conflict in: app.js");

    const rejected = await lab.cli(["reject", String(id), "-m", "Rebase onto main and keep the French greeting."]);
    expect(rejected.code, rejected.stderr).toBe(0);
    await expect
      .poll(() => lab.userTexts().some((t) => t.includes("Rebase onto main and keep the French greeting.")), { timeout: 60_000 })
      .toBe(true);

    const discarded = await lab.cli(["task", "discard", String(id)]);
    expect(discarded.code, discarded.stderr).toBe(0);
    expect((await tasks()).find((t) => t.id === id)!.column).toBe("Discarded");
    expect(fs.existsSync(worktreeDir(lab.dataDir, lab.repo, `task-${id}`))).toBe(false);
    expect(git(lab.repo, "branch", "--list", `quartet/task-${id}`)).toBe("");
    expect(git(lab.repo, "show", "main:app.js")).toBe("console.log('bonjour');");
  },
);

test(
  "request changes on a task whose session has ended relaunches the agent in its pane, on its conversation",
  { timeout: 300_000 },
  async () => {
    const id = await startedTask("Add a greeting to app.js.");
    await waitStatus(id, "in-review");
    const before = (await lab.ps()).find((s) => s.name === `task-${id}`)!;
    expect((await lab.cli(["stop", `task-${id}`, "--keep-worktree"])).code).toBe(0);
    // A message that looks like an option is a message.
    const rejected = await lab.cli(["reject", String(id), "--message=--version"]);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout).toContain("(its session had ended: relaunched in its pane)");
    await expect.poll(() => lab.userTexts().includes("--version"), { timeout: FIRST_TURN_MS }).toBe(true);
    // Visible and tracked as before: the same runtime session, its hooks reporting, its pane alive.
    const { session } = await lab.waitFor(`task-${id}`, (s) => s.state === "idle" && s.stateSource === "hook", "idle after the review");
    expect(session.runtimeSessionId).toBe(before.runtimeSessionId);
    expect(session.tmux.pane).not.toBeNull();
    // The conversation went on: the relaunched request carries the first turn's prompt.
    const last = lab.endpoint.model.requests.at(-1)!.body as { messages: { content: unknown }[] };
    expect(JSON.stringify(last.messages)).toContain("Add a greeting to app.js.");
    await waitStatus(id, "in-review");
  },
);

test("a task whose agent dies with nothing done moves to Exited, and restarts in its worktree", { timeout: 180_000 }, async () => {
  lab.endpoint.holdMs = 60_000;
  let id: number;
  let conversation: string | null;
  try {
    id = await startedTask("Add a greeting to app.js.");
    const { session } = await lab.waitFor(`task-${id}`, (s) => s.state === "working" && s.stateSource === "hook", "working");
    conversation = session.runtimeSessionId;
    process.kill(panePid(lab.socket, session.tmux.pane!), "SIGKILL");
    const exited = await waitStatus(id, "exited");
    expect(exited.column).toBe("Exited");
  } finally {
    lab.endpoint.holdMs = 0;
  }
  const worktree = worktreeDir(lab.dataDir, lab.repo, `task-${id}`);
  // A conversation Claude Code cannot --resume (its transcript gone, or never written when the agent died
  // early): it says so and exits only after starting up, on a loaded machine later than quartet's usual 3 s
  // watch. With no watch time at all, quartet must still see it fail before it draws its screen, and start
  // a new conversation in the same worktree.
  const transcripts = path.join(lab.home, ".claude", "projects");
  for (const dir of fs.existsSync(transcripts) ? fs.readdirSync(transcripts) : []) {
    fs.rmSync(path.join(transcripts, dir, `${conversation}.jsonl`), { force: true });
  }
  const restarted = await lab.cli(["task", "start", String(id)], { env: { QUARTET_STARTUP_WAIT_MS: "0" } });
  expect(restarted.code, restarted.stderr).toBe(0);
  expect(restarted.stderr).toContain("could not continue task-");
  await waitStatus(id, "in-review");
  expect(fs.readFileSync(path.join(worktree, "app.js"), "utf8")).toBe("console.log('hello, world');\n");
  expect(lab.userTexts().some((t) => t.startsWith("Carry on with this task where you left off:"))).toBe(true);
  const discarded = await lab.cli(["task", "discard", String(id)]);
  expect(discarded.code, discarded.stderr).toBe(0);
});

test("bad input", async () => {
  expect((await lab.cli(["task", "start", "99"])).stderr).toContain("no task 99");
  const empty = await lab.cli(["task", "add", "  "]);
  expect(empty.code).toBe(2);
  expect(empty.stderr).toContain("a task needs a title");
  const todo = await lab.cli(["task", "add", "Never started", "--json"]);
  const id = (JSON.parse(todo.stdout) as { id: number }).id;
  const approve = await lab.cli(["approve", String(id)]);
  expect(approve.code).toBe(2);
  expect(approve.stderr).toContain(`task ${id} has no branch to merge`);
  const reject = await lab.cli(["reject", String(id), "-m", "x"]);
  expect(reject.stderr).toContain(`task ${id} has no session`);
  expect((await lab.cli(["task", "add", "x", "--body", "a", "--file", "b"])).stderr).toContain("choose one of --body and --file");
  // A path in a fresh folder: a fixed one such as /nonexistent may exist on the machine.
  const missing = path.join(tempDir("quartet-missing-"), "body.md");
  expect((await lab.cli(["task", "add", "x", "--file", missing])).stderr).toContain(`--file ${missing}: no such file`);
  // A title that tries to drive the terminal (a window title, colors, a clipboard write) prints as text.
  const hostile = await lab.cli(["task", "add", "--", "--version \x1b]0;owned\x07\x1b[31mred\x1b]52;c;aGk=\x07"]);
  expect(hostile.code, hostile.stderr).toBe(0);
  for (const args of [
    ["task", "list"],
    ["task", "show", String(id + 1)],
    ["review", String(id + 1)],
  ]) {
    const out = await lab.cli(args);
    expect(out.stdout, args.join(" ")).toContain("--version red");
    expect(out.stdout, args.join(" ")).not.toMatch(/[\x1b\x07]/);
  }
});

describe("approve merges exactly what was reviewed, and nothing of the user's is lost", () => {
  test("a task never reviewed, or changed since, is refused with the new commits and files named", { timeout: 180_000 }, async () => {
    const id = await startedTask("Add a greeting to app.js.");
    await waitStatus(id, "in-review");
    const never = await lab.cli(["approve", String(id)]);
    expect(never.code).toBe(2);
    expect(never.stderr).toContain(`task ${id} has not been reviewed`);

    const reviewed = await lab.cli(["review", String(id), "--patch"]);
    expect(reviewed.stdout).toContain("+console.log('hello, world');");
    expect(reviewed.stdout).toMatch(/approve \d+ merges exactly this \(tree [0-9a-f]{12}\)/);
    // After the review, the agent adds a commit that deletes the reviewed file's line and adds another file.
    const worktree = worktreeDir(lab.dataDir, lab.repo, `task-${id}`);
    fs.writeFileSync(path.join(worktree, "extra.js"), "steal();\n");
    git(worktree, "add", "extra.js");
    git(worktree, "commit", "-q", "-m", "Sneaky extra");
    const main = git(lab.repo, "rev-parse", "main");
    const moved = await lab.cli(["approve", String(id)]);
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain(`task ${id} changed since it was reviewed`);
    expect(moved.stderr).toContain("Sneaky extra");
    expect(moved.stderr).toContain("A extra.js");
    expect(git(lab.repo, "rev-parse", "main")).toBe(main);

    // Uncommitted edits after the review count too.
    expect((await lab.cli(["review", String(id)])).code).toBe(0);
    fs.appendFileSync(path.join(worktree, "app.js"), "// later\n");
    expect((await lab.cli(["approve", String(id)])).stderr).toContain("M app.js");
    fs.writeFileSync(path.join(worktree, "app.js"), "console.log('hello, world');\n");

    // Reviewed again as it is now: approve merges exactly that.
    expect((await lab.cli(["review", String(id)])).code).toBe(0);
    const approved = await lab.cli(["approve", String(id)]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(git(lab.repo, "show", "main:extra.js")).toBe("steal();");
  });

  test(
    "a merge that would replace an ignored or untracked file in the user's checkout is refused, naming it",
    { timeout: 180_000 },
    async () => {
      const id = await startedTask("Add a greeting to app.js.");
      await waitStatus(id, "in-review");
      // main has .env ignored, holding the user's secret (sessionLab made it); the agent force-adds its own.
      const worktree = worktreeDir(lab.dataDir, lab.repo, `task-${id}`);
      fs.writeFileSync(path.join(worktree, ".env"), "TOKEN=the-agents\n");
      fs.writeFileSync(path.join(worktree, "notes.txt"), "the agent's notes\n");
      git(worktree, "add", "-f", ".env", "notes.txt");
      git(worktree, "commit", "-q", "-m", "Add config");
      fs.writeFileSync(path.join(lab.repo, "notes.txt"), "my own notes, not in git\n");
      const main = git(lab.repo, "rev-parse", "main");
      expect((await lab.cli(["review", String(id)])).code).toBe(0);
      const refused = await lab.cli(["approve", String(id)]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("approving would replace 2 files you have in");
      expect(refused.stderr).toContain(".env, notes.txt");
      expect(fs.readFileSync(path.join(lab.repo, ".env"), "utf8")).toBe("TOKEN=local-only\n");
      expect(fs.readFileSync(path.join(lab.repo, "notes.txt"), "utf8")).toBe("my own notes, not in git\n");
      expect(git(lab.repo, "rev-parse", "main")).toBe(main);
      fs.rmSync(path.join(lab.repo, "notes.txt"));
      expect((await lab.cli(["task", "discard", String(id)])).code).toBe(0);
    },
  );

  test("approve while the agent is working is refused unless confirmed", { timeout: 180_000 }, async () => {
    const id = await startedTask("Add a greeting to app.js.");
    await waitStatus(id, "in-review");
    expect((await lab.cli(["review", String(id)])).code).toBe(0);
    // The agent works on a follow-up (the endpoint holds each answer, so the turn lasts a while).
    lab.endpoint.holdMs = 15_000;
    try {
      expect((await lab.cli(["reject", String(id), "-m", "Say more."])).code).toBe(0);
      await lab.waitFor(`task-${id}`, (s) => s.state === "working", "working");
      const busy = await lab.cli(["approve", String(id)]);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain(`task ${id}'s agent is still working`);
      expect(busy.stderr).toContain("--while-working");
      const forced = await lab.cli(["approve", String(id), "--while-working"]);
      expect(forced.code, forced.stderr).toBe(0);
    } finally {
      lab.endpoint.holdMs = 0;
    }
  });
});
