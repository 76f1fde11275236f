/**
 * Child processes the lab and sessions start: a handle that keeps the process, its completion and its
 * cancellation apart (`{ pid, exited, cancel() }`), with the tail of what it printed for error messages.
 */
import { spawn, type SpawnOptions } from "node:child_process";
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcessHandle {
  pid: number | undefined;
  exited: Promise<Exit>;
  /** Stops the process (SIGTERM, then SIGKILL after a grace period). */
  cancel(): void;
  /** The last lines the process printed on stdout and stderr. */
  tail(lines?: number): string;
  /** Called with each complete line of stdout. */
  onLine(listener: (line: string) => void): void;
  write(text: string): void;
}

const KEEP_BYTES = 64 * 1024;

/** Process groups started here and still running: stopped if quartet itself exits first. */
const live = new Set<number>();
process.once("exit", () => {
  for (const pid of live) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});

/**
 * Starts a process. Its stdin stays open for `write()` only with `stdin: "pipe"`; otherwise it is closed at
 * once, because runtimes read a piped stdin as more prompt and wait for its end.
 */
export function startProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { stdin?: "pipe" | "closed" },
): ProcessHandle {
  const { stdin, ...spawnOptions } = options;
  // Its own process group, so that cancelling also stops what it started (a shell's children keep its
  // output pipes open, and this process could not exit while they run).
  const child = spawn(command, args, { ...spawnOptions, detached: true, stdio: [stdin === "pipe" ? "pipe" : "ignore", "pipe", "pipe"] });
  if (child.pid !== undefined) live.add(child.pid);
  let output = "";
  let partial = "";
  const listeners: ((line: string) => void)[] = [];
  const keep = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (output.length > KEEP_BYTES) output = output.slice(-KEEP_BYTES);
  };
  child.stdout!.on("data", (chunk: Buffer) => {
    keep(chunk);
    partial += chunk.toString("utf8");
    let nl: number;
    while ((nl = partial.indexOf("\n")) !== -1) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      for (const l of listeners) l(line);
    }
  });
  child.stderr!.on("data", keep);
  const exited = new Promise<Exit>((resolve) => {
    child.on("error", (e) => {
      output += `\n${e.message}`;
      resolve({ code: null, signal: null });
    });
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
  let killTimer: NodeJS.Timeout | undefined;
  void exited.then(() => {
    clearTimeout(killTimer);
    if (child.pid !== undefined) live.delete(child.pid);
  });
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      // The group is already gone.
    }
  };
  return {
    pid: child.pid,
    exited,
    cancel() {
      signal("SIGTERM");
      killTimer = setTimeout(() => {
        signal("SIGKILL");
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, 3000);
      killTimer.unref();
    },
    tail(lines = 20) {
      return output.trimEnd().split("\n").slice(-lines).join("\n");
    },
    onLine(listener) {
      listeners.push(listener);
    },
    write(text) {
      if (!child.stdin) throw new Error("this process was started without stdin");
      child.stdin.write(text);
    },
  };
}

/** Resolves with the value, or with `onTimeout()` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether a process with this id exists (one owned by another user counts). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Waits until the process `pid` has exited; after `graceMs` its process group is killed (SIGKILL). For code
 * that must not go on while the process could still write (removing its folder). `onSlow` is called once if
 * it is still running after a second. Resolves false if it was still there a second after the kill.
 */
export async function awaitExit(pid: number, graceMs: number, onSlow?: () => void): Promise<boolean> {
  const waitGone = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (processRunning(pid)) {
      if (Date.now() >= deadline) return false;
      await sleep(20);
    }
    return true;
  };
  const slowAfter = Math.min(1000, graceMs);
  if (await waitGone(slowAfter)) return true;
  onSlow?.();
  if (await waitGone(graceMs - slowAfter)) return true;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Not a group leader, or gone.
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Gone.
  }
  return waitGone(1000);
}

/** Whether the process exists and has not exited: one whose parent has not yet collected its status has. */
export function processRunning(pid: number): boolean {
  return processAlive(pid) && !isZombie(pid);
}

/**
 * Whether the process has exited and only waits for its parent to collect its status: a parent that is busy
 * (or a tmux that missed the SIGCHLD) would otherwise keep it looking alive. Linux only; elsewhere false.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state follows the command name, which is in parentheses and may itself hold ") ".
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return false;
  }
}
