/**
 * quartet's own tmux server (`tmux -L quartet`, or $QUARTET_TMUX_SOCKET), so the user's tmux sessions and
 * settings are never touched. Each agent session is one tmux session holding one pane; quartet remembers
 * the pane by its id (`%N`), which stays valid when `grid` moves the pane into another window.
 *
 * Panes keep their content after the program exits (`remain-on-exit`), so a runtime that dies at once can
 * still show what it printed, and a killed one reads as dead rather than vanishing.
 */
import { spawnSync } from "node:child_process";
import { findBinary } from "../core/binaries.js";
import { MissingToolError } from "../core/errors.js";

export const TMUX_INSTALL = "install tmux ≥ 3.2 (Debian/Ubuntu: apt-get install tmux; macOS: brew install tmux)";

export interface PaneStatus {
  paneId: string;
  /** tmux session the pane is in now (it changes when `grid` gathers panes). */
  session: string;
  window: string;
  dead: boolean;
  deadStatus: number | null;
  /**
   * The signal that ended the pane's process (tmux 3.3 on: a number on Linux, a name such as "term" where the
   * system names signals); tmux then has no exit status to report.
   */
  deadSignal: string | null;
  /** Epoch ms when the process exited, where tmux reports it. */
  deadAt: number | null;
  pid: number;
  tty: string;
}

export class TmuxError extends Error {}

const PANE_FORMAT =
  "#{pane_id}\t#{session_name}\t#{window_id}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_dead_time}\t#{pane_pid}\t#{pane_tty}\t#{pane_dead_signal}\t#{pid}";

