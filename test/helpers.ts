/**
 * Shared test helpers: temporary folders that are removed after each test, homes assembled from the
 * recorded runtime fixtures, running the built CLI with its own data dir, and file checksums.
 */
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, expect } from "vitest";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const FIXTURES = path.join(ROOT, "test", "fixtures");

const perTest: string[] = [];
const perFile: string[] = [];
afterEach(() => {
  for (const dir of perTest.splice(0)) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});
afterAll(() => {
  for (const dir of perFile.splice(0)) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

/**
 * A fresh folder. Made inside a test, it is removed after that test; made in beforeAll (or at file level),
 * it lives until the file's tests are done.
 */
export function tempDir(prefix = "quartet-test-", scope?: "file"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  (scope !== "file" && expect.getState().currentTestName ? perTest : perFile).push(dir);
  return dir;
}

/** A folder that lives until the file's tests are done (for beforeAll: the test state is not reset there). */
export function fileTempDir(prefix = "quartet-test-"): string {
  return tempDir(prefix, "file");
}

export type FixtureRuntime = "claude" | "opencode" | "codex";

/** A home folder holding the recorded logs of the given runtimes, where each runtime looks for them. */
export function fixtureHome(runtimes: readonly FixtureRuntime[] = ["claude", "opencode", "codex"]): string {
  const home = tempDir("quartet-home-");
  if (runtimes.includes("claude"))
    fs.cpSync(path.join(FIXTURES, "claude", "projects"), path.join(home, ".claude", "projects"), { recursive: true });
  if (runtimes.includes("opencode"))
    fs.cpSync(path.join(FIXTURES, "opencode"), path.join(home, ".local", "share", "opencode"), { recursive: true });
  if (runtimes.includes("codex")) fs.cpSync(path.join(FIXTURES, "codex"), path.join(home, ".codex"), { recursive: true });
  return home;
}

/** Every file and folder under `dir` with a checksum of each file's content. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    const full = path.join(dir, rel);
    const stat = fs.lstatSync(full);
    out[rel] = stat.isFile() ? crypto.createHash("sha256").update(fs.readFileSync(full)).digest("hex") : "dir";
  }
  return out;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The signal that ended the process, if one did (its code is then 1). */
  signal?: NodeJS.Signals | null;
}

/** Runs the built CLI (`bin/quartet.js`) with a private QUARTET_HOME and HOME unless given. */
export async function runCli(
  args: readonly string[],
  options: {
    env?: NodeJS.ProcessEnv;
    dataDir?: string;
    cwd?: string;
    killAfterMs?: number;
    /** Called with the process once started, for a test that signals it on a condition of its own. */
    onStart?: (child: ChildProcess) => void;
  } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: options.env?.HOME ?? tempDir("quartet-userhome-"),
    QUARTET_HOME: options.dataDir ?? tempDir("quartet-data-"),
    TZ: "UTC",
    NO_COLOR: "1",
    ...options.env,
  };
  const child = spawn(process.execPath, [path.join(ROOT, "bin", "quartet.js"), ...args], { env, cwd: options.cwd ?? ROOT });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  if (options.killAfterMs !== undefined) setTimeout(() => child.kill("SIGKILL"), options.killAfterMs);
  options.onStart?.(child);
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code: code ?? 1, signal, stdout, stderr })));
}

/** Writes JSON lines to a file (appending when asked). */
export function writeLines(file: string, lines: readonly unknown[], options: { append?: boolean; trailingNewline?: boolean } = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const text =
    lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + (options.trailingNewline === false ? "" : "\n");
  if (options.append) fs.appendFileSync(file, text);
  else fs.writeFileSync(file, text);
}
