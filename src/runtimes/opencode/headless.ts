/**
 * Driving OpenCode headlessly against the lab endpoint.
 *
 * The workspace gets an `opencode.json` that points the `anthropic` provider at the endpoint with a dummy
 * key and allows the tools the scenario uses. Per-turn delivery runs `opencode run` and then
 * `opencode run --continue`; long-lived delivery starts `opencode serve` and sends each turn to its HTTP API
 * (`POST /session/:id/message`, which answers when the turn is done).
 */
import fs from "node:fs";
import path from "node:path";
import { freePort } from "../../core/free-port.js";
import { LAB_API_KEY, userSettingsWithoutSecrets } from "../../core/lab-key.js";
import { startProcess, withTimeout, type ProcessHandle } from "../../core/process.js";
import { RuntimeStartError, type HeadlessDriver, type HeadlessSession, type HeadlessStart, type TurnOutcome } from "../types.js";

function env(o: HeadlessStart): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    LANG: process.env.LANG ?? "C.UTF-8",
    HOME: o.home,
    // Each turn is a new OpenCode process in a new home, which would fetch models.dev before answering (2-3 s
    // per turn when offline, where it fails). It reads the model list of the run's home instead: the person's
    // last fetched one (see prepareHome), or the one built into this OpenCode version.
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
  };
}

function prepareHome(o: { home: string; userHome: string; clean: boolean }): string[] {
  const notes: string[] = [];
  fs.mkdirSync(o.home, { recursive: true });
  const userCache = path.join(o.userHome, ".cache", "opencode");
  const runCache = path.join(o.home, ".cache", "opencode");
  // The ripgrep OpenCode downloaded from GitHub for its file searches: a new home would download it again
  // (each turn, when offline). A program, not a setting, so clean runs get it too; linked, not copied, since
  // every run keeps its home and the program is megabytes.
  const rg = path.join(userCache, "bin", "rg");
  if (isFile(rg)) {
    fs.mkdirSync(path.join(runCache, "bin"), { recursive: true, mode: 0o700 });
    fs.symlinkSync(rg, path.join(runCache, "bin", "rg"));
  }
  if (o.clean) return notes;
  const models = path.join(userCache, "models.json");
  if (isFile(models)) {
    // A copy: the run reads the list as it was, whatever the person's OpenCode fetches later.
    fs.mkdirSync(runCache, { recursive: true, mode: 0o700 });
    fs.copyFileSync(models, path.join(runCache, "models.json"));
    fs.chmodSync(path.join(runCache, "models.json"), 0o600);
    notes.push("~/.cache/opencode/models.json (the model list OpenCode last fetched)");
  }
  const from = path.join(o.userHome, ".config", "opencode");
  if (!fs.existsSync(from)) return notes;
  const to = path.join(o.home, ".config", "opencode");
  // Not its plugins: they are code that runs in OpenCode's process (see LIVE_SETTINGS).
  fs.cpSync(from, to, { recursive: true, filter: (src) => !/[\\/](node_modules|\.git|plugins?)([\\/]|$)/.test(src) });
  notes.push("~/.config/opencode");
  if (["plugin", "plugins"].some((d) => fs.existsSync(path.join(from, d))))
    notes.push("~/.config/opencode/plugin not copied: plugins are code that runs in OpenCode");
  for (const name of ["opencode.json", "opencode.jsonc", "config.json"]) {
    const file = path.join(to, name);
    if (!fs.existsSync(file)) continue;
    const clean = userSettingsWithoutSecrets(path.join(from, name), `~/.config/opencode/${name}`, notes);
    // An invalid file is not copied at all: OpenCode would refuse to start on it.
    if (clean === undefined) fs.rmSync(file);
    else fs.writeFileSync(file, JSON.stringify(clean, null, 2));
  }
  return notes;
}

