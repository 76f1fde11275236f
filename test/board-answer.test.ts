/**
 * Answering an agent's permission prompt from the board, in a real browser: the task's page shows what the
 * agent asks (its tool and its screen) with Allow once and Deny, which press the right keys for each runtime.
 */
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { readEvents, type StateEvent } from "../src/sessions/state.js";
import { chromiumPath, startBoardCli } from "./board.js";
import { sessionLab, type SessionLab } from "./sessions.js";

let lab: SessionLab;
let board: Awaited<ReturnType<typeof startBoardCli>>;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  lab = await sessionLab({ delayMs: 300 });
  board = await startBoardCli(lab);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(board.url);
});

afterEach(({ task }) => {
  // What the board said on its terminal (a refresh that kept failing) explains most failures here.
  if (task.result?.state === "fail" && board?.stderr()) console.error(`quartet board's stderr:\n${board.stderr()}`);
});

/** Every session's events, as record.sh wrote them (the state folders under the data dir). */
function eventsOf(dataDir: string): StateEvent[] {
  const sessions = path.join(dataDir, "sessions");
  return fs.readdirSync(sessions).flatMap((id) => readEvents(path.join(sessions, id), 0).events);
}

const isPermissionNotification = (e: StateEvent) => e.ev === "Notification" && e.state === "needs-input";

afterAll(async () => {
  await browser?.close();
  board?.child.kill("SIGTERM");
  await lab?.close();
});

describe.each([
  { runtime: "claude", id: 1, answer: "Allow once", created: true },
  { runtime: "opencode", id: 2, answer: "Deny", created: false },
])("a $runtime task asking for permission", ({ runtime, id, answer, created }) => {
  test(`is answered from the board: ${answer}`, { timeout: 360_000 }, async () => {
    const added = await lab.cli(["task", "add", "List the files here.", "--json"]);
    expect((JSON.parse(added.stdout) as { id: number }).id).toBe(id);
    expect((await lab.cli(["task", "start", String(id), "--runtime", runtime])).code).toBe(0);
    const session = `task-${id}`;
    // Idle from the runtime's own events: a guess from the screen can come before the first turn has begun.
    const source = runtime === "claude" ? "hook" : "plugin";
    // A first start in a new home: OpenCode's took 90 s in a full run on a slow two-core host (8 s alone).
    const first = await lab.waitFor(session, (s) => s.state === "idle" && s.stateSource === source, "idle after its first turn", 180_000);
    // The second turn runs `touch marker.txt`, which the runtime asks the person about.
    expect((await lab.cli(["send", session, "Create the marker file."])).code).toBe(0);
    await lab.waitFor(session, (s) => s.state === "needs-input" && s.stateSource !== "screen", "needs-input, from its events");
    // Claude Code's own notification of the prompt (permission_prompt) comes about 6 s after the hook that named
    // the tool: the ask still names the tool once it has come.
    if (runtime === "claude") await expect.poll(() => eventsOf(lab.dataDir).some(isPermissionNotification), { timeout: 60_000 }).toBe(true);

    await page.goto(`${board.url.split("?")[0]}#/task/${id}`);
    const ask = page.locator(".ask");
    await ask.waitFor({ timeout: 30_000 });
    expect(await ask.textContent()).toMatch(/The agent asks \((Bash|bash)\)/);
    expect(await ask.locator("pre").textContent()).toContain("touch marker.txt");
    await ask.locator("button", { hasText: answer }).click();
    await page.locator(".flash.ok", { hasText: answer === "Deny" ? "Denied." : "Allowed once." }).waitFor();
    const marker = path.join(first.session.workdir, "marker.txt");
    if (created) await expect.poll(() => fs.existsSync(marker), { timeout: 60_000 }).toBe(true);
    else {
      await lab.waitFor(session, (s) => s.state === "idle", "idle after the denial");
      expect(fs.existsSync(marker)).toBe(false);
    }
  });
});
