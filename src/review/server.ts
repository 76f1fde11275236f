/**
 * `quartet board`: the review board as a local web app, on 127.0.0.1 only.
 *
 * Security, because any web page the user visits can try to reach a local port:
 * - a secret token made for this run is required on every request (from the URL once, then an HttpOnly,
 *   SameSite=Strict cookie); anything else gets 401;
 * - the Host and Origin headers must name this loopback address and port (DNS rebinding gets 403);
 * - a state-changing request must also carry the per-run CSRF token from the page in a header, which a
 *   foreign page cannot read or send;
 * - a file path must stay inside the task's worktree;
 * - every diff and text is HTML-escaped (diff2html escapes code; the page sets only textContent).
 * All assets are served from quartet's own files: the board works offline.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { html as diffHtml } from "diff2html";
import { packageRoot } from "../core/binaries.js";
import { errorMessage, NamedError, UsageError } from "../core/errors.js";
import { listenOn } from "../core/listen.js";
import { mapLimited } from "../core/map-limited.js";
import { OneAtATime } from "../core/one-at-a-time.js";
import { reportOnce } from "../core/report-once.js";
import { answerSession, paneQuestion } from "../sessions/sessions.js";
import { confinedPath, diffTotals, fileDiff } from "./diff.js";
import {
  addReviewComment,
  addTask,
  approveTask,
  askToRebase,
  ChangedSinceReviewError,
  discardTask,
  elapsedMs,
  getTask,
  refreshTask,
  requestChanges,
  startTask,
  taskCacheBreaks,
  taskCost,
  type ReviewContext,
} from "./review.js";
import { COLUMN_TITLE, COLUMNS, type Task } from "./store.js";

/** A git object id (SHA-1 or SHA-256), as the page sends back the tree it shows. */
const GIT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** The tree a page says it shows: nothing for the current version; anything else is refused. */
function treeParam(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string" || !GIT_ID.test(value)) throw new UsageError("tree: expected the id of the git tree the page shows");
  return value;
}

export interface BoardServer {
  url: string;
  /** The URL with the token, to open in the browser. */
  openUrl: string;
  token: string;
  close(): Promise<void>;
}

export interface BoardOptions {
  ctx: ReviewContext;
  /** The repository new tasks are created in. */
  repo: string;
  port?: number;
  /** How often the server looks for changes to push (ms). */
  pollMs?: number;
  /** Told why the live pages could not be refreshed: once per new reason, not on every tick. */
  onError?(message: string): void;
}

/** Tasks whose change is read at once for a board snapshot (each runs a few git commands). */
const GIT_AT_ONCE = 4;

const ASSETS: Record<string, string> = {
  "/assets/board.js": "text/javascript; charset=utf-8",
  "/assets/board.css": "text/css; charset=utf-8",
  "/assets/diff2html.min.css": "text/css; charset=utf-8",
};

