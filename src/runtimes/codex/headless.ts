/**
 * Driving Codex CLI headlessly against the lab endpoint's OpenAI Responses API.
 *
 * Codex gets its own home, `CODEX_HOME=<home>/.codex`, whose `config.toml` (private) names a model provider
 * `quartet-lab` with `base_url` at the endpoint, `wire_api = "responses"` and `env_key` naming a variable
 * that holds the lab's dummy key; no retries, no update check, analytics, feedback or telemetry. Approvals
 * are `never` and the sandbox `workspace-write`, so the scripted commands run without asking, confined to the
 * lab's workspace. Its rollouts land in `<home>/.codex/sessions`, where `quartet usage --home <home>` reads them.
 *
 * Per-turn delivery runs `codex exec --json -- <prompt>` for the first turn, reads the thread id from its
 * `thread.started` event, and runs `codex exec resume --json -- <thread id> <prompt>` for the next, each a
 * new process on the same thread. Codex has no long-lived mode the lab drives yet.
 */
import fs from "node:fs";
import path from "node:path";
import { privateDir } from "../../core/files.js";
import { LAB_API_KEY } from "../../core/lab-key.js";
import { startProcess, withTimeout, type ProcessHandle } from "../../core/process.js";
import { RuntimeStartError, type HeadlessDriver, type HeadlessSession, type HeadlessStart, type TurnOutcome } from "../types.js";

/** The variable `env_key` names: it holds the dummy key, never a real one. */
const KEY_VARIABLE = "QUARTET_LAB_API_KEY";
/**
 * The model Codex runs when the run's model is another provider's (the scenarios name Claude models): one
 * whose metadata Codex 0.169 knows, so it offers its usual tools (`apply_patch` among them).
 */
export const CODEX_LAB_MODEL = "gpt-5.5";
/** What is copied from the user's ~/.codex for a run that measures their own setup; not config.toml (see prepareHome). */
const CONFIG_ENTRIES = ["AGENTS.md", "prompts", "skills"];

function codexHome(home: string): string {
  return path.join(home, ".codex");
}

/** A TOML basic string. */
function tomlString(s: string): string {
  return JSON.stringify(s);
}

/** The model Codex is asked for: the run's, unless it is another provider's or left to the runtime. */
export function codexModel(runModel: string): string | null {
  if (runModel === "default") return null;
  return /^(claude|anthropic\/)/i.test(runModel) ? CODEX_LAB_MODEL : runModel;
}

/** The lab's config.toml; approvals and sandbox default to the lab's (never ask, write in the workspace). */
export function labConfigToml(o: { endpointUrl: string; model: string | null; approvalPolicy?: string; sandboxMode?: string }): string {
  return [
    ...(o.model ? [`model = ${tomlString(o.model)}`] : []),
    'model_provider = "quartet-lab"',
    `approval_policy = ${tomlString(o.approvalPolicy ?? "never")}`,
    `sandbox_mode = ${tomlString(o.sandboxMode ?? "workspace-write")}`,
    "check_for_update_on_startup = false",
    "",
    ...labProvider(o.endpointUrl),
    "",
    "[analytics]",
    "enabled = false",
    "",
    "[feedback]",
    "enabled = false",
    "",
    "[otel]",
    'exporter = "none"',
    "",
  ].join("\n");
}

/** The `[model_providers.quartet-lab]` table: the endpoint on the Responses wire, its key read from KEY_VARIABLE. */
function labProvider(endpointUrl: string): string[] {
  return [
    "[model_providers.quartet-lab]",
    'name = "quartet lab endpoint"',
    `base_url = ${tomlString(`${endpointUrl}/v1`)}`,
    'wire_api = "responses"',
    `env_key = ${tomlString(KEY_VARIABLE)}`,
    "request_max_retries = 0",
    "stream_max_retries = 0",
  ];
}

function prepareHome(o: { home: string; userHome: string; clean: boolean }): string[] {
  const notes: string[] = [];
  const config = privateDir(codexHome(o.home));
  if (o.clean) return notes;
  const user = codexHome(o.userHome);
  for (const entry of CONFIG_ENTRIES) {
    const from = path.join(user, entry);
    if (!fs.existsSync(from)) continue;
    fs.cpSync(from, path.join(config, entry), { recursive: true, filter: (src) => !src.includes(`${path.sep}.git`) });
    notes.push(`~/.codex/${entry}`);
  }
  // Its providers hold or name credentials, and its MCP servers, hooks and notify commands run on the
  // user's behalf; the lab writes a config.toml of its own.
  if (fs.existsSync(path.join(user, "config.toml")))
    notes.push("~/.codex/config.toml not copied: the lab writes its own provider and settings");
  return notes;
}

function env(o: HeadlessStart): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    LANG: process.env.LANG ?? "C.UTF-8",
    HOME: o.home,
    CODEX_HOME: codexHome(o.home),
    [KEY_VARIABLE]: LAB_API_KEY,
  };
}

/** The thread id from `codex exec --json`'s `thread.started` event. */
export function threadStarted(line: string): string | null {
  try {
    const event = JSON.parse(line) as { type?: unknown; thread_id?: unknown };
    return event.type === "thread.started" && typeof event.thread_id === "string" ? event.thread_id : null;
  } catch {
    return null;
  }
}

async function perTurn(o: HeadlessStart): Promise<HeadlessSession> {
  let thread: string | null = null;
  let current: ProcessHandle | undefined;
  return {
    async turn(prompt): Promise<TurnOutcome> {
      // The prompt after "--", so a prompt starting with a dash is never read as an option.
      const args = thread === null ? ["exec", "--json", "--", prompt] : ["exec", "resume", "--json", "--", thread, prompt];
      const proc = startProcess(o.bin, args, { cwd: o.workspace, env: env(o) });
      current = proc;
      proc.onLine((line) => (thread ??= threadStarted(line)));
      const exit = await withTimeout(proc.exited, o.turnTimeoutMs, () => null);
      if (exit === null) proc.cancel();
      const ok = exit?.code === 0 && thread !== null;
      const output = ok || exit?.code !== 0 ? proc.tail() : `codex printed no thread.started event\n${proc.tail()}`;
      return { ok, timedOut: exit === null, exitCode: exit?.code ?? null, output };
    },
    async close() {
      current?.cancel();
    },
  };
}

export const codexHeadless: HeadlessDriver = {
  binary: "codex",
  install: "npm install -g @openai/codex (quartet's tests pin 0.169.0)",
  instructionsFile: "AGENTS.md",
  prepareHome,
  pointAt: (o) => [
    `${KEY_VARIABLE}=${LAB_API_KEY} codex -c model_provider=quartet-lab "…", with in $CODEX_HOME/config.toml (~/.codex):`,
    ...labProvider(o.endpointUrl),
  ],
  async start(o) {
    if (o.delivery === "long-lived") {
      throw new RuntimeStartError("the lab drives Codex only per turn (codex exec, then codex exec resume); use --delivery per-turn", "");
    }
    // Private from its first byte: it names the endpoint and the key variable (the key itself is not in it).
    const config = path.join(privateDir(codexHome(o.home)), "config.toml");
    fs.writeFileSync(config, labConfigToml({ endpointUrl: o.endpointUrl, model: codexModel(o.model) }), { mode: 0o600 });
    return perTurn(o);
  },
};
