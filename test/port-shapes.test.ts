/**
 * Shapes found in real public workflows that quartet's port once got wrong, each as a small project of our
 * own: the port must accept what the runtimes accept, never replace what the user wrote, and be a fixed
 * point (right after a port, status shows no drift and the reverse port plans no new file).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readClaudeWorkflow } from "../src/runtimes/claude/workflow/read.js";
import { readOpencodeWorkflow } from "../src/runtimes/opencode/workflow/read.js";
import { claudeDecision } from "../src/runtimes/claude/workflow/rules.js";
import { parseFrontmatter } from "../src/core/frontmatter.js";
import { ASSET_KINDS } from "../src/contract/workflow/ir.js";
import { OPENCODE_DEFAULTS, opencodeDecision } from "../src/runtimes/opencode/workflow/rules.js";
import { opencodeEntries } from "../src/runtimes/opencode/workflow/permissions.js";
import { tempDir } from "./helpers.js";
import { CLAUDE_HARD_CASES, OPENCODE_SUITE, writeProject } from "./port-corpus.js";
import { portCli } from "./port.js";

const project = writeProject;

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8");

/** `port status --json`: each asset's state. */
async function status(dir: string, data: string): Promise<Record<string, string>> {
  const r = await portCli(dir, ["status", "--json"], data);
  expect(r.code, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout) as { assets: { asset: string; state: string }[] };
  return Object.fromEntries(json.assets.map((a) => [a.asset, a.state]));
}

describe("instructions the user wrote on both sides", () => {
  const CLAUDE = "# Project\n\nUse pnpm, never npm.\n";
  const AGENTS = "# Agents\n\nRun the linter before you finish.\n";

  it("are never replaced: OpenCode is pointed at CLAUDE.md, Claude Code imports AGENTS.md in a marked section", async () => {
    const dir = project({ "CLAUDE.md": CLAUDE, "AGENTS.md": AGENTS });
    const data = tempDir("quartet-data-");
    const toOpencode = await portCli(dir, ["claude", "opencode", "--json"], data);
    expect(toOpencode.code, toOpencode.stderr).toBe(0);
    expect(toOpencode.json!.conflicts).toBe(0);
    expect(read(dir, "AGENTS.md")).toBe(AGENTS);
    expect(JSON.parse(read(dir, "opencode.json")).instructions).toEqual(["CLAUDE.md"]);
    expect((await status(dir, data)).instructions).toBe("in sync");

    const toClaude = await portCli(dir, ["opencode", "claude", "--json"], data);
    expect(toClaude.code, toClaude.stderr).toBe(0);
    // No new file: CLAUDE.md gains a section.
    expect(toClaude.json!.files.filter((f) => f.before === null)).toEqual([]);
    const claudeMd = read(dir, "CLAUDE.md");
    expect(claudeMd.startsWith(CLAUDE)).toBe(true);
    expect(claudeMd).toMatch(/<!-- quartet:begin instructions .*-->\n@AGENTS\.md\n<!-- quartet:end instructions -->\n$/);
    expect(read(dir, "AGENTS.md")).toBe(AGENTS);
    expect((await status(dir, data)).instructions).toBe("in sync");

    // The user edits their own text around the section: later ports keep it and leave the section as it is.
    fs.writeFileSync(path.join(dir, "CLAUDE.md"), claudeMd.replace("never npm", "never npm or yarn"));
    for (const [from, to] of [
      ["opencode", "claude"],
      ["claude", "opencode"],
    ]) {
      const again = await portCli(dir, [from!, to!, "--json"], data);
      expect(again.code, again.stderr).toBe(0);
      expect(again.json!.conflicts).toBe(0);
    }
    expect(read(dir, "CLAUDE.md")).toBe(claudeMd.replace("never npm", "never npm or yarn"));
    expect(read(dir, "AGENTS.md")).toBe(AGENTS);
    expect(JSON.parse(read(dir, "opencode.json")).instructions).toEqual(["CLAUDE.md"]);
  });

  it("that import an AGENTS.md not written yet are not copied into it: OpenCode reads CLAUDE.md itself", async () => {
    const dir = project({ "CLAUDE.md": `# Project\n\n@AGENTS.md\n\nUse pnpm.\n` });
    const data = tempDir("quartet-data-");
    const r = await portCli(dir, ["claude", "opencode", "--json"], data);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, "AGENTS.md"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "opencode.json"))).toBe(false);
    expect((await status(dir, data)).instructions).toBe("in sync");
  });

  it("keep the entries the user listed in opencode.json", async () => {
    const dir = project({
      "CLAUDE.md": CLAUDE,
      "AGENTS.md": AGENTS,
      "docs/style.md": "Tabs.\n",
      "opencode.json": '{\n  // mine\n  "instructions": ["docs/style.md"]\n}\n',
    });
    const r = await portCli(dir, ["claude", "opencode", "--json", "--only", "instructions"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json!.conflicts).toBe(0);
    const config = read(dir, "opencode.json");
    expect(config).toContain("// mine");
    expect(config).toMatch(/"docs\/style\.md",\s*"CLAUDE\.md"/);
  });
});

