/**
 * The small POSIX shell scripts a session's runtime runs: `record.sh`, which the hooks call to append an
 * event to events.jsonl (see state.ts), and `notify.sh`, which tells the person when the session starts
 * waiting for them. Both live in the session's state folder and are removed with it.
 *
 * Shell, not node: a hook runs before every tool call, and `sh` starts in a millisecond.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { SessionSettings } from "./settings.js";
import { privateDir } from "../core/files.js";
import { shellQuote, shJsonField } from "../core/shell.js";

/**
 * `record.sh SOURCE EVENT STATE [SID] [DETAIL]`. STATE is a session state, empty for none, or a rule the
 * session's runtime contributes (SessionDriver.stateRules: arms of the `case` below that read the event's
 * JSON on stdin with `field NAME`). SID and DETAIL are reduced to safe characters.
 */
const recordSource = (stateRules: string) => String.raw`#!/bin/sh
# Written by quartet for one agent session: appends the runtime's events to events.jsonl, which
# 'quartet ps' reads, and runs notify.sh when the session starts waiting for its person.
dir=$(dirname "$0")
src=$1
event=$2
state=$3
safe() { printf '%s' "$1" | tr -cd 'A-Za-z0-9_.:-' | cut -c1-120; }
sid=$(safe "$4")
detail=$(safe "$5")
${shJsonField()}
case "$state" in
${stateRules}
  *) cat >/dev/null ;;
esac
t=$(date +%s%3N 2>/dev/null)
case "$t" in *N*|'') t=$(($(date +%s) * 1000)) ;; esac
printf '{"t":%s,"src":"%s","ev":"%s","state":"%s","detail":"%s","sid":"%s"}\n' "$t" "$src" "$event" "$state" "$detail" "$sid" >> "$dir/events.jsonl"
if [ -n "$state" ]; then
  previous=$(cat "$dir/state" 2>/dev/null)
  printf '%s' "$state" > "$dir/state"
  if [ "$state" = needs-input ] && [ "$previous" != needs-input ]; then
    # In a session of its own: the runtime may end the hook's process group as soon as the hook returns.
    if command -v setsid >/dev/null 2>&1; then
      setsid sh "$dir/notify.sh" "$detail" </dev/null >/dev/null 2>&1 &
    else
      sh "$dir/notify.sh" "$detail" </dev/null >/dev/null 2>&1
    fi
  fi
fi
exit 0
`;

export function recordScript(stateDir: string): string {
  return path.join(stateDir, "record.sh");
}

export function notifyScript(stateDir: string): string {
  return path.join(stateDir, "notify.sh");
}

/** `notify.sh [DETAIL]`: every notification the settings turn on, each allowed to fail on its own. */
function notifySource(o: { name: string; runtime: string; tmuxSocket: string; notify: SessionSettings["notify"] }): string {
  const message = `quartet: ${o.name} needs you`;
  const lines = [
    "#!/bin/sh",
    `# Written by quartet: tells the person that session ${o.name} is waiting for them.`,
    `export QUARTET_SESSION=${shellQuote(o.name)} QUARTET_RUNTIME=${shellQuote(o.runtime)} QUARTET_STATE=needs-input QUARTET_DETAIL="$1"`,
  ];
  if (o.notify.bell) {
    lines.push(
      "# A bell in the agent's pane reaches whoever is attached; the status line shows which session rang.",
      `if [ -n "$TMUX_PANE" ]; then`,
      `  tty=$(tmux -L ${shellQuote(o.tmuxSocket)} display-message -p -t "$TMUX_PANE" '#{pane_tty}' 2>/dev/null)`,
      `  [ -n "$tty" ] && printf '\\a' > "$tty" 2>/dev/null`,
      `  tmux -L ${shellQuote(o.tmuxSocket)} display-message ${shellQuote(message)} 2>/dev/null`,
      "fi",
    );
  }
  lines.push(...outsideLines({ title: message, notify: o.notify, fallback: "waiting for input" }), "exit 0", "");
  return lines.join("\n");
}

/**
 * The shell lines of the notifications that reach the person wherever they are: a desktop notification titled
 * `title` with $QUARTET_DETAIL (else `fallback`, plain words) as its text, and their own command, each as the
 * `sessions.notify` settings say. The caller exports the QUARTET_* variables the command may read.
 */
