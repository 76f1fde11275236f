/**
 * For the tests of `quartet live` and `quartet statusline`: the built CLI run with stdin and a fixed "now"
 * (QUARTET_TEST_NOW), and Claude Code transcripts whose cost is worked out by hand.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { expect } from "vitest";
import { fileTempDir, ROOT, writeLines, type CliResult } from "./helpers.js";

export const NOW = "2026-11-24T12:00:00Z";

/** One Claude Opus 4.8 request of 100k uncached input and 10k output tokens: $0.50 + $0.25 = $0.75. */
export function request(id: string, timestamp: string, sessionId = "s-live") {
  return {
    type: "assistant",
    timestamp,
    sessionId,
    cwd: "/work/app",
    requestId: `req_${id}`,
    message: { id: `msg_${id}`, model: "claude-opus-4-8", usage: { input_tokens: 100_000, output_tokens: 10_000 } },
  };
}

/**
 * A home with five such requests: one the week before NOW, one in an earlier block (05:00–10:00) and three in
 * the block running at NOW (10:00–15:00). Made for a whole test file: its tests run at the same time.
 */
export function liveHome(): string {
  const home = fileTempDir("quartet-home-");
  writeLines(path.join(home, ".claude", "projects", "-work-app", "s-live.jsonl"), [
    request("m0", "2026-11-22T09:00:00Z"),
    request("m1", "2026-11-24T05:30:00Z"),
    request("m2", "2026-11-24T10:30:00Z"),
    request("m3", "2026-11-24T11:00:00Z"),
    request("m4", "2026-11-24T11:30:00Z"),
  ]);
  return home;
}

/** Runs the built CLI with `input` on stdin; home and data folder are the test's (not per test: tests run at once). */
export function run(
  args: readonly string[],
  o: { data: string; now?: string; input?: string; nodeFlags?: readonly string[] },
): Promise<CliResult> {
  const env = { PATH: process.env.PATH, HOME: o.data, QUARTET_HOME: o.data, TZ: "UTC", NO_COLOR: "1", QUARTET_TEST_NOW: o.now ?? NOW };
  const child = spawn(process.execPath, [...(o.nodeFlags ?? []), path.join(ROOT, "bin", "quartet.js"), ...args], { env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  child.stdin.end(o.input ?? "");
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr })));
}

/** A run's JSON output, after checking it succeeded. */
export function okJson(r: CliResult) {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}
