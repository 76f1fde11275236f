/**
 * Running the Codex CLI's TUI as a session. Codex has no per-session hooks for tool calls or permission
 * prompts; its `notify` program (set for this session only with `-c notify=[…]`) is called when a turn
 * completes, with the thread id. Working and needs-input are therefore read from the screen, and shown
 * as guesses.
 */
import type { SessionState } from "../../sessions/state.js";
import type { SessionDriver, SessionLaunch } from "../types.js";

function launch(o: SessionLaunch) {
  return command([o.bin], o, []);
}

/** `codex resume <thread id>`: the TUI again, on the session's own thread. */
function resume(o: SessionLaunch & { runtimeSessionId: string }) {
  return { ...command([o.bin, "resume"], o, [o.runtimeSessionId]), runtimeSessionId: o.runtimeSessionId };
}

function command(head: string[], o: SessionLaunch, positional: string[]) {
  // A TOML array of basic strings; JSON's string escapes are valid TOML.
  const notify = `notify=[${["sh", o.recordScript, "notify", "turn", "?codex"].map((s) => JSON.stringify(s)).join(",")}]`;
  const argv = [...head, "--cd", o.workdir, "-c", notify];
  if (o.model) argv.push("--model", o.model);
  // After "--": a prompt such as "--version" is the person's text, never an option.
  const after = [...positional, ...(o.prompt !== null ? [o.prompt] : [])];
  if (after.length > 0) argv.push("--", ...after);
  return { argv, env: {}, runtimeSessionId: null };
}

function screen(text: string): SessionState | null {
  // Approval prompts, and the first-run screens (sign-in, trusting the folder) that wait for the person.
  if (
    /Allow command\?|Would you like to run|Would you like to make the following edits|Approve|\[y\/n\]|Press enter to continue|Sign in with ChatGPT|trust the (contents|files) of this/i.test(
      text,
    )
  )
    return "needs-input";
  if (/esc to interrupt/i.test(text)) return "working";
  if (/send\s+⏎|⏎ send|context left/i.test(text)) return "idle";
  return null;
}

export const codexSession: SessionDriver = {
  binary: "codex",
  install: "npm install -g @openai/codex",
  eventsComplete: false,
  launch,
  resume,
  screen,
};