export function outsideLines(o: { title: string; notify: SessionSettings["notify"]; fallback?: string }): string[] {
  const lines: string[] = [];
  if (o.notify.desktop) {
    const fallback = (o.fallback ?? "").replace(/[^A-Za-z0-9 .,-]/g, "");
    lines.push(
      `command -v notify-send >/dev/null 2>&1 && notify-send -a quartet ${shellQuote(o.title)} "\${QUARTET_DETAIL:-${fallback}}" 2>/dev/null`,
    );
  }
  if (o.notify.command) lines.push(`sh -c ${shellQuote(o.notify.command)}`);
  return lines;
}

/**
 * Tells the person, as record.sh does for a hook, that a session whose screen shows a prompt now waits for
 * them (Codex reports no event for its approval prompt). One prompt, however many observers (`ps`, the board)
 * see it at once, notifies once: through a marker file, created with O_EXCL, named after the version of
 * record.sh's `state` file the observer read (its inode and time). Every state written after the prompt makes
 * a new version (the screen showing working again, recordScreenState), so a later prompt notifies again, even
 * while the observers cannot save what they see in the registry. The `state` file is shared, so a hook that
 * reports the same prompt afterwards does not notify twice, nor does this after a hook's report.
 */
export function notifyNeedsInput(stateDir: string): void {
  const read = readStateVersion(stateDir);
  if (read.state === "needs-input") return;
  const markers = path.join(stateDir, "notified");
  try {
    fs.mkdirSync(markers, { recursive: true, mode: 0o700 });
    fs.closeSync(fs.openSync(path.join(markers, `needs-input-${read.version}`), "wx"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return; // another observer told the person
    throw e;
  }
  writeState(stateDir, "needs-input");
  const child = spawn("sh", [notifyScript(stateDir), "screen"], { detached: true, stdio: "ignore" });
  child.on("error", () => undefined); // sh missing: nothing to tell, as record.sh would fail the same way
  child.unref();
}

/**
 * What record.sh's `state` file says and which version of it that is, read before the screen is: recordScreenState
 * writes only over the file as it was then. Compared by version and content, not by time: file times come from a
 * coarse clock that may lag the process's by milliseconds.
 */
export function stateSeen(stateDir: string): string {
  const read = readStateVersion(stateDir);
  return `${read.version} ${read.state}`;
}

/**
 * Records a state read from the screen (working, idle) in record.sh's `state` file, as a hook's event would
 * be: after an answered prompt the file no longer says needs-input, so the next prompt is news. Not over a state
 * written since the screen was read (`seen`, from stateSeen): another observer's prompt, newer than this screen,
 * stays.
 */
export function recordScreenState(stateDir: string, state: string, seen: string): void {
  if (state === "needs-input") return;
  const read = readStateVersion(stateDir);
  if (read.state !== state && `${read.version} ${read.state}` === seen) writeState(stateDir, state);
}

/** The `state` file's content and which version of it that is, read through one descriptor so that they agree. */
function readStateVersion(stateDir: string): { state: string; version: string } {
  let fd: number;
  try {
    fd = fs.openSync(path.join(stateDir, "state"), "r");
  } catch {
    return { state: "", version: "none" }; // No event yet.
  }
  try {
    const stat = fs.fstatSync(fd, { bigint: true });
    return { state: fs.readFileSync(fd, "utf8"), version: `${stat.ino}-${stat.mtimeNs}` };
  } finally {
    fs.closeSync(fd);
  }
}

/** Written whole (a temp file renamed over it), so record.sh never reads half a state. */
function writeState(stateDir: string, state: string): void {
  const temp = path.join(stateDir, `.state-${process.pid}-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(temp, state);
  fs.renameSync(temp, path.join(stateDir, "state"));
}

/** Writes record.sh (with the runtime's `stateRules`) and notify.sh into a new session's state folder. */
export function writeSessionScripts(stateDir: string, o: Parameters<typeof notifySource>[0] & { stateRules?: string }): void {
  privateDir(stateDir);
  fs.writeFileSync(recordScript(stateDir), recordSource(o.stateRules ?? ""), { mode: 0o700 });
  fs.writeFileSync(notifyScript(stateDir), notifySource(o), { mode: 0o700 });
}