export class Tmux {
  readonly socket: string;
  private readonly bin: string;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const found = findBinary("tmux", undefined, env);
    if (!found) throw new MissingToolError({ message: `tmux is not installed: ${TMUX_INSTALL}` });
    this.bin = found.path;
    this.socket = env.QUARTET_TMUX_SOCKET || "quartet";
  }

  /** The command line a person types to reach this server, for messages. */
  get commandLine(): string {
    return `tmux -L ${this.socket}`;
  }

  run(args: readonly string[], options: { allowFailure?: boolean; input?: string } = {}): { ok: boolean; stdout: string; stderr: string } {
    const r = spawnSync(this.bin, ["-L", this.socket, ...args], { encoding: "utf8", input: options.input, env: tmuxEnv() });
    const ok = r.status === 0;
    if (!ok && !options.allowFailure) {
      throw new TmuxError(`${this.commandLine} ${args[0]} failed: ${(r.stderr || r.error?.message || "").trim()}`);
    }
    return { ok, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  }

  /**
   * Starts `argv` in a new detached tmux session and returns its pane id. No environment is passed here: a
   * tmux command line is readable by anyone, and the server keeps the argv of the client that started it
   * (sessions/launcher.ts passes the environment instead).
   */
  start(o: { session: string; cwd: string; argv: readonly string[]; width?: number; height?: number }): string {
    // One client command: a server with no session exits at once, so its options are set in the same
    // command as the new session; and they are set before the program starts, so even one that exits in its
    // first millisecond leaves a dead pane to read.
    const out = this.run([
      "start-server",
      ";",
      "set-option",
      "-g",
      "remain-on-exit",
      "on",
      ";",
      "set-option",
      "-g",
      "history-limit",
      "20000",
      ";",
      "new-session",
      "-d",
      "-P",
      "-F",
      "#{pane_id}",
      "-s",
      o.session,
      "-x",
      String(o.width ?? 200),
      "-y",
      String(o.height ?? 50),
      "-c",
      o.cwd,
      "--",
      ...o.argv,
    ]);
    const pane = out.stdout.trim().split("\n").pop() ?? "";
    if (!/^%\d+$/.test(pane)) throw new TmuxError(`tmux did not report the new pane (got "${pane}")`);
    return pane;
  }

  /**
   * Every pane of this server, by id; empty when the server is not running. A pane dead with neither exit
   * status nor signal makes the server look for exited children again (see `reapLostChildren`), so a later
   * call has them.
   */
  panes(): Map<string, PaneStatus> {
    const r = this.run(["list-panes", "-a", "-F", PANE_FORMAT], { allowFailure: true });
    const out = new Map<string, PaneStatus>();
    if (!r.ok) return out;
    let serverPid = 0;
    for (const line of r.stdout.split("\n")) {
      const [paneId, session, window, dead, status, deadTime, pid, tty, signal, server] = line.split("\t");
      if (!paneId) continue;
      serverPid = Number(server);
      out.set(paneId, {
        paneId,
        session: session!,
        window: window!,
        dead: dead === "1",
        deadStatus: status ? Number(status) : null,
        deadSignal: signal || null,
        deadAt: deadTime && deadTime !== "0" ? Number(deadTime) * 1000 : null,
        pid: Number(pid),
        tty: tty ?? "",
      });
    }
    if ([...out.values()].some((p) => p.dead && p.deadStatus === null && p.deadSignal === null)) reapLostChildren(serverPid);
    return out;
  }

  sessionExists(name: string): boolean {
    return this.run(["has-session", "-t", `=${name}`], { allowFailure: true }).ok;
  }

  /** The pane's visible screen (and `history` lines above it), as plain text. */
  capture(pane: string, history = 0): string {
    const r = this.run(["capture-pane", "-p", "-J", "-t", pane, ...(history > 0 ? ["-S", String(-history)] : [])], { allowFailure: true });
    return r.ok ? r.stdout : "";
  }

  /**
   * Types text into the pane exactly as given: one line with `send-keys -l` (no key names are interpreted),
   * several lines as a bracketed paste, so the program reads them as one message rather than several.
   */
  type(pane: string, text: string): void {
    if (!text.includes("\n")) {
      this.run(["send-keys", "-t", pane, "-l", "--", text]);
      return;
    }
    const buffer = `quartet-send-${process.pid}`;
    this.run(["load-buffer", "-b", buffer, "-"], { input: text });
    this.run(["paste-buffer", "-p", "-d", "-b", buffer, "-t", pane]);
  }

  key(pane: string, key: string): void {
    this.run(["send-keys", "-t", pane, key]);
  }

  killPane(pane: string): void {
    this.run(["kill-pane", "-t", pane], { allowFailure: true });
  }

  killSession(name: string): void {
    this.run(["kill-session", "-t", `=${name}`], { allowFailure: true });
  }

  /** Moves every given pane into one window of the session `name`, tiled. Returns that session's name. */
  grid(name: string, panes: readonly string[]): string {
    if (panes.length === 0) throw new TmuxError("no panes to show");
    if (!this.sessionExists(name)) {
      // A placeholder window to join into; it is removed once the first agent pane is in.
      this.run(["new-session", "-d", "-s", name, "-x", "240", "-y", "70"]);
    }
    const target = `=${name}:`;
    const placeholder = this.run(["display-message", "-p", "-t", target, "#{pane_id}"]).stdout.trim();
    for (const pane of panes) {
      const here = this.run(["display-message", "-p", "-t", pane, "#{session_name}"]).stdout.trim();
      if (here === name) continue;
      this.run(["join-pane", "-d", "-s", pane, "-t", target]);
      this.run(["select-layout", "-t", target, "tiled"]);
    }
    if (!panes.includes(placeholder)) this.killPane(placeholder);
    this.run(["select-layout", "-t", target, "tiled"]);
    this.run(["set-option", "-w", "-t", target, "pane-border-status", "top"]);
    this.run(["set-option", "-w", "-t", target, "pane-border-format", " #{pane_title} "]);
    return name;
  }

  setTitle(pane: string, title: string): void {
    this.run(["select-pane", "-t", pane, "-T", title], { allowFailure: true });
  }

  /** Arguments for a foreground `tmux attach` that shows this pane. */
  attachArgs(pane: string): { bin: string; args: string[] } {
    this.run(["select-window", "-t", pane], { allowFailure: true });
    this.run(["select-pane", "-t", pane], { allowFailure: true });
    const session = this.run(["display-message", "-p", "-t", pane, "#{session_name}"]).stdout.trim();
    return { bin: this.bin, args: ["-L", this.socket, "attach-session", "-t", `=${session}`] };
  }
}

/**
 * tmux before 3.6, built with libutempter (Debian's and Ubuntu's are), can lose the SIGCHLD of a pane whose
 * terminal closed a moment before its process exited: removing the utmp record resets SIGCHLD to its default
 * for a moment, and the kernel drops a SIGCHLD sent then (tmux issue 4559, fixed in tmux fa5f3ce). The pane
 * then reads as dead with no exit status, and its process stays a zombie, until another child of the server
 * exits. A SIGCHLD of our own makes the server reap it; to a server with nothing to reap it is a no-op.
 */
function reapLostChildren(serverPid: number): void {
  if (!Number.isInteger(serverPid) || serverPid <= 1) return;
  try {
    process.kill(serverPid, "SIGCHLD");
  } catch {
    // The server exited meanwhile (nothing left to reap) or is not ours to signal.
  }
}

/** tmux refuses to run nested when $TMUX is set; quartet talks to its own server, so it is not nested. */
function tmuxEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.TMUX;
  delete env.TMUX_PANE;
  return env;
}
