/**
 * The board's defences, against `quartet board` as the user runs it: the token, the Host and Origin checks
 * (DNS rebinding), CSRF, paths confined to the worktree, and escaping of what the agent wrote (checked in
 * chromium too, where a script in the diff, or in a cache break's diff from the gateway, must not run). The
 * task's session is the real `claude`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildPricing } from "../src/core/pricing.js";
import { PRICE_TABLE } from "../src/core/price-table.js";
import { gatewaySink } from "../src/gateway/store.js";
import { LARGE_LINES } from "../src/review/diff.js";
import { chromiumPath, request, startBoardCli } from "./board.js";
import { BEFORE, exchange } from "./gateway-exchanges.js";
import { ROOT } from "./helpers.js";
import { sessionLab, type SessionLab } from "./sessions.js";
import { worktreeDir } from "../src/sessions/sessions.js";

let lab: SessionLab;
let board: { url: string; child: ChildProcess };
let base: string;
let token: string;
let cookie: string;
let csrf: string;
let workdir: string;
const EVIL = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">`;

beforeAll(async () => {
  lab = await sessionLab({ delayMs: 200 });
  const added = await lab.cli(["task", "add", "List the files here."]);
  expect(added.code, added.stderr).toBe(0);
  const started = await lab.cli(["task", "start", "1"]);
  expect(started.code, started.stderr).toBe(0);
  workdir = worktreeDir(lab.dataDir, lab.repo, "task-1");
  // What an agent might write: a file whose content is markup.
  fs.writeFileSync(path.join(workdir, "evil.html"), EVIL + "\n");
  fs.symlinkSync("/etc", path.join(workdir, "etc-link"));
  board = await startBoardCli(lab);
  const u = new URL(board.url);
  base = `${u.protocol}//${u.host}`;
  token = u.searchParams.get("token")!;
  const login = await request(board.url, { headers: { host: u.host } });
  expect(login.status).toBe(303);
  cookie = String(login.headers["set-cookie"]).split(";")[0]!;
  expect(String(login.headers["set-cookie"])).toContain("HttpOnly; SameSite=Strict");
  const page = await request(`${base}/`, { headers: { host: u.host, cookie } });
  csrf = /name="quartet-csrf" content="([^"]+)"/.exec(page.body)![1]!;
}, 120_000);

afterAll(async () => {
  board?.child.kill("SIGTERM");
  await lab?.close();
});

const host = () => new URL(base).host;

test("no token, or a wrong one: 401", async () => {
  for (const url of [`${base}/`, `${base}/api/board`, `${base}/api/tasks/1`, `${base}/assets/board.js`, `${base}/api/events`]) {
    expect((await request(url, { headers: { host: host() } })).status).toBe(401);
  }
  expect((await request(`${base}/api/board`, { headers: { host: host(), cookie: "quartet_token=guess" } })).status).toBe(401);
  expect((await request(`${base}/?token=${token}x`, { headers: { host: host() } })).status).toBe(401);
  expect((await request(`${base}/api/board`, { headers: { host: host(), cookie } })).status).toBe(200);
  expect((await request(`${base}/api/board`, { headers: { host: host(), "x-quartet-token": token } })).status).toBe(200);
});

test("a foreign Host or Origin is refused, even with the token (DNS rebinding)", async () => {
  const port = new URL(base).port;
  for (const h of [`evil.example:${port}`, `127.0.0.1.nip.io:${port}`, "127.0.0.1", `127.0.0.1:${Number(port) + 1}`]) {
    const r = await request(`${base}/api/board`, { headers: { host: h, cookie } });
    expect(r.status, h).toBe(403);
  }
  expect((await request(`${base}/api/board`, { headers: { host: `localhost:${port}`, cookie } })).status).toBe(200);
  const cross = await request(`${base}/api/tasks`, {
    method: "POST",
    headers: { host: host(), cookie, origin: "http://evil.example", "x-quartet-csrf": csrf, "content-type": "application/json" },
    body: JSON.stringify({ title: "from elsewhere" }),
  });
  expect(cross.status).toBe(403);
});

test("a state-changing request needs the page's CSRF token", async () => {
  const post = (headers: Record<string, string>) =>
    request(`${base}/api/tasks`, {
      method: "POST",
      headers: { host: host(), cookie, "content-type": "application/json", ...headers },
      body: JSON.stringify({ title: "csrf probe" }),
    });
  expect((await post({})).status).toBe(403);
  expect((await post({ "x-quartet-csrf": "wrong" })).status).toBe(403);
  const ok = await post({ "x-quartet-csrf": csrf, origin: base });
  expect(ok.status).toBe(201);
  expect(JSON.parse(ok.body).task.title).toBe("csrf probe");
});

test("file paths are confined to the task's worktree", async () => {
  const file = (p: string) => request(`${base}/api/tasks/1/file?path=${encodeURIComponent(p)}`, { headers: { host: host(), cookie } });
  const ok = await file("app.js");
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.body).content).toBe("console.log('hello');\n");
  for (const p of ["../../../../etc/passwd", "../quartet.db", "/etc/passwd", "etc-link/passwd", "a/../../x", ""]) {
    const r = await file(p);
    expect(r.status, p).toBe(400);
    expect(r.body).not.toContain("root:");
  }
});

test("a file whose content is <script> renders as text, and so does a cache break's diff", { timeout: 90_000 }, async () => {
  // The task's requests, read into the database the board reads by `quartet cache` (the real claude's log).
  let requests: { requestKey: string; ts: string }[] = [];
  await expect
    .poll(
      async () => {
        const list = JSON.parse((await lab.cli(["cache", "--json"])).stdout) as { sessions: { session: string }[] };
        if (list.sessions.length === 0) return 0;
        const one = await lab.cli(["cache", list.sessions[0]!.session, "--json"]);
        requests = (JSON.parse(one.stdout) as { requests: typeof requests }).requests;
        return requests.length;
      },
      { timeout: 60_000 },
    )
    .toBeGreaterThanOrEqual(2);
  // The gateway's records of the first two (its real sink, into the same database), the second after a tool
  // description change that holds markup: the diff excerpt the board shows holds it.
  const sink = gatewaySink({ dbFile: path.join(lab.dataDir, "quartet.db"), pricing: buildPricing(PRICE_TABLE) });
  const changed = structuredClone(BEFORE) as unknown as { tools: { name: string; description: string }[] };
  const bash = changed.tools.find((t) => t.name === "Bash")!;
  bash.description = `${EVIL} ${bash.description}`;
  [BEFORE, changed].forEach((body, i) => {
    const [messageId, requestId] = requests[i]!.requestKey.split(":");
    const usage =
      i === 0 ? { input_tokens: 6, cache_creation_input_tokens: 20_518 } : { input_tokens: 6, cache_creation_input_tokens: 20_930 };
    sink.record(exchange(body, usage, { at: Date.parse(requests[i]!.ts), messageId, requestId: requestId ?? null }));
  });
  sink.close();

  const detail = await request(`${base}/api/tasks/1`, { headers: { host: host(), cookie } });
  const parsed = JSON.parse(detail.body) as {
    files: { path: string; html: string }[];
    cacheBreaks: { source: string; text: string; excerpt: string | null }[];
  };
  const evil = parsed.files.find((f) => f.path === "evil.html")!;
  expect(evil.html).toContain("&lt;script&gt;window.__pwned = 1&lt;&#x2F;script&gt;&lt;img src=x onerror=");
  expect(evil.html).not.toContain("<script>");
  expect(evil.html).not.toContain("<img");
  const seen = parsed.cacheBreaks.filter((b) => b.source === "gateway");
  expect(seen).toHaveLength(1);
  expect(seen[0]!.text).toBe("tool description changed at tools[Bash] (Bash) [gateway]");
  expect(seen[0]!.excerpt).toContain("<script>window.__pwned = 1</script>");

  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    await page.goto(board.url);
    await page.goto(`${base}/#/task/1`);
    const line = page.locator(".file[data-path='evil.html'] .d2h-code-line-ctn").first();
    await line.waitFor();
    expect(await line.textContent()).toContain("<script>window.__pwned = 1</script>");
    const shown = page.locator(".cache-breaks li.break-gateway");
    expect(await shown.locator(".what").textContent()).toBe("tool description changed at tools[Bash] (Bash) [gateway]");
    expect(await shown.locator(".excerpt").textContent()).toContain("<script>window.__pwned = 1</script>");
    expect(await shown.locator(".excerpt").isVisible()).toBe(true);
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator(".file script, .file img, .cache-breaks script, .cache-breaks img").count()).toBe(0);
  } finally {
    await browser.close();
  }
});

test(
  "quartet board opens the browser through a private redirect file, never with the token on a command line, unless --no-open",
  { timeout: 90_000 },
  async () => {
    // FAKE xdg-open: there is no desktop here to open a browser on; the stand-in records what it was given.
    const bin = fs.mkdtempSync(path.join(lab.dataDir, "bin-"));
    const opened = path.join(bin, "opened.txt");
    fs.writeFileSync(path.join(bin, "xdg-open"), `#!/bin/sh\necho "$1" >> ${opened}\n`, { mode: 0o755 });
    // Every process's command line is read while the board starts and opens the browser.
    const seen = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
          try {
            seen.add(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8"));
          } catch {
            // Gone already.
          }
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const second = await startBoardCli(lab, { open: true, env: { PATH: `${bin}:${lab.env.PATH}` } });
    let redirect = "";
    try {
      await expect
        .poll(() => (fs.existsSync(opened) ? fs.readFileSync(opened, "utf8").trim() : ""), { timeout: 30_000 })
        .toMatch(/^file:\/\//);
      const given = fs.readFileSync(opened, "utf8").trim();
      const token = new URL(second.url).searchParams.get("token")!;
      expect(given).not.toContain(token);
      watching = false;
      await watcher;
      expect([...seen].filter((c) => c.includes(token))).toEqual([]);
      redirect = fileURLToPath(given);
      expect(fs.statSync(redirect).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(redirect, "utf8")).toContain(`location.replace(${JSON.stringify(second.url)})`);
    } finally {
      second.child.kill("SIGTERM");
    }
    // The redirect file goes with the board: gone once the board has exited (which took over 10 s in a full run
    // on a slow two-core host).
    if (second.child.exitCode === null && second.child.signalCode === null) await new Promise((r) => second.child.once("exit", r));
    expect(fs.existsSync(redirect)).toBe(false);
    const quiet = await startBoardCli(lab, { env: { PATH: `${bin}:${lab.env.PATH}` } });
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect(fs.readFileSync(opened, "utf8").trim().split("\n")).toHaveLength(1);
    } finally {
      quiet.child.kill("SIGTERM");
    }
  },
);

test("a board stopped the moment it opens the browser still takes its redirect file away", { timeout: 90_000 }, async () => {
  // FAKE xdg-open, as above; this one also stops the board (its parent) at once, as a quick Ctrl-C would. The
  // board listened for signals only after opening the browser: such a signal killed it outright, token file left.
  const bin = fs.mkdtempSync(path.join(lab.dataDir, "bin-"));
  const opened = path.join(bin, "opened.txt");
  fs.writeFileSync(path.join(bin, "xdg-open"), `#!/bin/sh\necho "$1" > '${opened}'\nkill -TERM $PPID\n`, { mode: 0o755 });
  const board = boardProcess(["board"], `${bin}:${lab.env.PATH}`);
  // It ended by its own handler (exit 0), not by the signal's default action.
  expect(await board.ended, board.stderr()).toEqual({ code: 0, signal: null });
  const redirect = fileURLToPath(fs.readFileSync(opened, "utf8").trim());
  expect(path.dirname(redirect)).toBe(lab.dataDir);
  expect(fs.existsSync(redirect)).toBe(false);
});

test("a board removes the redirect files that killed boards left, and no live board's", { timeout: 90_000 }, async () => {
  // A pid that was surely in use and is surely free now: a process that has ended.
  const ended = spawn("true");
  const deadPid = await new Promise<number>((resolve) => ended.on("exit", () => resolve(ended.pid!)));
  const dead = path.join(lab.dataDir, `board-open-${deadPid}.html`);
  const live = path.join(lab.dataDir, `board-open-${process.pid}.html`);
  for (const f of [dead, live]) fs.writeFileSync(f, "a killed board's token", { mode: 0o600 });
  const quiet = await startBoardCli(lab);
  try {
    // Removed before the board prints its address, which startBoardCli waited for.
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
  } finally {
    quiet.child.kill("SIGTERM");
    if (quiet.child.exitCode === null && quiet.child.signalCode === null) await new Promise((r) => quiet.child.once("exit", r));
    fs.rmSync(live, { force: true });
  }
});

test("a board whose --port is taken says so and exits 2, not serving and not hanging", { timeout: 90_000 }, async () => {
  // The timer that refreshes the tasks' cost was started before the board listened: it kept a board that could
  // not listen running, silent, forever.
  const port = Number(new URL(base).port);
  const board = boardProcess(["board", "--no-open", "--port", String(port)], lab.env.PATH!);
  expect(await board.ended).toEqual({ code: 2, signal: null });
  expect(board.stderr()).toContain(`port ${port} on 127.0.0.1 is taken by another program: choose another --port`);
});

/** `quartet <args>` in the lab's repository, ended after a minute at the latest (a hang fails, not waits). */
function boardProcess(args: string[], PATH: string) {
  const child = spawn(process.execPath, [path.join(ROOT, "bin", "quartet.js"), ...args], {
    cwd: lab.repo,
    env: { ...lab.env, QUARTET_HOME: lab.dataDir, TZ: "UTC", NO_COLOR: "1", PATH },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c) => (stderr += c));
  const limit = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal });
    }),
  );
  return { ended, stderr: () => stderr };
}

