/** Running the real pinned runtimes offline from tests: their binaries, a private HOME, a git project. */
import { execFile, execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findBinary } from "../src/core/binaries.js";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { freePort } from "../src/core/free-port.js";
import { startProcess, withTimeout } from "../src/core/process.js";
import { ROOT } from "./helpers.js";

export const opencode = findBinary("opencode")!.path;

/** Runs a binary to its end (or `timeoutMs`), with the last of its output (stdout and stderr together). */
export async function run(
  bin: string,
  args: readonly string[],
  o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ code: number | null; output: string }> {
  const proc = startProcess(bin, args, { cwd: o.cwd, env: { PATH: process.env.PATH, LANG: "C.UTF-8", ...o.env } });
  const exit = await withTimeout(proc.exited, o.timeoutMs ?? 120_000, () => null);
  if (exit === null) proc.cancel();
  return { code: exit?.code ?? null, output: proc.tail(400) };
}

const OPENCODE_PLUGIN_VERSION = "1.18.33";

/**
 * OpenCode installs `@opencode-ai/plugin` with npm before its first request, into `~/.config/opencode` of a home
 * and into a project's `.opencode/` (seen even with no plugin configured, for a folder of ported agents):
 * 12–20 s of CPU each time, in every test that starts OpenCode in a new home or project. The install is
 * made once per machine (what OpenCode itself would write: package.json with the dependency, npm's lock file,
 * .gitignore and node_modules) and laid into `dir`, so OpenCode finds it done. Its own check still decides.
 *
 * The files are copied; node_modules is a folder of links to the machine's copy of each package. A full copy
 * is 64 MB in about 4,000 files, and a test that ported a dozen projects spent over a minute of a loaded CI
 * run only removing its copies. OpenCode's check reads package.json and the lock file and that node_modules
 * exists; a plugin's import resolves through the links to the complete tree.
 */
export function seedOpencodePluginInstall(dir: string): void {
  const cache = path.join(os.tmpdir(), `quartet-test-opencode-plugin-${OPENCODE_PLUGIN_VERSION}`);
  if (!fs.existsSync(path.join(cache, "node_modules", "@opencode-ai", "plugin", "package.json"))) {
    const building = fs.mkdtempSync(`${cache}.building-`);
    fs.writeFileSync(
      path.join(building, "package.json"),
      JSON.stringify({ dependencies: { "@opencode-ai/plugin": OPENCODE_PLUGIN_VERSION } }, null, 2),
    );
    fs.writeFileSync(path.join(building, ".gitignore"), "node_modules\npackage.json\npackage-lock.json\nbun.lock\n.gitignore\n");
    const npm = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: building, encoding: "utf8" });
    if (npm.status !== 0) {
      // No cache: OpenCode installs it itself, as it would for a user.
      fs.rmSync(building, { recursive: true, force: true });
      return;
    }
    try {
      fs.renameSync(building, cache);
    } catch {
      fs.rmSync(building, { recursive: true, force: true }); // another test file made it first
    }
  }
  fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  for (const file of ["package.json", "package-lock.json", ".gitignore"]) fs.copyFileSync(path.join(cache, file), path.join(dir, file));
  for (const entry of fs.readdirSync(path.join(cache, "node_modules"), { withFileTypes: true })) {
    const from = path.join(cache, "node_modules", entry.name);
    const to = path.join(dir, "node_modules", entry.name);
    // Seeded twice into one folder: the links already there stay.
    if (entry.isDirectory()) {
      if (!fs.existsSync(to)) fs.symlinkSync(from, to, "dir");
    } else fs.copyFileSync(from, to);
  }
}

/**
 * A home whose OpenCode has long been set up, as a user's has: the plugin install (above), and ripgrep
 * (seedOpencodeRipgrep).
 */
export function seedOpencodeHome(home: string): void {
  seedOpencodePluginInstall(path.join(home, ".config", "opencode"));
  seedOpencodeRipgrep(home);
}

/**
 * The ripgrep that OpenCode downloads from GitHub into its cache on a home's first file search, copied from the
 * pinned Codex package (which ships the same program). Without it every new home reaches for the network.
 */
export function seedOpencodeRipgrep(home: string): void {
  const vendor = path.join(ROOT, "node_modules", "@openai");
  const rg = fs.existsSync(vendor)
    ? fs
        .readdirSync(vendor)
        .filter((d) => d.startsWith("codex-"))
        .flatMap((d) => {
          const dir = path.join(vendor, d, "vendor");
          return fs.existsSync(dir) ? fs.readdirSync(dir).map((triple) => path.join(dir, triple, "codex-path", "rg")) : [];
        })
        .find((f) => fs.existsSync(f))
    : undefined;
  if (!rg) return; // OpenCode downloads it, as it would for a user.
  const bin = path.join(home, ".cache", "opencode", "bin");
  fs.mkdirSync(bin, { recursive: true });
  fs.copyFileSync(rg, path.join(bin, "rg"));
  fs.chmodSync(path.join(bin, "rg"), 0o755);
}

