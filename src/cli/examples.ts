/**
 * The examples at the end of each command's `--help`, kept in one place so every command has some and they
 * read alike. A command that adds its own (with `withExamples`) is left as it is.
 */
import type { Command } from "commander";

const EXAMPLES: Record<string, readonly string[]> = {
  "": [
    "quartet usage                            # what your agents cost, per day",
    "quartet cache                            # where the prompt cache broke, and what it cost",
    "quartet lab run --clean                  # replay one task through Claude Code and OpenCode",
    'quartet run "Fix the flaky login test"   # an agent in its own worktree and tmux pane',
    "quartet port claude opencode --dry-run   # move a workflow between runtimes",
    "quartet board                            # review each agent's diff beside its cost",
    "quartet <command> --help                 # every command has examples",
  ],
  usage: [
    "quartet usage                            # this month's days, every runtime",
    "quartet usage --by session --since 2026-11-01",
    "quartet usage --by model --runtime opencode --json",
    "quartet usage --by week --csv > weeks.csv",
  ],
  cache: [
    "quartet cache                            # sessions ranked by cache tax",
    "quartet cache 3f2a                       # one session's requests and breaks (id or prefix)",
    "quartet cache --runtime claude --limit 50 --json",
  ],
  report: ["quartet report --html usage.html", "quartet report --html november.html --since 2026-11-01 --until 2026-11-30"],
  lab: ["quartet lab run --clean", "quartet lab show", "quartet lab scenarios"],
  "lab run": [
    "quartet lab run --clean                  # both runtimes, an empty home, the default scenario",
    "quartet lab run --runtime claude --scenario explore-edit-test-pause --html lab.html",
    "quartet lab run --delivery long-lived --json",
  ],
  "lab show": [
    "quartet lab show                         # the latest run",
    "quartet lab show --runtime opencode --request 3",
    "quartet lab show --diff 2 3",
  ],
  "lab serve": [
    "quartet lab serve --port 8787            # prints the scratch workspace to run the runtime in",
    "quartet lab serve --scenario explore-edit-test-pause --workspace ~/scratch/shop-copy",
  ],
  "lab scenarios": ["quartet lab scenarios", "quartet lab scenarios --json"],
  port: [
    "quartet port claude opencode --dry-run   # the plan and the loss report, nothing written",
    "quartet port claude opencode",
    "quartet port opencode claude --only agents,commands",
    "quartet port claude opencode --global",
    "quartet port status                      # what differs between the two sides",
    "quartet port check                       # exit 1 when they have drifted (for CI)",
  ],
  run: [
    'quartet run "Fix the flaky login test"',
    'quartet run --runtime opencode --name docs -- "--help text: add examples"',
    'quartet run --base release/1.2 --model opus "Port the fix to 1.2"',
  ],
  ps: ["quartet ps", "quartet ps --json --no-usage"],
  attach: ["quartet attach fix-login"],
  send: ['quartet send fix-login "Also update the changelog"', "quartet send fix-login --key Down Enter"],
  resume: ["quartet resume --all", 'quartet resume fix-login -m "Continue where you stopped"'],
  grid: ["quartet grid", "quartet grid --no-attach"],
  stop: ["quartet stop fix-login", "quartet stop fix-login --discard"],
  gc: ["quartet gc --dry-run", "quartet gc"],
  task: ['quartet task add "Add rate limiting to the API"', "quartet task start 3 --runtime opencode", "quartet task list"],
  "task add": ['quartet task add "Add rate limiting to the API"', 'quartet task add "Refactor auth" --file notes.md --base develop'],
  "task list": ["quartet task list", "quartet task list --json"],
  "task show": ["quartet task show 3"],
  "task start": ["quartet task start 3", "quartet task start 3 --runtime opencode --model anthropic/claude-sonnet-4-5"],
  "task discard": ["quartet task discard 3"],
  review: ["quartet review 3", "quartet review 3 --patch | less"],
  approve: ["quartet approve 3", "quartet approve 3 --squash"],
  reject: ['quartet reject 3 -m "Keep the old function name"'],
  board: ["quartet board", "quartet board --port 8080 --no-open"],
  export: ["quartet export otlp --endpoint http://otel.example.com:4318"],
  "export otlp": [
    "quartet export otlp --endpoint http://otel.example.com:4318     # what the endpoint has not acknowledged yet",
    "OTEL_EXPORTER_OTLP_HEADERS=x-api-key=$KEY quartet export otlp --endpoint https://otel.example.com --since 2026-11-01 --json",
  ],
  otel: ["quartet otel receive --port 4318"],
  "otel receive": ["quartet otel receive --port 4318              # then point Claude Code or Codex at http://127.0.0.1:4318"],
};

const applied = new WeakMap<Command, readonly string[]>();

/** The examples a command shows in its help. */
export function examplesOf(cmd: Command): readonly string[] {
  return applied.get(cmd) ?? [];
}

/** Adds an "Examples:" section to a command's help. */
export function withExamples(cmd: Command, lines: readonly string[]): Command {
  applied.set(cmd, lines);
  return cmd.addHelpText("after", `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`);
}

/** Gives every registered command that has none yet its examples from the table above. */
export function addExamples(program: Command, prefix: readonly string[] = []): void {
  if (prefix.length === 0 && !applied.has(program)) withExamples(program, EXAMPLES[""]!);
  for (const cmd of program.commands) {
    const name = [...prefix, cmd.name()];
    const lines = EXAMPLES[name.join(" ")];
    if (lines && !applied.has(cmd)) withExamples(cmd, lines);
    addExamples(cmd, name);
  }
}