describe("Claude Code frontmatter that Claude Code itself accepts", () => {
  const files = CLAUDE_HARD_CASES;

  it("is read as Claude Code reads it, and ported", async () => {
    const dir = project(files);
    const r = await portCli(dir, ["claude", "opencode", "--json"]);
    const errors = r.json!.diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => d.file).sort()).toEqual([".claude/agents/dash.md", ".claude/agents/lost.md"]);
    expect(errors.find((d) => d.file === ".claude/agents/lost.md")).toMatchObject({ line: 3 });
    expect(r.code).toBe(1);
    expect(parseFrontmatter(read(dir, ".opencode/agents/helper.md"), "helper.md").data.description).toBe(
      'Use this agent when asked. Examples: <example>Context: the user wants X. user: "do X" assistant: "ok"</example>',
    );
    expect(read(dir, ".opencode/agents/dotnet.md")).toContain("name: dotnet-framework-4.8-expert\n");
    expect(read(dir, ".opencode/agents/escaped.md")).toContain("First line\n");
    expect(read(dir, ".opencode/commands/count.md")).toContain('description: "42"');
    expect(read(dir, ".opencode/commands/broken.md")).toBe("Do the broken thing.\n");
    expect(r.json!.diagnostics).toContainEqual(
      expect.objectContaining({ severity: "warning", file: ".claude/commands/broken.md", line: 2 }),
    );
    const hints = Object.fromEntries(r.json!.losses.filter((l) => l.field === "argumentHint").map((l) => [l.asset, l.reason]));
    expect(Object.keys(hints).sort()).toEqual(["commands/commit", "commands/optimize"]);
  });
});

describe("an OpenCode suite with nested folders, `name:`, {file:} prompts and both folder spellings", () => {
  const files = OPENCODE_SUITE;

  it("keeps every name, resolves {file:}, and is a fixed point both ways", async () => {
    const dir = project(files);
    const data = tempDir("quartet-data-");
    const r = await portCli(dir, ["opencode", "claude", "--json"], data);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json!.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    // `name:` names the agent; the file stays where it was.
    expect(read(dir, ".claude/agents/subagents/code-reviewer.md")).toMatch(/^---\nname: CodeReviewer\n/);
    expect(read(dir, ".claude/agents/subagents/plain.md")).toMatch(/^---\nname: subagents\/plain\n/);
    expect(read(dir, ".claude/agents/loose.md")).toContain('description: "Use it. Examples:"');
    // The prompt OpenCode reads, not the reference.
    expect(read(dir, ".claude/agents/planner.md")).toContain("Plan carefully.\nThen plan again.\n");
    // A command in both places: the markdown file wins, as in OpenCode.
    expect(read(dir, ".claude/commands/hello.md")).toContain("Say hello from markdown");
    expect(read(dir, ".claude/commands/team/deploy.md")).toContain("Deploy $0.");
    expect(fs.existsSync(path.join(dir, ".claude/agents/build.md"))).toBe(false);
    expect(r.json!.losses).toContainEqual(expect.objectContaining({ asset: "agents/build", level: "unsupported" }));

    const states = await status(dir, data);
    expect(Object.entries(states).filter(([, s]) => s !== "in sync" && s !== "not portable")).toEqual([]);
    const back = await portCli(dir, ["claude", "opencode", "--json", "--dry-run"], data);
    expect(back.code, back.stderr).toBe(0);
    expect(back.json!.files.filter((f) => f.before === null).map((f) => f.file)).toEqual([]);
    // The config entry keeps its {file:} reference.
    const config = back.json!.files.find((f) => f.file === "opencode.json");
    expect(JSON.parse(config?.after ?? read(dir, "opencode.json")).agent.planner.prompt).toBe("{file:./prompts/plan.txt}");
  });
});

describe("an OpenCode agent's own finer rules, ported to Claude Code", () => {
  it("never let the Claude Code agent do more than OpenCode let it", async () => {
    const project: Record<string, string> = {
      "opencode.json": JSON.stringify({ permission: { webfetch: "allow", bash: { "*": "ask", "git *": "allow" } } }),
      ".opencode/agents/guard.md":
        '---\ndescription: Runs commands, never rm\nmode: subagent\npermission:\n  bash:\n    "*": allow\n    "rm *": deny\n---\nGuard.\n',
      ".opencode/agents/asker.md": "---\ndescription: Asks before fetching\nmode: subagent\npermission:\n  webfetch: ask\n---\nAsk.\n",
    };
    const dir = writeProject(project);
    const r = await portCli(dir, ["opencode", "claude", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const place = { root: dir, scope: "project" as const, home: dir, configHome: path.join(dir, ".config"), only: [...ASSET_KINDS] };
    const source = readOpencodeWorkflow(place).workflow;
    const target = readClaudeWorkflow(place).workflow;
    const projectRules = opencodeEntries(JSON.parse(project["opencode.json"]!).permission);
    const samples = [
      { tool: "Bash", key: "bash", input: "rm -rf build" },
      { tool: "Bash", key: "bash", input: "ls" },
      { tool: "Bash", key: "bash", input: "git status" },
      { tool: "WebFetch", key: "webfetch", input: "https://docs.example.dev" },
    ];
    const rank = { allow: 0, ask: 1, deny: 2 } as const;
    for (const name of ["guard", "asker"]) {
      const own = opencodeEntries(parseFrontmatter(project[`.opencode/agents/${name}.md`]!, name).data.permission);
      const agent = target.agents.find((a) => a.name === name)!;
      for (const s of samples) {
        const inOpencode = opencodeDecision([...OPENCODE_DEFAULTS, ...projectRules, ...own], s.key, s.input);
        const inClaude = claudeDecision(target.permissions, agent, s.tool, s.input);
        expect(
          rank[inClaude],
          `${name}: ${s.tool}(${s.input}) is ${inClaude} in Claude Code, ${inOpencode} in OpenCode`,
        ).toBeGreaterThanOrEqual(rank[inOpencode]);
      }
    }
    expect(source.agents.find((a) => a.name === "guard")!.permission).toBeDefined();
  });
});