/** OpenCode's environment: a private HOME, no network fetches, optionally pointed at a lab endpoint. */
export function opencodeEnv(home: string, endpointUrl?: string): NodeJS.ProcessEnv {
  return {
    HOME: home,
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    ...(endpointUrl
      ? {
          OPENCODE_CONFIG_CONTENT: JSON.stringify({
            provider: { anthropic: { options: { baseURL: `${endpointUrl}/v1`, apiKey: LAB_API_KEY } } },
            model: "anthropic/claude-sonnet-4-5",
          }),
        }
      : {}),
  };
}

/** Makes `dir` a git repository with everything in it committed (OpenCode's project root is the git root). */
export function gitInit(dir: string): void {
  for (const args of [
    ["init", "-q"],
    ["add", "-A"],
    ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "fixture"],
  ]) {
    execFileSync("git", args, { cwd: dir });
  }
}

export interface OpencodeAgentInfo {
  name: string;
  permission: { permission: string; pattern: string; action: "allow" | "ask" | "deny" }[];
}

export interface OpencodeServer {
  /**
   * Every agent of the project in `dir` as OpenCode resolves it, its full permission list included
   * (`GET /agent?directory=`: the list `opencode debug agent <name>` prints, in the same order).
   */
  agents(dir: string): Promise<OpencodeAgentInfo[]>;
  close(): Promise<void>;
}

/**
 * One `opencode serve` in `home` for many projects: a start of OpenCode costs 5-10 s of CPU, and a test that
 * asked `opencode debug agent` about each agent of each project spent minutes of a full run starting it.
 */
export async function opencodeServer(home: string): Promise<OpencodeServer> {
  const port = await freePort();
  const proc = startProcess(opencode, ["serve", "--port", String(port), "--hostname", "127.0.0.1"], {
    cwd: home,
    env: { PATH: process.env.PATH, LANG: "C.UTF-8", ...opencodeEnv(home) },
  });
  const listening = new Promise<boolean>((resolve) => {
    proc.onLine((line) => {
      if (line.includes("listening on")) resolve(true);
    });
    void proc.exited.then(() => resolve(false));
  });
  if (!(await withTimeout(listening, 120_000, () => false))) {
    proc.cancel();
    throw new Error(`opencode serve did not start:\n${proc.tail()}`);
  }
  return {
    async agents(dir) {
      const url = (route: string) => `http://127.0.0.1:${port}${route}?directory=${encodeURIComponent(dir)}`;
      const res = await fetch(url("/agent"), { signal: AbortSignal.timeout(120_000) });
      if (!res.ok) throw new Error(`GET /agent for ${dir}: HTTP ${res.status} ${(await res.text()).slice(0, 400)}\n${proc.tail()}`);
      const agents = (await res.json()) as OpencodeAgentInfo[];
      // The project's instance stops, watchers and all, before the test removes its folder.
      await fetch(url("/instance/dispose"), { method: "POST", signal: AbortSignal.timeout(60_000) });
      return agents;
    },
    async close() {
      proc.cancel();
      await proc.exited;
    },
  };
}

/** `opencode debug config` in `dir`: the config as OpenCode resolves it (its agents and commands included). */
export function opencodeConfig(
  dir: string,
  home: string,
): Promise<{ agent: Record<string, { prompt?: string }>; command: Record<string, { template?: string }> }> {
  return new Promise((resolve, reject) => {
    execFile(
      opencode,
      ["debug", "config"],
      { cwd: dir, env: { PATH: process.env.PATH, LANG: "C.UTF-8", ...opencodeEnv(home) }, timeout: 120_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`opencode debug config failed: ${stderr || error.message}`));
        resolve(JSON.parse(stdout.slice(stdout.indexOf("{"))) as never);
      },
    );
  });
}

/** The agents and slash commands Claude Code lists in its `init` event, run in `dir` against a lab endpoint. */
export async function claudeInit(dir: string, home: string): Promise<{ agents: string[]; slash_commands: string[] }> {
  const { parseScenario, startLabEndpoint } = await import("../src/lab/lab.js");
  const scenario = parseScenario(
    "name: init\ndescription: d\nsteps:\n  - prompt: Say hello.\n    actions:\n      - say: Hello.\n",
    "inline",
  );
  const endpoint = await startLabEndpoint({ scenario, workspace: dir });
  try {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        findBinary("claude")!.path,
        ["-p", "--output-format", "stream-json", "--verbose", "--model", "claude-sonnet-4-5", "--", "Say hello."],
        {
          cwd: dir,
          env: {
            PATH: process.env.PATH,
            LANG: "C.UTF-8",
            HOME: home,
            ANTHROPIC_BASE_URL: endpoint.url,
            ANTHROPIC_API_KEY: LAB_API_KEY,
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
            DISABLE_AUTOUPDATER: "1",
          },
          timeout: 120_000,
          maxBuffer: 64 << 20,
        },
        (error, out, err) => (error ? reject(new Error(`claude failed: ${err || error.message}`)) : resolve(out)),
      ),
    );
    const init = stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { type?: string; subtype?: string; agents?: string[]; slash_commands?: string[] })
      .find((e) => e.type === "system" && e.subtype === "init");
    if (!init) throw new Error(`claude printed no init event: ${stdout.slice(0, 400)}`);
    return { agents: init.agents ?? [], slash_commands: init.slash_commands ?? [] };
  } finally {
    await endpoint.close();
  }
}
