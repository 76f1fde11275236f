/**
 * Porting to and from Codex (from Claude Code and from OpenCode), checked by the real pinned codex (0.169),
 * offline: `codex mcp list --json` for the MCP servers, `codex debug prompt-input` (the input Codex would send
 * the model) for AGENTS.md, the skills (a ported command among them) and the sandbox policy in effect, and its app server's `hooks/list`
 * for the hooks. Codex reads a project's .codex/config.toml only once the project is
 * trusted, so the test trusts it as the person would.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, tempDir } from "./helpers.js";
import { portCli } from "./port.js";
import { writeProject } from "./port-corpus.js";

const CODEX = path.join(ROOT, "node_modules", ".bin", "codex");

function codex(dir: string, home: string, args: string[]): string {
  return execFileSync(CODEX, args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: home, CODEX_HOME: path.join(home, ".codex") },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
}

/** The hooks the real codex finds for `dir`, asked through its app server's `hooks/list` (JSON-RPC over stdio). */
async function codexHooks(
  dir: string,
  home: string,
): Promise<{
  hooks: { eventName: string; command: string; matcher: string | null; timeoutSec: number; trustStatus: string }[];
  warnings: string[];
  errors: unknown[];
}> {
  const child = spawn(CODEX, ["app-server"], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: home, CODEX_HOME: path.join(home, ".codex") },
    stdio: ["pipe", "pipe", "ignore"],
  });
  const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`);
  let buf = "";
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`codex app-server gave no hooks/list answer: ${buf.slice(0, 2000)}`)), 15_000);
      child.stdout.on("data", (d: Buffer) => {
        buf += d.toString();
        for (const line of buf.split("\n")) {
          if (!line.startsWith("{")) continue;
          const m = JSON.parse(line) as { id?: number; result?: { data: { cwd: string }[] }; error?: unknown };
          if (m.id === 1) {
            send({ method: "initialized" });
            send({ id: 2, method: "hooks/list", params: { cwds: [dir] } });
          }
          if (m.id === 2) {
            clearTimeout(timer);
            if (m.error || !m.result) reject(new Error(JSON.stringify(m.error)));
            else resolve(m.result.data.find((d) => d.cwd === dir) as never);
          }
        }
        buf = buf.slice(buf.lastIndexOf("\n") + 1);
      });
      send({ id: 1, method: "initialize", params: { clientInfo: { name: "quartet-test", version: "1" } } });
    });
  } finally {
    child.kill();
  }
}

function trustedHome(dir: string): string {
  const home = tempDir("quartet-codex-home-");
  fs.mkdirSync(path.join(home, ".codex"), { recursive: true });
  fs.writeFileSync(path.join(home, ".codex", "config.toml"), `[projects.${JSON.stringify(dir)}]\ntrust_level = "trusted"\n`);
  return home;
}

const CLAUDE_PROJECT = {
  "CLAUDE.md": "Use pnpm. INSTRUCTIONS-MARK\n",
  ".mcp.json": JSON.stringify({
    mcpServers: {
      docs: { command: "docs-mcp", args: ["--ro"], env: { DOCS_TOKEN: "${DOCS_TOKEN}", MODE: "fast" } },
      live: { type: "http", url: "https://example.test/mcp", headers: { Authorization: "Bearer ${LIVE_TOKEN}" } },
    },
  }),
  ".claude/settings.json": JSON.stringify({ permissions: { allow: ["Bash(npm test:*)"], deny: ["Bash(rm:*)"] } }),
  ".claude/skills/pdf-tool/SKILL.md": "---\nname: pdf-tool\ndescription: Works with PDFs SKILL-MARK\n---\nUse it.\n",
  ".claude/agents/reviewer.md": "---\nname: reviewer\ndescription: Reviews AGENT-MARK\nmodel: sonnet\n---\nReview.\n",
  ".claude/commands/fixit.md": "---\ndescription: Fixes issues COMMAND-MARK\n---\nFix issue $0 now.\n",
};

/** `files` as a project whose .codex/config.toml the person already wrote, ported into Codex; their lines stay first. */
async function portIntoCodex(from: string, files: Record<string, string>) {
  const dir = writeProject(files);
  fs.mkdirSync(path.join(dir, ".codex"), { recursive: true });
  fs.writeFileSync(path.join(dir, ".codex", "config.toml"), '# my model\nmodel = "gpt-5.5"\n');
  const r = await portCli(dir, [from, "codex", "--json"]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const toml = fs.readFileSync(path.join(dir, ".codex", "config.toml"), "utf8");
  expect(toml.startsWith('# my model\nmodel = "gpt-5.5"\n')).toBe(true);
  return { dir, r, toml };
}

/**
 * What the real codex loaded from the ported `dir`: the docs (stdio) and live (HTTP) servers, the AGENTS.md
 * and the skill (their marks, prefixed by `mark`), the command `fixit` as a skill (Codex has no custom
 * prompts), and the read-only sandbox.
 */
function expectCodexLoaded(dir: string, mark: string): void {
  const home = trustedHome(dir);
  const servers = JSON.parse(codex(dir, home, ["mcp", "list", "--json"])) as {
    name: string;
    transport: { command?: string; args?: string[]; env?: Record<string, string>; env_vars?: string[]; url?: string };
  }[];
  const byName = Object.fromEntries(servers.map((s) => [s.name, s.transport]));
  expect(byName.docs).toMatchObject({ command: "docs-mcp", args: ["--ro"], env: { MODE: "fast" }, env_vars: ["DOCS_TOKEN"] });
  expect(byName.live).toMatchObject({ url: "https://example.test/mcp" });
  const input = codex(dir, home, ["debug", "prompt-input", "hi"]);
  expect(input).toContain(`${mark}INSTRUCTIONS-MARK`);
  expect(input).toContain(`${mark}SKILL-MARK`);
  expect(input).toContain(`fixit: Fixes issues ${mark}COMMAND-MARK (file: `);
  expect(input).toContain("`sandbox_mode` is `read-only`");
}

/** The ported `dir`'s .codex and AGENTS.md, alone in a new project, ported from Codex `to` a runtime. */
async function portBackFromCodex(dir: string, to: string): Promise<string> {
  const back = writeProject({});
  fs.cpSync(path.join(dir, ".codex"), path.join(back, ".codex"), { recursive: true });
  fs.copyFileSync(path.join(dir, "AGENTS.md"), path.join(back, "AGENTS.md"));
  const rb = await portCli(back, ["codex", to, "--json"]);
  expect(rb.code, rb.stdout + rb.stderr).toBe(0);
  return back;
}

describe("quartet port to and from Codex", () => {
  it("Claude Code → Codex: the real codex lists the servers, reads AGENTS.md, the skill and the command (as a skill), and runs read-only", async () => {
    const { dir, r, toml } = await portIntoCodex("claude", CLAUDE_PROJECT);
    // The deny rule cannot be said in Codex: the narrowest policy, never a wider one.
    expect(toml).toContain('approval_policy = "never"');
    expect(toml).toContain('sandbox_mode = "read-only"');
    // The agent is an agent role; Claude Code's model alias is not Codex's.
    expect(fs.readFileSync(path.join(dir, ".codex", "agents", "reviewer.toml"), "utf8")).toBe(
      'name = "reviewer"\ndescription = "Reviews AGENT-MARK"\ndeveloper_instructions = "Review.\\n"\n',
    );
    expect(r.json!.losses.filter((l) => l.asset === "agents/reviewer")).toEqual([
      expect.objectContaining({ field: "model", level: "lossy" }),
    ]);

    expectCodexLoaded(dir, "");
    // Codex passes a skill no arguments: the placeholder is said in words, and the report says so.
    expect(fs.readFileSync(path.join(dir, ".codex", "skills", "fixit", "SKILL.md"), "utf8")).toBe(
      "---\nname: fixit\ndescription: Fixes issues COMMAND-MARK\n---\n\nFix issue (the first word after `$fixit` in the person's message) now.\n",
    );
    expect(r.json!.losses).toContainEqual(expect.objectContaining({ asset: "commands/fixit", field: "template", level: "lossy" }));
    expect(fs.existsSync(path.join(dir, ".codex", "prompts"))).toBe(false);

    // And back: Codex → Claude Code keeps the servers and never allows more than the policy did.
    const back = await portBackFromCodex(dir, "claude");
    const mcp = JSON.parse(fs.readFileSync(path.join(back, ".mcp.json"), "utf8")) as { mcpServers: Record<string, unknown> };
    expect(mcp.mcpServers.docs).toMatchObject({ command: "docs-mcp", args: ["--ro"], env: { MODE: "fast", DOCS_TOKEN: "${DOCS_TOKEN}" } });
    expect(mcp.mcpServers.live).toMatchObject({ url: "https://example.test/mcp", headers: { Authorization: "Bearer ${LIVE_TOKEN}" } });
    const settings = JSON.parse(fs.readFileSync(path.join(back, ".claude", "settings.json"), "utf8")) as {
      permissions: { defaultMode?: string };
    };
    expect(settings.permissions.defaultMode).toBe("dontAsk");
    expect(fs.readFileSync(path.join(back, ".claude", "agents", "reviewer.md"), "utf8")).toBe(
      "---\nname: reviewer\ndescription: Reviews AGENT-MARK\n---\n\nReview.\n",
    );
    // The command comes back as the skill Codex has.
    expect(fs.readFileSync(path.join(back, ".claude", "skills", "fixit", "SKILL.md"), "utf8")).toContain("COMMAND-MARK");
  });

  it("Claude Code agents → agent roles the real codex offers the model when it spawns an agent, and back", async () => {
    const dir = writeProject({
      "CLAUDE.md": "Rules.\n",
      ".claude/agents/tester.md": "---\nname: tester\ndescription: Runs the tests ROLE-MARK\ntools: Bash, Read\n---\nRun npm test.\n",
      ".claude/agents/team/planner.md": "---\nname: planner\ndescription: Plans PLANNER-MARK\n---\nPlan.\n",
    });
    const r = await portCli(dir, ["claude", "codex", "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // It has no edit tool: the role gets the read-only sandbox, never more than the agent could do.
    expect(fs.readFileSync(path.join(dir, ".codex", "agents", "tester.toml"), "utf8")).toContain('sandbox_mode = "read-only"');
    expect(fs.readFileSync(path.join(dir, ".codex", "agents", "planner.toml"), "utf8")).not.toContain("sandbox_mode");
    expect(r.json!.losses.filter((l) => l.asset === "agents/tester").map((l) => [l.field, l.level])).toEqual([
      ["tools", "unsupported"],
      ["tools", "lossy"],
    ]);
    // Codex lists each role with its description in spawn_agent's agent_type, beside its built-in ones.
    const input = JSON.stringify(JSON.parse(codex(dir, trustedHome(dir), ["debug", "prompt-input", "hi"])));
    expect(input).toContain("Available roles:");
    expect(input).toContain("tester: {\\nRuns the tests ROLE-MARK\\n}");
    expect(input).toContain("planner: {\\nPlans PLANNER-MARK\\n}");

    const back = await portBackFromCodex(dir, "claude");
    expect(fs.readFileSync(path.join(back, ".claude", "agents", "tester.md"), "utf8")).toBe(
      "---\nname: tester\ndescription: Runs the tests ROLE-MARK\n---\n\nRun npm test.\n",
    );
  });

  it("Claude Code's asking default → a policy the real codex accepts and that asks before leaving the read-only sandbox", async () => {
    const dir = writeProject({
      "CLAUDE.md": "Rules.\n",
      ".claude/settings.json": JSON.stringify({ permissions: { allow: ["Bash(npm test:*)"], defaultMode: "acceptEdits" } }),
    });
    const r = await portCli(dir, ["claude", "codex"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const toml = fs.readFileSync(path.join(dir, ".codex", "config.toml"), "utf8");
    expect(toml).toContain('approval_policy = "on-request"');
    expect(toml).toContain('sandbox_mode = "read-only"');
    // Codex 0.169 refuses to start on a policy it no longer supports (`untrusted`); this one it runs with.
    const input = codex(dir, trustedHome(dir), ["debug", "prompt-input", "hi"]);
    expect(input).toContain("`sandbox_mode` is `read-only`");
    expect(input).toContain("# Escalation Requests");
  });

  it("refuses a config.toml it cannot parse, naming the file and line, and writes nothing", async () => {
    const dir = writeProject({ ...CLAUDE_PROJECT, ".codex/config.toml": '# mine\nmodel = "gpt-5.5"\n[mcp_servers.x\ncommand = "y"\n' });
    const before = fs.readFileSync(path.join(dir, ".codex", "config.toml"), "utf8");
    const r = await portCli(dir, ["claude", "codex"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\.codex\/config\.toml:3: not valid TOML/);
    expect(fs.readFileSync(path.join(dir, ".codex", "config.toml"), "utf8")).toBe(before);
    expect(fs.existsSync(path.join(dir, "AGENTS.md"))).toBe(false);
  });

  it("Claude Code hooks → Codex lifecycle hooks the real codex lists (untrusted until the person trusts them), and back", async () => {
    const { dir, r, toml } = await portIntoCodex("claude", {
      "CLAUDE.md": "Rules.\n",
      ".claude/settings.json": JSON.stringify({
        hooks: {
          PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "./guard.sh", timeout: 5 }] }],
          PostToolUse: [{ matcher: "Edit|Write", hooks: [{ type: "command", command: "prettier", args: ["--write", "a b.ts"] }] }],
          SessionStart: [{ hooks: [{ type: "command", command: "echo hello", statusMessage: "Starting" }] }],
          Notification: [{ hooks: [{ type: "command", command: "notify-send hi" }] }],
          Stop: [{ hooks: [{ type: "prompt", prompt: "Check the work" }] }],
        },
      }),
    });
    expect(toml).toContain("[[hooks.PreToolUse]]");
    const losses = r.json!.losses as { asset: string; field: string; level: string; reason: string }[];
    expect(losses).toContainEqual(
      expect.objectContaining({ asset: "hooks", field: "event", level: "unsupported", reason: expect.stringContaining("Notification") }),
    );
    expect(losses).toContainEqual(expect.objectContaining({ asset: "hooks", field: "type", reason: expect.stringContaining("prompt") }));
    expect(losses).toContainEqual(expect.objectContaining({ asset: "hooks", field: "trust", reason: expect.stringContaining("trust") }));

    const home = trustedHome(dir);
    // Codex starts with them (a hook config it refuses would stop it here)…
    codex(dir, home, ["debug", "prompt-input", "hi"]);
    // …and lists each, not yet trusted.
    const listed = await codexHooks(dir, home);
    expect(listed.errors).toEqual([]);
    expect(listed.warnings).toEqual([]);
    const byEvent = Object.fromEntries(listed.hooks.map((h) => [h.eventName, h]));
    expect(Object.keys(byEvent).sort()).toEqual(["postToolUse", "preToolUse", "sessionStart"]);
    expect(byEvent.preToolUse).toMatchObject({ command: "./guard.sh", matcher: "Bash", timeoutSec: 5, trustStatus: "untrusted" });
    expect(byEvent.postToolUse).toMatchObject({ command: "prettier --write 'a b.ts'", matcher: "Edit|Write" });
    expect(byEvent.sessionStart).toMatchObject({ command: "echo hello", matcher: null, statusMessage: "Starting" });

    // Back: Codex → Claude Code gives the same hooks, in Claude Code's shape.
    const back = writeProject({});
    fs.cpSync(path.join(dir, ".codex"), path.join(back, ".codex"), { recursive: true });
    const rb = await portCli(back, ["codex", "claude", "--json"]);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    const settings = JSON.parse(fs.readFileSync(path.join(back, ".claude", "settings.json"), "utf8")) as { hooks: Record<string, unknown> };
    expect(settings.hooks).toEqual({
      PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "./guard.sh", timeout: 5 }] }],
      PostToolUse: [{ matcher: "Edit|Write", hooks: [{ type: "command", command: "prettier --write 'a b.ts'" }] }],
      SessionStart: [{ hooks: [{ type: "command", command: "echo hello", statusMessage: "Starting" }] }],
    });
  });

  it("OpenCode → Codex: the real codex lists the servers, reads the shared AGENTS.md, the skill and the command (as a skill), and runs read-only; and back", async () => {
    const { dir, r, toml } = await portIntoCodex("opencode", {
      "AGENTS.md": "Use bun. OC-INSTRUCTIONS-MARK\n",
      "opencode.json": JSON.stringify({
        $schema: "https://opencode.ai/config.json",
        mcp: {
          docs: { type: "local", command: ["docs-mcp", "--ro"], environment: { DOCS_TOKEN: "{env:DOCS_TOKEN}", MODE: "fast" } },
          live: { type: "remote", url: "https://example.test/mcp", headers: { Authorization: "Bearer {env:LIVE_TOKEN}" } },
        },
        permission: { edit: "ask", bash: { "npm test": "allow", "rm *": "deny" } },
      }),
      ".opencode/skills/pdf-tool/SKILL.md": "---\nname: pdf-tool\ndescription: Works with PDFs OC-SKILL-MARK\n---\nUse it.\n",
      ".opencode/commands/fixit.md": "---\ndescription: Fixes issues OC-COMMAND-MARK\n---\nFix issue $1 now.\n",
    });
    // The deny rule cannot be said in Codex: the narrowest policy, never a wider one.
    expect(toml).toContain('approval_policy = "never"');
    expect(toml).toContain('sandbox_mode = "read-only"');
    // AGENTS.md is both runtimes' file: left as it is.
    expect(fs.readFileSync(path.join(dir, "AGENTS.md"), "utf8")).toBe("Use bun. OC-INSTRUCTIONS-MARK\n");
    expect(r.json!.actions).toContainEqual(expect.objectContaining({ target: ".codex/skills/pdf-tool/SKILL.md", action: "create" }));
    expect(r.json!.losses).toContainEqual(expect.objectContaining({ asset: "mcp/live", field: "transport", level: "lossy" }));

    expectCodexLoaded(dir, "OC-");

    const back = await portBackFromCodex(dir, "opencode");
    // Back: the servers as OpenCode writes them, and a permission block that allows nothing the policy did not.
    const config = JSON.parse(fs.readFileSync(path.join(back, "opencode.json"), "utf8")) as {
      mcp: Record<string, unknown>;
      permission: Record<string, unknown>;
    };
    expect(config.mcp.docs).toEqual({
      type: "local",
      command: ["docs-mcp", "--ro"],
      environment: { MODE: "fast", DOCS_TOKEN: "{env:DOCS_TOKEN}" },
    });
    expect(config.mcp.live).toEqual({
      type: "remote",
      url: "https://example.test/mcp",
      headers: { Authorization: "Bearer {env:LIVE_TOKEN}" },
    });
    expect(config.permission).toEqual({ "*": "deny", read: "allow", glob: "allow", grep: "allow", list: "allow" });
    expect(fs.readFileSync(path.join(back, ".opencode", "skills", "pdf-tool", "SKILL.md"), "utf8")).toContain("OC-SKILL-MARK");
    // AGENTS.md is OpenCode's file too: nothing to write.
    expect(fs.readFileSync(path.join(back, "AGENTS.md"), "utf8")).toBe("Use bun. OC-INSTRUCTIONS-MARK\n");
  });
});
