/**
 * The review board end to end, in a real browser (Debian's chromium, driven by playwright-core): a task is
 * created on the board and started on the real `claude` against the lab endpoint, whose script edits a
 * file; the card reaches In review; a line comment is sent back with "Request changes" and arrives at the
 * endpoint in the agent's next request; approving merges the change into the base and removes the
 * worktree. Screenshots of the board and the review page are saved in test-artifacts/.
 */
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { ROOT } from "./helpers.js";
import { chromiumPath, startBoardCli } from "./board.js";
import { FIRST_TURN_MS, git, paneText, sessionLab, type SessionLab } from "./sessions.js";
import { worktreeDir } from "../src/sessions/sessions.js";

const ARTIFACTS = path.join(ROOT, "test-artifacts");
const TITLE = "Add a greeting to app.js.";
const COMMENT = "Please greet the board too, and keep single quotes.";

const SCENARIO = `
name: board
description: A task that edits a file, for the review board.
model: claude-sonnet-4-5
steps:
  - prompt: ${TITLE}
    actions:
      - bash: printf "console.log('hello, world');\\n" > app.js
      - say: Added the greeting.
`;

let lab: SessionLab;
let board: Awaited<ReturnType<typeof startBoardCli>>;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  lab = await sessionLab({ scenario: SCENARIO, delayMs: 800 });
  // The user lets Claude Code run shell commands without asking (its own setting, in its own settings file).
  fs.mkdirSync(path.join(lab.home, ".claude"), { recursive: true });
  fs.writeFileSync(path.join(lab.home, ".claude", "settings.json"), JSON.stringify({ permissions: { allow: ["Bash", "Read", "Edit"] } }));
  board = await startBoardCli(lab);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