test("a stale cookie from an earlier board does not lock the user out; the favicon is answered", async () => {
  const port = new URL(base).port;
  const stale = `quartet_token_${port}=from-an-earlier-board; quartet_token=older-still`;
  // The URL quartet printed works even with the stale cookie: a valid token in the URL wins.
  const login = await request(`${base}/?token=${token}`, { headers: { host: host(), cookie: stale } });
  expect(login.status).toBe(303);
  expect(String(login.headers["set-cookie"])).toMatch(new RegExp(`^quartet_token_${port}=`));
  expect((await request(`${base}/api/board`, { headers: { host: host(), cookie: stale } })).status).toBe(401);
  expect((await request(`${base}/favicon.ico`, { headers: { host: host() } })).status).toBe(204);
});

test("files with any name, and a large file summarized until asked for", { timeout: 60_000 }, async () => {
  const odd = ["with space.txt", "new\nline.txt", "café.txt"];
  for (const name of odd) fs.writeFileSync(path.join(workdir, name), `${name}\n`);
  // Just over the line count the board summarizes: its diff, asked for, is rendered three times below (200,000
  // lines took a minute of a full CI run's time).
  fs.writeFileSync(path.join(workdir, "huge.log"), "x\n".repeat(LARGE_LINES + 1000));
  try {
    const r = await request(`${base}/api/tasks/1`, { headers: { host: host(), cookie } });
    expect(r.status).toBe(200);
    const files = (JSON.parse(r.body) as { files: { path: string; large: boolean; html: string }[] }).files;
    for (const name of odd) expect(files.map((f) => f.path)).toContain(name);
    const huge = files.find((f) => f.path === "huge.log")!;
    expect(huge).toMatchObject({ large: true, html: "" });
    const loaded = await request(`${base}/api/tasks/1/diff?path=${encodeURIComponent("huge.log")}`, { headers: { host: host(), cookie } });
    expect(loaded.status).toBe(200);
    expect((JSON.parse(loaded.body) as { html: string }).html).toContain("d2h-file-wrapper");
    // Of the version the page shows: once the work changed, that file's diff is refused, not swapped in.
    const shown = (JSON.parse(r.body) as { task: { tree: string } }).task.tree;
    const asShown = `${base}/api/tasks/1/diff?path=huge.log&tree=${shown}`;
    expect((await request(asShown, { headers: { host: host(), cookie } })).status).toBe(200);
    fs.appendFileSync(path.join(workdir, "huge.log"), "y\n");
    const stale = await request(asShown, { headers: { host: host(), cookie } });
    expect(stale.status).toBe(409);
    const refused = JSON.parse(stale.body) as { error: string; data: { tree: string } };
    expect(refused.error).toContain("changed since this page showed it");
    expect(refused.data.tree).toMatch(/^[0-9a-f]{40}$/);
    expect(refused.data.tree).not.toBe(shown);
    const outside = await request(`${base}/api/tasks/1/diff?path=${encodeURIComponent("../../etc/passwd")}`, {
      headers: { host: host(), cookie },
    });
    expect(outside.status).toBe(400);
  } finally {
    for (const name of [...odd, "huge.log"]) fs.rmSync(path.join(workdir, name));
  }
});

