/**
 * Starting a runtime in a tmux pane without putting its environment on any command line.
 *
 * tmux's `new-session -e K=V` would put every variable (API keys included) on the tmux client's argv, which
 * any user can read in /proc/<pid>/cmdline. Instead the pane runs `/bin/sh <launcher>`: a script, private to
 * the user (0600, in the session's 0700 folder), that removes itself as soon as it runs, sets exactly the
 * environment the runtime should have, and execs the runtime. Only the script's path is on a command line.
 */
import fs from "node:fs";
import path from "node:path";
import { privateDir } from "../core/files.js";
import { shellQuote } from "../core/shell.js";

/** Variables that describe the caller's own terminal or tmux, not the agent's environment: tmux sets its own. */
const NOT_PASSED = new Set(["TMUX", "TMUX_PANE", "TERM", "TERM_PROGRAM", "TERM_PROGRAM_VERSION", "COLUMNS", "LINES", "_"]);

/** A name the shell can export (others, such as bash's exported functions, cannot be set from sh). */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Launcher {
  /** What tmux runs in the pane. */
  argv: string[];
  /** Removes the script if it never ran (the pane failed to start). */
  discard(): void;
}

/**
 * Writes the launcher for `argv` with environment `env`. The pane would inherit the tmux server's global
 * environment (whatever it had when it started, perhaps long ago): the script unsets all of it first, but
 * for what tmux sets for the pane itself, so the runtime gets exactly `env`.
 */
export function writeLauncher(o: { dir: string; argv: readonly string[]; env: NodeJS.ProcessEnv }): Launcher {
  privateDir(o.dir);
  const file = path.join(o.dir, `launch-${process.pid}-${Date.now()}.sh`);
  const names = Object.keys(o.env).filter((k) => o.env[k] !== undefined && !NOT_PASSED.has(k) && SHELL_NAME.test(k));
  const lines = [
    "# Written by quartet to start one agent session; it removes itself as it runs, since it holds the environment.",
    `rm -f -- ${shellQuote(file)}`,
    // Every exported name (dash and bash print them as `export NAME=…` / `declare -x NAME=…`).
    `for name in $(export -p | sed -n -e 's/^export \\([A-Za-z_][A-Za-z0-9_]*\\).*/\\1/p' -e 's/^declare -x \\([A-Za-z_][A-Za-z0-9_]*\\).*/\\1/p'); do`,
    `  case "$name" in ${[...NOT_PASSED].join("|")}) ;; *) unset "$name" 2>/dev/null ;; esac`,
    "done",
    ...names.map((k) => `export ${k}=${shellQuote(o.env[k]!)}`),
    `exec ${o.argv.map(shellQuote).join(" ")}`,
    "",
  ];
  fs.writeFileSync(file, lines.join("\n"), { mode: 0o600 });
  return { argv: ["/bin/sh", file], discard: () => fs.rmSync(file, { force: true }) };
}