afterEach(async ({ task }) => {
  if (task.result?.state !== "fail") return;
  // What the board said on its terminal (a refresh that kept failing) explains most failures here, and each
  // session's state and screen the rest (a card that never reached its column).
  if (board?.stderr()) console.error(`quartet board's stderr:\n${board.stderr()}`);
  // What the page showed (its live indicator: were the board's pushes arriving?) against what the board says now.
  if (page) {
    const live = await page
      .locator("#live")
      .textContent({ timeout: 1000 })
      .catch(() => "?");
    const now = await page.evaluate(() => fetch("/api/board").then((r) => r.text())).catch((e: Error) => e.message);
    console.error(`page ${page.url()}, live indicator "${live}"; the board now: ${now}`);
    const shot = path.join(ARTIFACTS, `failed-${task.name.slice(0, 40).replace(/\W+/g, "-")}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch((e: Error) => console.error(`no screenshot: ${e.message}`));
  }
  for (const s of await lab.ps().catch(() => [])) {
    const screen = s.tmux.pane ? paneText(lab.socket, s.tmux.pane).trimEnd() : "(no pane)";
    console.error(`session ${s.name}: ${s.state} (${s.stateSource}${s.stateDetail ? `, ${s.stateDetail}` : ""})\n${screen}`);
  }
});

afterAll(async () => {
  await browser?.close();
  board?.child.kill("SIGTERM");
  await lab?.close();
});

test("a task goes from the board to the agent, back with a line comment, and is merged", { timeout: 480_000 }, async () => {
  const failures: string[] = [];
  page.on("response", (r) => {
    if (r.status() >= 400) failures.push(`${r.request().method()} ${r.url()} → ${r.status()}`);
  });
  page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
  await page.goto(board.url);
  // The token moved into a cookie; the address bar no longer shows it.
  expect(new URL(page.url()).search).toBe("");

  await page.fill('.new-task input[name="title"]', TITLE);
  await page.click('.new-task button[type="submit"]');
  const card = page.locator('.col-todo [data-task="1"]');
  await card.waitFor();
  await card.locator("select").selectOption("claude");
  await card.locator("button", { hasText: "Start" }).click();

  // The session goes idle with a change: the card moves to In review by itself (live, over SSE).
  const inReview = page.locator('.col-in-review [data-task="1"]');
  await inReview.waitFor({ timeout: FIRST_TURN_MS });
  await expect.poll(async () => (await inReview.textContent()) ?? "", { timeout: 30_000 }).toMatch(/\$\d+\.\d\d/);
  expect(await inReview.textContent()).toContain("claude");
  expect(await inReview.textContent()).toMatch(/cache/);
  await page.screenshot({ path: path.join(ARTIFACTS, "board.png") });

  // Keyboard: Enter opens the selected card.
  await inReview.focus();
  await page.keyboard.press("Enter");
  await page.locator(".file[data-path='app.js']").waitFor();
  const added = page.locator(".file[data-path='app.js'] tr", { has: page.locator("td.d2h-ins .d2h-code-line-ctn") }).first();
  expect(await added.textContent()).toContain("hello, world");
  await added.locator("td.commentable").click();
  await page.fill("tr.comment-form textarea", COMMENT);
  await page.click("tr.comment-form button.primary");
  await page.locator("tr.comment .comment-body", { hasText: COMMENT }).waitFor();
  await page.locator(".file[data-path='app.js'] .d2h-file-collapse-input").check();
  await page.locator(".files li.viewed").waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, "review.png"), fullPage: true });

  await page.click("button.primary:has-text('Request changes (1)')");
  // The comment, with its file, line and the line's text, reaches the model in the agent's next request.
  await expect
    .poll(() => lab.userTexts().some((t) => t.includes(COMMENT) && t.includes("app.js:1") && /\n {2}> .*hello, world/.test(t)), {
      timeout: 60_000,
    })
    .toBe(true);
  await page.locator("tr.comment.sent").waitFor();

  await page.click("a[href='#/']");
  await page.locator('.col-in-review [data-task="1"]').waitFor({ timeout: FIRST_TURN_MS });
  await page.locator('.col-in-review [data-task="1"]').click();
  await page.locator(".file[data-path='app.js']").waitFor();
  // The agent commits once more after the page showed its diff: the page says so rather than swap the diff,
  // and approve refuses to merge what nobody saw.
  const worktree = worktreeDir(lab.dataDir, lab.repo, "task-1");
  fs.writeFileSync(path.join(worktree, "late.txt"), "late\n");
  git(worktree, "add", "late.txt");
  git(worktree, "commit", "-q", "-m", "Late change");
  // Seen on the board's next push (every 1.5 s): slower under load, where each push runs git for every task.
  await page.locator("#changed").waitFor({ timeout: 60_000 });
  expect(await page.locator(".file[data-path='late.txt']").count()).toBe(0);
  await page.click("button.approve");
  await page.locator(".flash.error", { hasText: "changed since it was reviewed" }).waitFor({ timeout: 30_000 });
  expect(git(lab.repo, "show", "main:app.js")).toBe("console.log('hello');");
  // The one refusal this test expects.
  expect(failures.splice(0)).toEqual([expect.stringMatching(/\/api\/tasks\/1\/approve → 409$/)]);
  await page.click("#changed button");
  await page.locator(".file[data-path='late.txt']").waitFor();
  await page.click("button.approve");
  await page.locator(".flash.ok", { hasText: "is done" }).waitFor({ timeout: 30_000 });

  expect(git(lab.repo, "show", "main:app.js")).toBe("console.log('hello, world');");
  expect(git(lab.repo, "show", "main:late.txt")).toBe("late");
  expect(fs.existsSync(worktreeDir(lab.dataDir, lab.repo, "task-1"))).toBe(false);
  expect(git(lab.repo, "branch", "--list", "quartet/*")).toBe("");
  await page.click("a[href='#/']");
  await page.locator('.col-done [data-task="1"]').waitFor();
  expect(failures).toEqual([]);
});

test("a merge conflict is shown plainly, the agent can be asked to rebase, and the task discarded", { timeout: 480_000 }, async () => {
  // main goes back to the old greeting, so the second task has a change to make (already there when the first
  // test failed before its merge: this one still runs on its own).
  fs.writeFileSync(path.join(lab.repo, "app.js"), "console.log('hello');\n");
  git(lab.repo, "commit", "-q", "--allow-empty", "-am", "Back to hello");
  await page.goto(board.url);
  await page.fill('.new-task input[name="title"]', TITLE);
  await page.click('.new-task button[type="submit"]');
  // Through the gateway, with none running: nothing starts, and the board says why.
  const todo = page.locator('.col-todo [data-task="2"]');
  await todo.locator(".gateway input[type=checkbox]").check();
  await todo.locator("button", { hasText: "Start" }).click();
  await page.locator(".flash", { hasText: "no gateway is running; start one with `quartet gateway`" }).waitFor();
  await todo.locator(".gateway input[type=checkbox]").uncheck();
  await page.locator('.col-todo [data-task="2"] button', { hasText: "Start" }).click();
  await page.locator('.col-in-review [data-task="2"]').waitFor({ timeout: FIRST_TURN_MS });
  // Meanwhile the same line changes on main.
  fs.writeFileSync(path.join(lab.repo, "app.js"), "console.log('bonjour');\n");
  git(lab.repo, "commit", "-q", "-am", "French");
  const head = git(lab.repo, "rev-parse", "main");

  await page.locator('.col-in-review [data-task="2"]').click();
  await page.click("button.approve");
  const banner = page.locator(".conflict");
  await banner.waitFor();
  expect(await banner.textContent()).toContain("Merge conflict with main: app.js");
  expect(git(lab.repo, "rev-parse", "main")).toBe(head);
  await page.screenshot({ path: path.join(ARTIFACTS, "conflict.png"), fullPage: true });

  await banner.locator("button", { hasText: "Ask agent to rebase" }).click();
  await expect
    .poll(() => lab.userTexts().some((t) => t.includes("git rebase main") && t.includes("conflicts in app.js")), { timeout: 60_000 })
    .toBe(true);

  page.once("dialog", (d) => void d.accept());
  await page.click("button.danger:has-text('Discard')");
  await page.locator(".flash.ok", { hasText: "is discarded" }).waitFor({ timeout: 30_000 });
  await page.click("a[href='#/']");
  await page.locator('.col-discarded [data-task="2"]').waitFor();
  expect(fs.existsSync(worktreeDir(lab.dataDir, lab.repo, "task-2"))).toBe(false);
  expect(git(lab.repo, "show", "main:app.js")).toBe("console.log('bonjour');");
});