test("a 100 MB file in the worktree does not hold up other requests while git reads it", { timeout: 120_000 }, async () => {
  // 50 million short lines: git takes seconds over it, which before ran on the board's event loop.
  const big = path.join(workdir, "big.log");
  const fd = fs.openSync(big, "w");
  const chunk = Buffer.from("x\n".repeat(1 << 20));
  for (let i = 0; i < 50; i++) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  try {
    let detailDone = false;
    const detail = request(`${base}/api/tasks/1`, { headers: { host: host(), cookie } }).finally(() => (detailDone = true));
    // Answers to small requests keep coming while the task's diff is taken: asked every 50 ms, not back to back,
    // which in a loaded full run kept both processes busy and slowed git's read of the file to a minute.
    let answeredMeanwhile = 0;
    while (!detailDone) {
      const r = await request(`${base}/favicon.ico`, { headers: { host: host() } });
      expect(r.status).toBe(204);
      if (!detailDone) answeredMeanwhile++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const r = await detail;
    expect(r.status).toBe(200);
    const file = (JSON.parse(r.body) as { files: { path: string; large: boolean; html: string }[] }).files.find(
      (f) => f.path === "big.log",
    );
    expect(file).toMatchObject({ large: true, html: "" });
    expect(answeredMeanwhile).toBeGreaterThanOrEqual(3);
  } finally {
    fs.rmSync(big);
  }
});

test("two hundred live pages each get the board, and each change, promptly", { timeout: 60_000 }, async () => {
  const pages = Array.from({ length: 200 }, () => {
    let text = "";
    const req = http.request(
      { host: "127.0.0.1", port: new URL(base).port, path: "/api/events", headers: { host: host(), cookie } },
      (res) => res.on("data", (c) => (text += c)),
    );
    req.end();
    return { req, events: () => text.split("event: board").length - 1 };
  });
  try {
    await expect.poll(() => pages.filter((p) => p.events() >= 1).length, { timeout: 10_000 }).toBe(200);
    const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${board.child.pid}/status`, "utf8"))![1]) / 1024;
    const before = rss();
    const delays: number[] = [];
    for (let round = 2; round <= 11; round++) {
      const created = await request(`${base}/api/tasks`, {
        method: "POST",
        headers: { host: host(), cookie, "x-quartet-csrf": csrf, "content-type": "application/json" },
        body: JSON.stringify({ title: `Seen by every page, ${round}` }),
      });
      expect(created.status).toBe(201);
      const sent = performance.now();
      await expect.poll(() => pages.filter((p) => p.events() >= round).length, { timeout: 5_000, interval: 10 }).toBe(200);
      delays.push(performance.now() - sent);
    }
    const after = rss();
    console.log(
      `200 pages, 10 changes: the last page had each within ${Math.round(Math.max(...delays))} ms; board RSS ${Math.round(before)} → ${Math.round(after)} MB`,
    );
    // Ten rounds to 200 pages leave the board's memory where it was (a held buffer per page would show).
    expect(after - before).toBeLessThan(48);
  } finally {
    for (const p of pages) p.req.destroy();
  }
});

test("what the person chose on a card, and what they are typing, survive the board's live updates", { timeout: 90_000 }, async () => {
  const add = async (title: string) => {
    const r = await request(`${base}/api/tasks`, {
      method: "POST",
      headers: { host: host(), cookie, "x-quartet-csrf": csrf, "content-type": "application/json" },
      body: JSON.stringify({ title }),
    });
    expect(r.status, r.body).toBe(201);
    return (JSON.parse(r.body) as { task: { id: number } }).task.id;
  };
  const chosen = await add("Started the way the person chose");
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    await page.goto(board.url);
    const card = page.locator(`.col-todo [data-task="${chosen}"]`);
    await card.waitFor();
    // Not the first runtime, which a card drawn afresh would show.
    const runtimes = await card
      .locator("select option")
      .evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
    expect(runtimes.length).toBeGreaterThan(1);
    await card.locator("select").selectOption(runtimes.at(-1)!);
    await card.locator(".gateway input[type=checkbox]").check();
    await page.fill('.new-task input[name="title"]', "Half-typed");
    // A change made elsewhere: the board is pushed to the page, which draws every card again.
    const meanwhile = await add("Added from elsewhere");
    await page.locator(`.col-todo [data-task="${meanwhile}"]`).waitFor();
    expect(await card.locator("select").inputValue()).toBe(runtimes.at(-1));
    expect(await card.locator(".gateway input[type=checkbox]").isChecked()).toBe(true);
    expect(await page.inputValue('.new-task input[name="title"]')).toBe("Half-typed");
    expect(await page.evaluate('document.activeElement.getAttribute("name")')).toBe("title");
    // Focus on a card's control is given back to the same control on the card drawn afresh.
    await card.locator("select").focus();
    const again = await add("Added from elsewhere, again");
    await page.locator(`.col-todo [data-task="${again}"]`).waitFor();
    expect(await page.evaluate('document.activeElement.closest("[data-task]").dataset.task')).toBe(String(chosen));
    expect(await page.evaluate("document.activeElement.tagName")).toBe("SELECT");
  } finally {
    await browser.close();
  }
});