function assetDir(): string {
  return path.join(packageRoot(), "dist", "board");
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startBoard(o: BoardOptions): Promise<BoardServer> {
  const token = crypto.randomBytes(24).toString("base64url");
  const csrf = crypto.randomBytes(24).toString("base64url");
  // The runtimes the CLI handed the sessions layer: the ones a task can be started with.
  const startable = [...o.ctx.sessions.runtimes.values()].filter((r) => r.session);
  const startableIds = startable.map((r) => r.id);
  const clients = new Set<http.ServerResponse>();
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : e instanceof NamedError ? (e.exitCode === 2 ? 400 : 409) : 500;
      if (!res.headersSent) send(res, status, { error: errorMessage(e), ...(e instanceof NamedError ? { data: e.data } : {}) });
      else res.end();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    // DNS rebinding: a foreign name resolving to 127.0.0.1 still shows in Host.
    if (!allowedHosts().has(req.headers.host ?? "")) throw new HttpError(403, "this board only answers on its own loopback address");
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) throw new HttpError(403, "cross-origin requests are refused");
    // Nothing secret, and browsers ask for it without being told: answered before the token check.
    if (req.method === "GET" && url.pathname === "/favicon.ico") {
      res.writeHead(204, { "cache-control": "max-age=86400" });
      res.end();
      return;
    }
    // The cookie is named after the port: cookies are shared by every port of 127.0.0.1, and a board from an
    // earlier run must not lock this one out. A valid token in the URL wins over a stale cookie.
    const cookie = `quartet_token_${port}`;
    const queryToken = url.searchParams.get("token");
    const cookieToken = new RegExp(`(?:^|;\\s*)${cookie}=([^;]+)`).exec(req.headers.cookie ?? "")?.[1];
    const candidates = [queryToken, cookieToken, req.headers["x-quartet-token"] as string | undefined];
    if (!candidates.some((c) => c !== undefined && c !== null && safeEqual(c, token))) {
      throw new HttpError(401, "a valid token is required: open the URL quartet board printed");
    }
    if (queryToken !== null && safeEqual(queryToken, token) && req.method === "GET" && url.pathname === "/") {
      res.writeHead(303, {
        location: "/",
        "set-cookie": `${cookie}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        "cache-control": "no-store",
      });
      res.end();
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      if (!safeEqual(String(req.headers["x-quartet-csrf"] ?? ""), csrf)) throw new HttpError(403, "missing or wrong CSRF token");
    }
    if (req.method === "GET" && url.pathname === "/") return sendPage(res, csrf, startableIds);
    if (req.method === "GET" && ASSETS[url.pathname]) return sendAsset(res, url.pathname);
    if (req.method === "GET" && url.pathname === "/api/events") return openEvents(req, res);
    if (req.method === "GET" && url.pathname === "/api/board") return send(res, 200, await boardSnapshot());
    if (req.method === "POST" && url.pathname === "/api/tasks") {
      const body = await readJson(req);
      const task = addTask(o.ctx, { title: String(body.title ?? ""), body: String(body.body ?? ""), cwd: o.repo });
      changed();
      return send(res, 201, { task: taskCard(task) });
    }
    const m = /^\/api\/tasks\/(\d+)(?:\/([a-z-]+))?(?:\/(\d+))?$/.exec(url.pathname);
    if (!m) throw new HttpError(404, "not found");
    const id = Number(m[1]);
    const action = m[2];
    if (req.method === "GET" && !action) return send(res, 200, await taskDetail(getTask(o.ctx, id)));
    if (req.method === "GET" && action === "file") return send(res, 200, await fileContent(id, url.searchParams.get("path") ?? ""));
    if (req.method === "GET" && action === "diff")
      return send(res, 200, await largeFileDiff(id, url.searchParams.get("path") ?? "", url.searchParams.get("tree")));
    if (req.method === "POST") {
      const body = await readJson(req);
      // One action on a task at a time: an approve and a discard (or a double click) must not interleave while
      // the task's session stops, which now waits without blocking the board.
      await actions.run(id, () => post(id, action ?? "", body));
      changed();
      return send(res, 200, await taskDetail(getTask(o.ctx, id)));
    }
    if (req.method === "DELETE" && action === "comments" && m[3]) {
      if (!o.ctx.store.deleteComment(id, Number(m[3]))) throw new HttpError(404, "no such open comment");
      changed();
      return send(res, 200, await taskDetail(getTask(o.ctx, id)));
    }
    throw new HttpError(405, "method not allowed");
  }

  const actions = new OneAtATime<number>();

  async function post(id: number, action: string, body: Record<string, unknown>): Promise<void> {
    switch (action) {
      case "start": {
        const name = String(body.runtime ?? startable[0]?.id ?? "").trim();
        const runtime = startable.find((r) => r.id === name);
        if (!runtime) throw new UsageError(`unknown runtime "${name}" (known: ${startableIds.join(", ")})`);
        if (body.gateway !== undefined && typeof body.gateway !== "boolean") throw new UsageError("gateway: expected true or false");
        await startTask(o.ctx, id, { runtime, gateway: body.gateway === true });
        return;
      }
      case "comments":
        await addReviewComment(o.ctx, id, {
          path: String(body.path ?? ""),
          line: Number(body.line),
          side: body.side === "old" ? "old" : "new",
          body: String(body.body ?? ""),
          tree: treeParam(body.tree),
        });
        return;
      case "viewed": {
        const { diff } = await refreshTask(o.ctx, getTask(o.ctx, id), { patches: true });
        const file = diff?.files.find((f) => f.path === String(body.path ?? ""));
        if (!file) throw new UsageError(`${String(body.path)} is not part of task ${id}'s change`);
        // The version the page showed, which may be older than the worktree's: a newer one is not viewed yet.
        const shown = typeof body.digest === "string" && /^[0-9a-f]{16}$/.test(body.digest) ? body.digest : file.digest;
        o.ctx.store.setViewed(id, file.path, body.viewed === false ? null : shown);
        return;
      }
      case "request-changes":
        await requestChanges(o.ctx, id, typeof body.message === "string" ? body.message : undefined);
        return;
      case "approve": {
        if (typeof body.reviewed !== "string" || !GIT_ID.test(body.reviewed)) {
          throw new UsageError("approve needs the tree the page showed (`reviewed`): reload the task");
        }
        await approveTask(o.ctx, id, {
          strategy: body.strategy === "squash" ? "squash" : body.strategy === "merge" ? "merge" : undefined,
          reviewedTree: body.reviewed,
          whileWorking: body.whileWorking === true,
        });
        return;
      }
      case "discard":
        await discardTask(o.ctx, id);
        return;
      case "rebase":
        await askToRebase(o.ctx, id);
        return;
      case "answer": {
        if (body.answer !== "allow" && body.answer !== "deny") throw new UsageError('answer must be "allow" or "deny"');
        const { session } = await refreshTask(o.ctx, getTask(o.ctx, id));
        if (!session) throw new UsageError(`task ${id} has no session`);
        answerSession(o.ctx.sessions, session, body.answer);
        return;
      }
      default:
        throw new HttpError(404, `unknown action "${action}"`);
    }
  }

  function taskCard(
    task: Task,
    extra: { state?: string; changes?: { files: number; additions: number; deletions: number }; tree?: string } = {},
  ) {
    return {
      id: task.id,
      title: task.title,
      status: task.status,
      runtime: task.runtime,
      session: task.sessionName,
      elapsedMs: elapsedMs(task),
      cost: taskCost(o.ctx, task),
      conflict: task.conflict ? task.conflict.split("\n") : null,
      ...extra,
    };
  }

  async function boardSnapshot() {
    const panes = o.ctx.sessions.tmux().panes();
    const cards = await mapLimited(o.ctx.store.tasks(), GIT_AT_ONCE, async (t) => {
      const r = await refreshTask(o.ctx, t, { panes });
      return taskCard(r.task, { state: r.session?.state, changes: r.diff ? diffTotals(r.diff) : undefined, tree: r.diff?.tree });
    });
    return { columns: COLUMNS.map((c) => ({ id: c, title: COLUMN_TITLE[c], tasks: cards.filter((t) => t.status === c) })) };
  }

  async function taskDetail(task: Task) {
    const { task: current, session, diff } = await refreshTask(o.ctx, task, { patches: true });
    const viewed = o.ctx.store.viewed(task.id);
    return {
      task: {
        ...taskCard(current, { state: session?.state, changes: diff ? diffTotals(diff) : undefined, tree: diff?.tree }),
        body: current.body,
        baseBranch: current.baseBranch,
      },
      session: session
        ? {
            name: session.name,
            state: session.state,
            stateSource: session.stateSource,
            branch: session.branch,
            workdir: session.workdir,
            // What the agent asks, while it waits: the tool from its event, and its screen.
            ...(session.state === "needs-input"
              ? {
                  ask: {
                    tool: session.stateDetail,
                    screen: paneQuestion(o.ctx.sessions, session),
                    answerable: o.ctx.sessions.runtimes.get(session.runtime)?.session?.answers !== undefined,
                  },
                }
              : {}),
          }
        : null,
      files: (diff?.files ?? []).map((f) => ({
        path: f.path,
        status: f.status,
        additions: f.additions,
        deletions: f.deletions,
        viewed: viewed.get(f.path) === f.digest,
        digest: f.digest,
        large: f.large,
        binary: f.binary,
        // A large file is a summary until the reviewer asks for it (GET …/diff?path=).
        html: f.large ? "" : diffHtml(f.patch, { drawFileList: false, outputFormat: "line-by-line", matching: "lines" }),
      })),
      comments: o.ctx.store.comments(task.id),
      // Which version of each file was marked viewed: a page that keeps an older diff on screen reads its marks here.
      viewedDigests: Object.fromEntries(viewed),
      cacheBreaks: taskCacheBreaks(o.ctx, current),
    };
  }

  /** One large file's diff, of the version the page shows (`tree`): a newer one is refused, as approve refuses it. */
  async function largeFileDiff(id: number, rel: string, tree: string | null) {
    // The refresh reads the change's summary already: its files and tree.
    const { task, session, diff: summary } = await refreshTask(o.ctx, getTask(o.ctx, id));
    if (!session?.baseCommit || !fs.existsSync(session.workdir)) throw new HttpError(404, `task ${id} has no worktree`);
    if (!summary?.files.some((f) => f.path === rel)) throw new UsageError(`${rel} is not part of task ${task.id}'s change`);
    if (tree && summary.tree !== tree)
      throw new ChangedSinceReviewError({
        message: `task ${id} changed since this page showed it: show the new diff, then load ${rel}`,
        commits: [],
        files: [],
        tree: summary.tree,
      });
    const { patch, truncated } = await fileDiff(session.workdir, session.baseCommit, rel);
    return {
      path: rel,
      truncated,
      html: diffHtml(patch, { drawFileList: false, outputFormat: "line-by-line", matching: "lines" }),
    };
  }

  async function fileContent(id: number, rel: string) {
    const { session } = await refreshTask(o.ctx, getTask(o.ctx, id));
    if (!session || !fs.existsSync(session.workdir)) throw new HttpError(404, `task ${id} has no worktree`);
    const full = confinedPath(session.workdir, rel);
    if (!full) throw new HttpError(400, "the path must name a file inside the task's worktree");
    if (!fs.statSync(full).isFile()) throw new HttpError(400, "not a file");
    return { path: rel, content: fs.readFileSync(full, "utf8") };
  }

  let lastSnapshot = "";
  const refreshFailure = reportOnce((message) => o.onError?.(`could not refresh the board: ${message}`));
  let taking: Promise<void> | null = null;
  let again = false;
  /**
   * Pushes the board to the live pages if it changed. Taken once per tick for all of them (every started
   * task's summary), and only with pages open; a page that connects gets the last one. One snapshot at a
   * time: a tick or action during one asks for another after it, so git runs never pile up.
   */
  function pushBoard(): Promise<void> {
    if (clients.size === 0) return Promise.resolve();
    if (taking) {
      again = true;
      return taking;
    }
    taking = (async () => {
      try {
        const snapshot = JSON.stringify(await boardSnapshot());
        refreshFailure.ok();
        if (snapshot === lastSnapshot) return;
        lastSnapshot = snapshot;
        const event = `event: board\ndata: ${snapshot}\n\n`;
        for (const c of clients) c.write(event);
      } catch (e) {
        // A failed refresh (a repository moved meanwhile) is retried on the next tick.
        refreshFailure.failed(errorMessage(e));
      } finally {
        taking = null;
        if (again) {
          again = false;
          void pushBoard();
        }
      }
    })();
    return taking;
  }

  /** After an action: the pages learn of it once the response has gone out, not before. */
  function changed(): void {
    setImmediate(pushBoard);
  }

  async function openEvents(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    clients.add(res);
    req.on("close", () => clients.delete(res));
    // The first page waits for the first snapshot; every later one gets the last one at once.
    if (lastSnapshot === "") await pushBoard();
    else res.write(`event: board\ndata: ${lastSnapshot}\n\n`);
  }

  const timer = setInterval(pushBoard, o.pollMs ?? 1500);
  timer.unref();

  port = await listenOn(server, o.port);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    openUrl: `${url}/?token=${token}`,
    token,
    async close() {
      clearInterval(timer);
      for (const c of clients) c.end();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(JSON.stringify(body));
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 1_000_000) throw new HttpError(413, "request too large");
  }
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // Falls through to the error below.
  }
  throw new HttpError(400, "expected a JSON object");
}

function sendAsset(res: http.ServerResponse, name: string): void {
  const file = path.join(assetDir(), path.basename(name));
  res.writeHead(200, { "content-type": ASSETS[name]!, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(fs.readFileSync(file));
}

/** The page; `runtimes` (ids, [a-z0-9-]) fill the board's runtime picker, so it lists what the registry has. */
function sendPage(res: http.ServerResponse, csrf: string, runtimes: readonly string[]): void {
  const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="quartet-csrf" content="${csrf}">
<meta name="quartet-runtimes" content="${runtimes.join(" ")}">
<title>quartet board</title>
<link rel="stylesheet" href="/assets/diff2html.min.css">
<link rel="stylesheet" href="/assets/board.css">
</head>
<body>
<header><h1>quartet board</h1><nav id="crumbs"></nav><span id="live" title="live updates"></span></header>
<main id="app"></main>
<script src="/assets/board.js"></script>
</body>
</html>`;
  res.writeHead(200, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    // Only this server's own scripts and styles; no inline script, no other origin.
    "content-security-policy":
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  });
  res.end(page);
}
