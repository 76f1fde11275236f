import fs from "node:fs";
import path from "node:path";
import { assert, expect, test } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { errorMessage } from "../core/errors.js";
import { spawnSync } from "node:child_process";
import { fileDiff, LARGE_LINES, worktreeDiff, worktreeSummary } from "./diff.js";
import { openDatabase } from "../core/db.js";
import { Registry } from "../sessions/registry.js";
import { sessionRow, startSlowAgent } from "../../test/session-fixtures.js";
import { Tmux } from "../sessions/tmux.js";
import type { SessionsContext } from "../sessions/sessions.js";
import {
  addReviewComment,
  ChangedSinceReviewError,
  discardTask,
  getTask,
  mergeStrategy,
  refreshTask,
  reviewPrompt,
  type ReviewContext,
} from "./review.js";
import { ReviewStore, type Comment } from "./store.js";

test("the merge strategy comes from the project's config, else the user's, else merge", () => {
  const configDir = tempDir();
  const repo = tempDir();
  expect(mergeStrategy(configDir, repo)).toBe("merge");
  fs.writeFileSync(path.join(configDir, "config.jsonc"), '{ "review": { "merge": "squash" } }');
  expect(mergeStrategy(configDir, repo)).toBe("squash");
  fs.mkdirSync(path.join(repo, ".quartet"));
  fs.writeFileSync(path.join(repo, ".quartet", "config.jsonc"), '{\n  "review": { "merge": "rebase" }\n}');
  let message = "";
  try {
    mergeStrategy(configDir, repo);
  } catch (e) {
    message = errorMessage(e);
  }
  expect(message).toBe(`${path.join(repo, ".quartet", "config.jsonc")}:2: review.merge: Invalid option: expected one of "merge"|"squash"`);
});

