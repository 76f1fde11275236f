/** Test helpers for the review board: the browser, and `quartet board` run as the user runs it. */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { ROOT } from "./helpers.js";
import type { SessionLab } from "./sessions.js";

export function chromiumPath(): string {
  for (const p of [process.env.QUARTET_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"]) if (p && fs.existsSync(p)) return p;
  throw new Error("chromium is not installed (apt-get install chromium); .ci/run installs it");
}

/** Starts `quartet board` (with --no-open unless `open`) and returns the URL it printed. */
export async function startBoardCli(
  lab: SessionLab,
  o: { open?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<{ url: string; child: ChildProcess; stderr(): string }> {
  const child = spawn(process.execPath, [path.join(ROOT, "bin", "quartet.js"), "board", ...(o.open ? [] : ["--no-open"])], {
    cwd: lab.repo,
    env: { ...lab.env, QUARTET_HOME: lab.dataDir, TZ: "UTC", NO_COLOR: "1", ...o.env },
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (c) => (err += c));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (c) => {
      out += c;
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (m) resolve(m[0]);
    });
    child.on("exit", (code) => reject(new Error(`quartet board exited with ${code}: ${err}`)));
  });
  return { url, child, stderr: () => err };
}

/** An HTTP request with full control of the headers (fetch would not send a foreign Host). */
export function request(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    // A connection of its own (agent: false): Node's default agent keeps connections alive and reuses one the board
    // closes after 5 idle seconds, and a request sent as it closes fails with "socket hang up" (seen in CI), where a
    // browser would send it again.
    const req = http.request(
      { host: "127.0.0.1", port: u.port, path: u.pathname + u.search, method: o.method ?? "GET", headers: o.headers, agent: false },
      (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(o.body);
  });
}
