/**
 * Driving Claude Code headlessly against the lab endpoint.
 *
 * Per-turn delivery runs `claude -p <prompt>` for the first turn and `claude -p --continue <prompt>` for the
 * next, each a new process; long-lived delivery keeps one `claude -p --input-format stream-json` process and
 * writes one user message per turn, waiting for its `result` event.
 *
 * It gets `ANTHROPIC_BASE_URL` pointing at the endpoint and a dummy `ANTHROPIC_API_KEY` (which takes
 * precedence over any login), and nothing else from the user's environment.
 */
import fs from "node:fs";
import path from "node:path";
import { LAB_API_KEY, userSettingsWithoutSecrets } from "../../core/lab-key.js";
import { startProcess, withTimeout, type ProcessHandle } from "../../core/process.js";
import type { HeadlessDriver, HeadlessSession, HeadlessStart, TurnOutcome } from "../types.js";

const TOOLS = "Read,Grep,Glob,Bash,Edit,Write";
/**
 * Configuration copied from the user's ~/.claude for a run that measures their own setup. Not `plugins`:
 * they bring MCP servers and hooks, which would start and run on the user's behalf.
 */
const CONFIG_ENTRIES = ["CLAUDE.md", "agents", "commands", "skills", "output-styles"];

function env(o: HeadlessStart): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    LANG: process.env.LANG ?? "C.UTF-8",
    HOME: o.home,
    ANTHROPIC_BASE_URL: o.endpointUrl,
    ANTHROPIC_API_KEY: LAB_API_KEY,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_MAX_RETRIES: "0",
  };
}

function prepareHome(o: { home: string; userHome: string; clean: boolean }): string[] {
  const notes: string[] = [];
  const config = path.join(o.home, ".claude");
  fs.mkdirSync(config, { recursive: true });
  const state: Record<string, unknown> = { hasCompletedOnboarding: true };
  if (!o.clean) {
    const user = path.join(o.userHome, ".claude");
    for (const entry of CONFIG_ENTRIES) {
      const from = path.join(user, entry);
      if (!fs.existsSync(from)) continue;
      fs.cpSync(from, path.join(config, entry), { recursive: true, filter: (src) => !src.includes(`${path.sep}.git`) });
      notes.push(`~/.claude/${entry}`);
    }
    const settings = path.join(user, "settings.json");
    if (fs.existsSync(settings)) {
      const clean = userSettingsWithoutSecrets(settings, "~/.claude/settings.json", notes);
      if (clean !== undefined) fs.writeFileSync(path.join(config, "settings.json"), JSON.stringify(clean, null, 2));
    }
    if (fs.existsSync(path.join(user, "plugins"))) notes.push("~/.claude/plugins not copied: plugins start MCP servers and run hooks");
    // The MCP servers of ~/.claude.json are named, not copied (see LIVE_SETTINGS); --strict-mcp-config
    // keeps any other server (a workspace's .mcp.json) from starting too.
    const servers = mcpServerNames(path.join(o.userHome, ".claude.json"));
    if (servers.length > 0) notes.push(`MCP servers from ~/.claude.json not started: ${servers.join(", ")}`);
  }
  fs.writeFileSync(path.join(o.home, ".claude.json"), JSON.stringify(state, null, 2));
  return notes;
}

function mcpServerNames(file: string): string[] {
  try {
    const servers = (JSON.parse(fs.readFileSync(file, "utf8")) as { mcpServers?: unknown }).mcpServers;
    return servers && typeof servers === "object" ? Object.keys(servers) : [];
  } catch {
    return [];
  }
}

async function waitTurn(proc: ProcessHandle, done: Promise<boolean>, timeoutMs: number): Promise<TurnOutcome> {
  const outcome = await withTimeout(
    Promise.race([done.then((ok) => ({ ok, exit: null as number | null })), proc.exited.then((e) => ({ ok: false, exit: e.code }))]),
    timeoutMs,
    () => ({ ok: false, exit: null, timedOut: true }) as { ok: boolean; exit: number | null; timedOut?: boolean },
  );
  const timedOut = "timedOut" in outcome && outcome.timedOut === true;
  if (timedOut) proc.cancel();
  return { ok: outcome.ok, timedOut, exitCode: outcome.exit, output: proc.tail() };
}

async function start(o: HeadlessStart): Promise<HeadlessSession> {
  // "default" leaves the model to Claude Code, as a user who never passes --model has it.
  // --strict-mcp-config with no --mcp-config: no MCP server at all, wherever one is configured.
  const base = [...(o.model === "default" ? [] : ["--model", o.model]), "--allowedTools", TOOLS, "--strict-mcp-config"];
  if (o.delivery === "per-turn") {
    let first = true;
    let current: ProcessHandle | undefined;
    return {
      async turn(prompt) {
        const proc = startProcess(o.bin, ["-p", ...base, ...(first ? [] : ["--continue"]), "--", prompt], {
          cwd: o.workspace,
          env: env(o),
        });
        current = proc;
        first = false;
        const outcome = await waitTurn(
          proc,
          proc.exited.then((e) => e.code === 0),
          o.turnTimeoutMs,
        );
        const exit = outcome.timedOut ? null : (await proc.exited).code;
        return { ...outcome, ok: !outcome.timedOut && exit === 0, exitCode: exit };
      },
      async close() {
        current?.cancel();
      },
    };
  }
  const proc = startProcess(o.bin, ["-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose", ...base], {
    cwd: o.workspace,
    env: env(o),
    stdin: "pipe",
  });
  let resolveTurn: ((ok: boolean) => void) | undefined;
  proc.onLine((line) => {
    try {
      const event = JSON.parse(line) as { type?: string; subtype?: string };
      if (event.type === "result") resolveTurn?.(event.subtype === "success");
    } catch {
      // Not an event line.
    }
  });
  return {
    async turn(prompt) {
      const done = new Promise<boolean>((resolve) => (resolveTurn = resolve));
      proc.write(JSON.stringify({ type: "user", message: { role: "user", content: prompt } }) + "\n");
      return waitTurn(proc, done, o.turnTimeoutMs);
    },
    async close() {
      proc.cancel();
      await proc.exited;
    },
  };
}

export const claudeHeadless: HeadlessDriver = {
  binary: "claude",
  install: "npm install -g @anthropic-ai/claude-code (quartet's tests pin 2.1.197)",
  instructionsFile: "CLAUDE.md",
  prepareHome,
  start,
  pointAt: (o) => [`ANTHROPIC_BASE_URL=${o.endpointUrl} ANTHROPIC_API_KEY=${LAB_API_KEY} claude -p "…"`],
};