/** Whether the person's OpenCode has this file; one it cannot reach (a folder without access) is none. */
function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The workspace's own config: the endpoint as the anthropic provider, and the tools allowed. */
function writeWorkspaceConfig(o: HeadlessStart): void {
  const config = {
    $schema: "https://opencode.ai/config.json",
    provider: { anthropic: { options: { baseURL: `${o.endpointUrl}/v1`, apiKey: LAB_API_KEY } } },
    model: `anthropic/${o.model}`,
    autoupdate: false,
    share: "disabled",
    permission: { read: "allow", edit: "allow", bash: "allow", glob: "allow", grep: "allow", external_directory: "allow" },
  };
  fs.writeFileSync(path.join(o.workspace, "opencode.json"), JSON.stringify(config, null, 2));
}

async function perTurn(o: HeadlessStart): Promise<HeadlessSession> {
  let first = true;
  let current: ProcessHandle | undefined;
  return {
    async turn(prompt): Promise<TurnOutcome> {
      const proc = startProcess(o.bin, ["run", ...(first ? [] : ["--continue"]), "--model", `anthropic/${o.model}`, "--", prompt], {
        cwd: o.workspace,
        env: env(o),
      });
      current = proc;
      first = false;
      const exit = await withTimeout(proc.exited, o.turnTimeoutMs, () => null);
      if (exit === null) proc.cancel();
      return { ok: exit?.code === 0, timedOut: exit === null, exitCode: exit?.code ?? null, output: proc.tail() };
    },
    async close() {
      current?.cancel();
    },
  };
}

async function longLived(o: HeadlessStart): Promise<HeadlessSession> {
  const port = await freePort();
  const proc = startProcess(o.bin, ["serve", "--port", String(port), "--hostname", "127.0.0.1"], { cwd: o.workspace, env: env(o) });
  const ready = new Promise<{ listening: true } | { exit: number | null }>((resolve) => {
    proc.onLine((line) => {
      if (line.includes("listening on")) resolve({ listening: true });
    });
    void proc.exited.then((e) => resolve({ exit: e.code }));
  });
  const base = `http://127.0.0.1:${port}`;
  const failed = (output: string, timedOut = false): TurnOutcome => ({ ok: false, timedOut, exitCode: null, output });
  const started = await withTimeout(ready, o.turnTimeoutMs, () => null);
  const notStarted = async (message: string) => {
    proc.cancel();
    await proc.exited;
    return new RuntimeStartError(message, proc.tail());
  };
  if (started === null) throw await notStarted(`opencode serve did not listen within ${o.turnTimeoutMs / 1000}s`);
  if ("exit" in started) throw await notStarted(`opencode serve exited with code ${started.exit} before listening`);
  let session: string;
  try {
    const created = await fetch(`${base}/session`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    if (!created.ok) throw new Error(`HTTP ${created.status} ${(await created.text()).slice(0, 300)}`);
    session = ((await created.json()) as { id: string }).id;
  } catch (e) {
    throw await notStarted(`opencode serve did not create a session: ${(e as Error).message}`);
  }
  return {
    async turn(prompt) {
      try {
        const res = await fetch(`${base}/session/${session}/message`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ parts: [{ type: "text", text: prompt }], model: { providerID: "anthropic", modelID: o.model } }),
          signal: AbortSignal.timeout(o.turnTimeoutMs),
        });
        const body = (await res.json().catch(() => ({}))) as { info?: { error?: unknown } };
        const ok = res.ok && !body.info?.error;
        return {
          ok,
          timedOut: false,
          exitCode: null,
          output: ok ? "" : `${res.status} ${JSON.stringify(body.info?.error ?? body).slice(0, 500)}\n${proc.tail()}`,
        };
      } catch (e) {
        const timedOut = (e as Error).name === "TimeoutError";
        return failed(`${(e as Error).message}\n${proc.tail()}`, timedOut);
      }
    },
    async close() {
      proc.cancel();
      await proc.exited;
    },
  };
}

export const opencodeHeadless: HeadlessDriver = {
  binary: "opencode",
  install: "npm install -g opencode-ai (quartet's tests pin 1.18.33)",
  instructionsFile: "AGENTS.md",
  prepareHome,
  pointAt: (o) => [`{"provider":{"anthropic":{"options":{"baseURL":"${o.endpointUrl}/v1","apiKey":"${LAB_API_KEY}"}}}} in opencode.json`],
  async start(o) {
    writeWorkspaceConfig(o);
    return o.delivery === "per-turn" ? perTurn(o) : longLived(o);
  },
};
