/** Shared by the benchmark scripts: running a command with timing and peak memory, and temp folders. */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const QUARTET = [process.execPath, path.join(ROOT, "bin", "quartet.js")];
export const CCUSAGE = path.join(ROOT, "node_modules", ".bin", "ccusage");

export interface Measured {
  stdout: string;
  stderr: string;
  code: number;
  seconds: number;
  /** Peak resident set size of the process tree's largest process, in MB (from GNU time). */
  peakRssMb: number;
}

/** Runs a command under /usr/bin/time, measuring wall time and peak RSS. */
export async function measure(cmd: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  const timeFile = path.join(os.tmpdir(), `quartet-bench-time-${process.pid}-${Date.now()}`);
  const started = performance.now();
  const child = spawn("/usr/bin/time", ["-f", "%M", "-o", timeFile, ...cmd], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = Number(fs.readFileSync(timeFile, "utf8").trim().split("\n").pop()) / 1024;
  fs.rmSync(timeFile, { force: true });
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (${code}): ${stderr.slice(-2000)}`);
  return { stdout, stderr, code, seconds, peakRssMb };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The environment for reading a home folder: nothing of the real user's home leaks in. */
export function envFor(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, TZ: "UTC", NO_COLOR: "1", ...extra };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