/** A repository whose first commit (`base`) holds `files`. */
function repo(files: Record<string, string>): { dir: string; base: string; git: (...args: string[]) => string } {
  const dir = tempDir();
  const git = (...args: string[]) => {
    const r = spawnSync("git", args, { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout.trim();
  };
  git("init", "-q", "-b", "main");
  git("config", "user.name", "t");
  git("config", "user.email", "t@t.invalid");
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  git("add", ".");
  git("commit", "-q", "-m", "base");
  return { dir, base: git("rev-parse", "HEAD"), git };
}

test("the worktree's diff names every file exactly, whatever its name, and summarizes large and binary files", async () => {
  const { dir, base, git } = repo({ "old name.txt": "a\nb\nc\n", "keep.js": "x\n" });
  git("mv", "old name.txt", "new name.txt");
  const odd = ["with space.js", "tab\there.js", "new\nline.js", 'quote"d.js', "café ✓.js"];
  for (const name of odd) fs.writeFileSync(path.join(dir, name), `console.log(${JSON.stringify(name)});\n`);
  fs.writeFileSync(path.join(dir, "image.bin"), Buffer.from([0, 1, 2, 255, 0, 7]));
  fs.writeFileSync(path.join(dir, "huge.txt"), "line\n".repeat(LARGE_LINES + 1));
  fs.appendFileSync(path.join(dir, "keep.js"), "y\n");

  const diff = await worktreeDiff(dir, base);
  const byPath = new Map(diff.files.map((f) => [f.path, f]));
  expect([...byPath.keys()].sort()).toEqual([...odd, "huge.txt", "image.bin", "keep.js", "new name.txt"].sort());
  for (const name of odd) {
    expect(byPath.get(name)).toMatchObject({ status: "added", additions: 1, large: false });
    expect(byPath.get(name)!.patch).toContain(`+console.log(${JSON.stringify(name)});`);
  }
  expect(byPath.get("new name.txt")).toMatchObject({ status: "renamed", oldPath: "old name.txt" });
  expect(byPath.get("image.bin")).toMatchObject({ binary: true, additions: 0 });
  expect(byPath.get("image.bin")!.patch).toContain("Binary files");
  expect(byPath.get("huge.txt")).toMatchObject({ large: true, additions: LARGE_LINES + 1, patch: "" });
  expect(byPath.get("keep.js")!.patch).toContain("+y");
  expect((await fileDiff(dir, base, "huge.txt")).patch.split("\n").filter((l) => l === "+line")).toHaveLength(LARGE_LINES + 1);
  // A change to a file changes its digest (a viewed mark then lapses), and the tree the diff shows.
  fs.appendFileSync(path.join(dir, "keep.js"), "z\n");
  const again = await worktreeDiff(dir, base);
  expect(again.files.find((f) => f.path === "keep.js")!.digest).not.toBe(byPath.get("keep.js")!.digest);
  expect(again.files.find((f) => f.path === "with space.js")!.digest).toBe(byPath.get("with space.js")!.digest);
  expect(again.tree).not.toBe(diff.tree);
  expect((await worktreeSummary(dir, base)).tree).toBe(again.tree);
});

test("the review prompt lists every comment with its file, line and the line's text as the reviewer saw it", () => {
  const c = (path: string, line: number, side: "new" | "old", body: string, quote: string | null): Comment => ({
    id: 1,
    taskId: 1,
    path,
    line,
    side,
    body,
    quote,
    createdAt: 0,
    sentAt: null,
  });
  const prompt = reviewPrompt([
    c("src/cart.js", 2, "new", "Handle a missing price.", "export function total() { return items.reduce((a, i) => a + i.price, 0); }"),
    c("src/cart.js", 2, "old", "Why was this removed?", "export function total() { return 0; }"),
    c("notes.md", 2, "new", " Say more. ", ""),
    c("gone.md", 9, "new", "From before lines were kept.", null),
  ]);
  expect(prompt).toBe(
    [
      "Review comments on your changes (4). Address each one, then stop.",
      "",
      "- src/cart.js:2: Handle a missing price.",
      "  > export function total() { return items.reduce((a, i) => a + i.price, 0); }",
      "- src/cart.js:2 (removed line): Why was this removed?",
      "  > export function total() { return 0; }",
      "- notes.md:2: Say more.",
      "  > ",
      "- gone.md:9: From before lines were kept.",
    ].join("\n"),
  );
});

test("a refresh that read the task before a discard does not move it back out of Discarded", async () => {
  const db = openDatabase(path.join(tempDir(), "quartet.db"));
  const store = new ReviewStore(db);
  // No session and no tmux: a task whose session is gone reads as exited.
  const sessions = { registry: new Registry(db), tmux: () => assert.fail("no tmux here") } as unknown as SessionsContext;
  const ctx: ReviewContext = { store, sessions };
  const id = store.addTask({ title: "t", body: "", repo: tempDir(), baseBranch: null }).id;
  store.updateTask(id, { status: "in-review" });
  const readBefore = getTask(ctx, id);
  await discardTask(ctx, id);
  const { task } = await refreshTask(ctx, readBefore, { panes: new Map() });
  expect(task.status).toBe("discarded");
  expect(getTask(ctx, id).status).toBe("discarded");
  // Read now, the same task moves as it should.
  store.updateTask(id, { status: "in-review" });
  expect((await refreshTask(ctx, getTask(ctx, id), { panes: new Map() })).task.status).toBe("exited");
  expect(getTask(ctx, id).status).toBe("exited");
  db.close();
});

test("a comment quotes its line as the reviewer was shown it, even after the agent changed the file", async () => {
  const { dir, base, git } = repo({ "cart.js": "const items = [];\nexport function total() { return 0; }\n", "old.js": "a\nb\n" });
  const db = openDatabase(path.join(tempDir(), "quartet.db"));
  const store = new ReviewStore(db);
  // No tmux here: the session has ended, so its pane is not asked for.
  const sessions = {
    registry: new Registry(db),
    tmux: () => ({ panes: () => new Map() }),
    runtimes: new Map(),
  } as unknown as SessionsContext;
  const ctx: ReviewContext = { store, sessions };
  const id = store.addTask({ title: "t", body: "", repo: dir, baseBranch: "main" }).id;
  store.updateTask(id, { status: "in-review" });
  sessions.registry.insert(
    sessionRow({ name: `task-${id}`, taskId: String(id), workdir: dir, repo: dir, baseBranch: "main", baseCommit: base }),
  );

  fs.writeFileSync(path.join(dir, "cart.js"), "const items = [];\nexport function total() { return items.length; }\n");
  git("mv", "old.js", "renamed.js");
  const shown = await worktreeSummary(dir, base);
  // The agent works on after the page showed its diff: the commented line moves down.
  fs.writeFileSync(path.join(dir, "cart.js"), "// cart\nconst items = [];\nexport function total() { return items.length; }\n");

  await addReviewComment(ctx, id, { path: "cart.js", line: 2, side: "new", body: "Count prices.", tree: shown.tree });
  await addReviewComment(ctx, id, { path: "cart.js", line: 2, side: "old", body: "Why remove it?", tree: shown.tree });
  await addReviewComment(ctx, id, { path: "renamed.js", line: 1, side: "old", body: "Renamed.", tree: shown.tree });
  await addReviewComment(ctx, id, { path: "cart.js", line: 1, side: "new", body: "A header?" });
  expect(store.comments(id).map((c) => [c.line, c.side, c.quote])).toEqual([
    [1, "new", "// cart"],
    [2, "new", "export function total() { return items.length; }"],
    [2, "old", "export function total() { return 0; }"],
    [1, "old", "a"],
  ]);
  // The quotes kept are the ones sent, whatever the diff is by then.
  expect(reviewPrompt(store.comments(id))).toContain("- cart.js:2: Count prices.\n  > export function total() { return items.length; }");

  await expect(addReviewComment(ctx, id, { path: "nope.js", line: 1, side: "new", body: "x", tree: shown.tree })).rejects.toThrow(
    "nope.js is not part of task 1's change",
  );
  await expect(addReviewComment(ctx, id, { path: "cart.js", line: 1, side: "new", body: "x", tree: "0".repeat(40) })).rejects.toThrow(
    ChangedSinceReviewError,
  );
  await expect(addReviewComment(ctx, id, { path: "cart.js", line: 1, side: "new", body: "  " })).rejects.toThrow("a comment needs text");
  db.close();
});

test("a discard whose session stops while an approve merges the task leaves it merged", async () => {
  const tmux = new Tmux({ ...process.env, QUARTET_TMUX_SOCKET: `quartet-discard-test-${process.pid}` });
  try {
    const dir = tempDir();
    const { pane } = await startSlowAgent(tmux, dir);
    const db = openDatabase(path.join(tempDir(), "quartet.db"));
    const store = new ReviewStore(db);
    const registry = new Registry(db);
    // No runtime: its screen is not read (a session whose state its hooks gave).
    const ctx: ReviewContext = { store, sessions: { registry, tmux: () => tmux, runtimes: new Map() } as unknown as SessionsContext };
    const id = store.addTask({ title: "t", body: "", repo: dir, baseBranch: null }).id;
    store.updateTask(id, { status: "in-review" });
    registry.insert(
      sessionRow({
        name: "agent",
        taskId: String(id),
        workdir: dir,
        inPlace: true,
        state: "idle",
        stateSource: "hook",
        endedAt: null,
        tmuxSession: "agent",
        tmuxPane: pane,
        tmuxSocket: tmux.socket,
      }),
    );
    const discarding = discardTask(ctx, id);
    // The approve's merge lands while the agent takes its time to exit.
    store.updateTask(id, { status: "done" });
    await expect(discarding).rejects.toThrow(`task ${id} was merged meanwhile`);
    expect(getTask(ctx, id).status).toBe("done");
    db.close();
  } finally {
    tmux.run(["kill-server"], { allowFailure: true });
  }
});
