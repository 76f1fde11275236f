/**
 * Porting to and from Codex, checked by the real pinned codex (0.169), offline: `codex mcp list --json` for
 * the MCP servers, and `codex debug prompt-input` (the input Codex would send the model) for AGENTS.md, the
 * skills and the sandbox policy in effect. Codex reads a project's .codex/config.toml only once the project is
 * trusted, so the test trusts it as the person would.
 */
import { execFileSync } from "node:child_process";
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
  ".claude/agents/reviewer.md": "---\nname: reviewer\ndescription: Reviews\n---\nReview.\n",
};

describe("quartet port to and from Codex", () => {
  it("Claude Code → Codex: the real codex lists the servers, reads AGENTS.md and the skill, and runs read-only", async () => {
    const dir = writeProject(CLAUDE_PROJECT);
    fs.mkdirSync(path.join(dir, ".codex"));
    fs.writeFileSync(path.join(dir, ".codex", "config.toml"), '# my model\nmodel = "gpt-5.5"\n');
    const r = await portCli(dir, ["claude", "codex", "--json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const toml = fs.readFileSync(path.join(dir, ".codex", "config.toml"), "utf8");
    expect(toml.startsWith("# my model\n")).toBe(true);
    expect(toml).toContain('model = "gpt-5.5"');
    // The deny rule cannot be said in Codex: the narrowest policy, never a wider one.
    expect(toml).toContain('approval_policy = "never"');
    expect(toml).toContain('sandbox_mode = "read-only"');
    expect(r.json!.losses).toContainEqual(expect.objectContaining({ asset: "agents/reviewer", level: "unsupported" }));

    const home = trustedHome(dir);
    const servers = JSON.parse(codex(dir, home, ["mcp", "list", "--json"])) as {
      name: string;
      transport: { command?: string; args?: string[]; env?: Record<string, string>; env_vars?: string[]; url?: string };
    }[];
    const byName = Object.fromEntries(servers.map((s) => [s.name, s.transport]));
    expect(byName.docs).toMatchObject({ command: "docs-mcp", args: ["--ro"], env: { MODE: "fast" }, env_vars: ["DOCS_TOKEN"] });
    expect(byName.live).toMatchObject({ url: "https://example.test/mcp" });
    const input = codex(dir, home, ["debug", "prompt-input", "hi"]);
    expect(input).toContain("INSTRUCTIONS-MARK");
    expect(input).toContain("SKILL-MARK");
    expect(input).toContain("`sandbox_mode` is `read-only`");

    // And back: Codex → Claude Code keeps the servers and never allows more than the policy did.
    const back = writeProject({});
    fs.cpSync(path.join(dir, ".codex"), path.join(back, ".codex"), { recursive: true });
    fs.copyFileSync(path.join(dir, "AGENTS.md"), path.join(back, "AGENTS.md"));
    const rb = await portCli(back, ["codex", "claude", "--json"]);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    const mcp = JSON.parse(fs.readFileSync(path.join(back, ".mcp.json"), "utf8")) as { mcpServers: Record<string, unknown> };
    expect(mcp.mcpServers.docs).toMatchObject({ command: "docs-mcp", args: ["--ro"], env: { MODE: "fast", DOCS_TOKEN: "${DOCS_TOKEN}" } });
    expect(mcp.mcpServers.live).toMatchObject({ url: "https://example.test/mcp", headers: { Authorization: "Bearer ${LIVE_TOKEN}" } });
    const settings = JSON.parse(fs.readFileSync(path.join(back, ".claude", "settings.json"), "utf8")) as {
      permissions: { defaultMode?: string };
    };
    expect(settings.permissions.defaultMode).toBe("dontAsk");
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
});
