/**
 * Ported workflows checked by the real pinned runtimes (opencode 1.18.33, claude 2.1.197), offline, each
 * in a temporary HOME: OpenCode accepts the config and resolves the mapped agents; ported commands put
 * their arguments where they belong in the prompt OpenCode sends; the hooks plugin runs the ported hook;
 * Claude Code lists the ported MCP servers and shows the ported agents, commands and skills to the model.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findBinary } from "../src/core/binaries.js";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { parseScenario, startLabEndpoint } from "../src/lab/lab.js";
import type { LabRequest } from "../src/lab/model-session.js";
import { readClaudeWorkflow } from "../src/runtimes/claude/workflow/read.js";
import { readOpencodeWorkflow } from "../src/runtimes/opencode/workflow/read.js";
import { ASSET_KINDS, type PermissionAction } from "../src/contract/workflow/ir.js";
import { opencodeDecision } from "../src/runtimes/opencode/workflow/rules.js";
import { fileTempDir, tempDir } from "./helpers.js";
import { portCli, workflowFixture } from "./port.js";
import { CLAUDE_HARD_CASE_AGENTS, CLAUDE_HARD_CASES, OPENCODE_SUITE, OPENCODE_SUITE_AGENTS, writeProject } from "./port-corpus.js";
import {
  claudeInit,
  gitInit,
  opencode,
  opencodeConfig,
  opencodeEnv,
  run,
  seedOpencodeHome,
  seedOpencodePluginInstall,
} from "./runtimes.js";

/**
 * One OpenCode home for the file. On its first start in a home (and in each project's .opencode/ with a
 * plugin) OpenCode npm-installs @opencode-ai/plugin; the home and each ported project get the install made once
 * per machine instead (seedOpencodePluginInstall).
 */
const ocHome = fileTempDir("quartet-oc-home-");
seedOpencodeHome(ocHome);
const claude = findBinary("claude")!.path;

type Body = { tools?: unknown[]; messages: { role: string; content: string | { type: string; text?: string }[] }[] };
const body = (r: LabRequest) => r.body as Body;
/** The first request that offered tools (the main conversation's first). */
const firstMain = (requests: readonly LabRequest[]) => requests.find((r) => (body(r).tools ?? []).length > 0)!;

/** The last user message of the first main request: the prompt the runtime built. */
function prompt(requests: readonly LabRequest[]): string {
  const messages = body(firstMain(requests)).messages;
  const last = messages[messages.length - 1]!;
  return typeof last.content === "string" ? last.content : last.content.map((c) => c.text ?? "").join("\n");
}

describe("a Claude Code workflow ported to OpenCode, run by opencode 1.18.33", () => {
  let dir: string;
  let home: string;
  beforeAll(async () => {
    dir = workflowFixture("claude", "file");
    home = ocHome;
    const r = await portCli(dir, ["claude", "opencode"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    seedOpencodePluginInstall(path.join(dir, ".opencode"));
    gitInit(dir);
  }, 60_000);

  // First (should the seeded install be missing): a short `opencode debug config` in a fresh home starts
  // OpenCode's background npm install and exits, and the next OpenCode start then waits about 70 s on it.
  it("resolves the mapped model and permissions in `opencode debug agent`", { timeout: 180_000 }, async () => {
    const r = await run(opencode, ["debug", "agent", "security-auditor"], { cwd: dir, env: opencodeEnv(home) });
    expect(r.code, r.output).toBe(0);
    const agent = JSON.parse(r.output.slice(r.output.indexOf("{"))) as {
      model: unknown;
      permission: { permission: string; action: string; pattern: string }[];
      tools: Record<string, boolean>;
    };
    expect(agent.model).toEqual({ providerID: "anthropic", modelID: "claude-opus-4-8" });
    // Decided as Claude Code decides for this agent: its tools only, and the project's rules still apply.
    const rules = agent.permission.map((p) => ({ key: p.permission, pattern: p.pattern, action: p.action as PermissionAction }));
    expect(opencodeDecision(rules, "read", "src/app.ts")).toBe("allow");
    expect(opencodeDecision(rules, "read", ".env")).toBe("deny");
    // Claude Code allows docs.acme.dev only; OpenCode's webfetch takes no pattern, so it asks for every URL.
    expect(opencodeDecision(rules, "webfetch", "https://docs.acme.dev/x")).toBe("ask");
    expect(opencodeDecision(rules, "bash", "ls")).toBe("deny");
    expect(opencodeDecision(rules, "edit", "src/app.ts")).toBe("deny");
    expect(agent.tools).toMatchObject({ read: true, grep: true, glob: true, webfetch: true, bash: false, edit: false });

    const runner = await run(opencode, ["debug", "agent", "test-runner"], { cwd: dir, env: opencodeEnv(home) });
    expect(JSON.parse(runner.output.slice(runner.output.indexOf("{")))).toMatchObject({
      model: { providerID: "anthropic", modelID: "claude-haiku-4-5-20251001" },
      steps: 20,
      tools: { bash: true, read: true, edit: true, write: true, grep: false },
    });
  });

  it("passes `opencode debug config --pure`", { timeout: 180_000 }, async () => {
    const r = await run(opencode, ["debug", "config", "--pure"], { cwd: dir, env: opencodeEnv(home) });
    expect(r.code, r.output).toBe(0);
    const config = JSON.parse(r.output.slice(r.output.indexOf("{"))) as { mcp: Record<string, unknown>; agent: Record<string, unknown> };
    expect(Object.keys(config.mcp).sort()).toEqual(["docs", "github", "postgres", "sentry"]);
    expect(Object.keys(config.agent)).toEqual(
      expect.arrayContaining(["code-reviewer", "test-runner", "security-auditor", "docs-writer", "db-migrator", "planner"]),
    );
  });

  it("runs ported commands with their arguments in the right places", async () => {
    const scenario = parseScenario("name: commands\ndescription: answers\nsteps:\n  - prompt: unused\n", "inline");
    fs.writeFileSync(path.join(dir, "NEW.txt"), "untracked\n");
    for (const [command, args, expected] of [
      ["fix-issue", ["12", "high"], ["Fix issue #12 (priority: high). Read"]],
      ["git/commit", ["payments"], ["?? NEW.txt", "in the form `payments: what changed`"]],
      ["db/migrate", ["add_orders"], ["Create a migration named add_orders for the schema in ./db/schema.sql."]],
    ] as const) {
      const endpoint = await startLabEndpoint({ scenario, workspace: dir });
      try {
        const r = await run(opencode, ["run", "--command", command, ...args], { cwd: dir, env: opencodeEnv(home, endpoint.url) });
        expect(r.code, `${command}: ${r.output}`).toBe(0);
        const sent = prompt(endpoint.model.requests);
        for (const text of expected) expect(sent, command).toContain(text);
      } finally {
        await endpoint.close();
      }
    }
  }, 300_000);
});

describe("ported hooks, run by OpenCode's plugin", () => {
  it("blocks a tool call when the PreToolUse hook exits 2, and runs the Stop hook", async () => {
    const dir = tempDir("quartet-hooks-");
    const home = ocHome;
    fs.mkdirSync(path.join(dir, ".claude"));
    const guard =
      'cat > "$CLAUDE_PROJECT_DIR/pre-tool.json"; if grep -q forbidden "$CLAUDE_PROJECT_DIR/pre-tool.json"; then echo "forbidden commands are not allowed here" >&2; exit 2; fi';
    fs.writeFileSync(
      path.join(dir, ".claude/settings.json"),
      JSON.stringify({
        hooks: {
          PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: guard }] }],
          // Exec form (`args`, no shell): the placeholder is filled in per argument.
          Stop: [{ hooks: [{ type: "command", command: "tee", args: ["${CLAUDE_PROJECT_DIR}/stop.json"] }] }],
        },
      }),
    );
    const r = await portCli(dir, ["claude", "opencode", "--only", "hooks"]);
    expect(r.code, r.stdout).toBe(0);
    seedOpencodePluginInstall(path.join(dir, ".opencode"));
    gitInit(dir);
    const scenario = parseScenario(
      "name: hooks\ndescription: runs a forbidden command\nsteps:\n  - prompt: Run the forbidden command.\n    actions:\n      - bash: echo forbidden\n      - say: Tried.\n",
      "inline",
    );
    const endpoint = await startLabEndpoint({ scenario, workspace: dir });
    try {
      const run1 = await run(opencode, ["run", "Run the forbidden command."], { cwd: dir, env: opencodeEnv(home, endpoint.url) });
      expect(run1.code, run1.output).toBe(0);
      const input = JSON.parse(fs.readFileSync(path.join(dir, "pre-tool.json"), "utf8"));
      expect(input).toMatchObject({
        hook_event_name: "PreToolUse",
        tool_name: "Bash",
        tool_input: { command: "echo forbidden" },
        cwd: dir,
      });
      const after = endpoint.model.requests.filter((q) => (body(q).tools ?? []).length > 0).at(-1)!;
      expect(JSON.stringify(body(after).messages.at(-1))).toContain("forbidden commands are not allowed here");
      await expect.poll(() => fs.existsSync(path.join(dir, "stop.json")), { timeout: 10_000 }).toBe(true);
      expect(JSON.parse(fs.readFileSync(path.join(dir, "stop.json"), "utf8"))).toMatchObject({ hook_event_name: "Stop" });
    } finally {
      await endpoint.close();
    }
  }, 180_000);
});

describe("an OpenCode workflow ported to Claude Code, run by claude 2.1.197", () => {
  let dir: string;
  let home: string;
  beforeAll(async () => {
    dir = workflowFixture("opencode", "file");
    home = fileTempDir("quartet-cc-home-");
    fs.writeFileSync(path.join(home, ".claude.json"), JSON.stringify({ hasCompletedOnboarding: true }));
    const r = await portCli(dir, ["opencode", "claude"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    gitInit(dir);
  }, 60_000);

  it("lists the ported MCP servers in `claude mcp list`", async () => {
    const r = await run(claude, ["mcp", "list"], { cwd: dir, env: { HOME: home, ANTHROPIC_API_KEY: LAB_API_KEY } });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/context7: https:\/\/mcp\.context7\.com\/mcp \(HTTP\)/);
    expect(r.output).toMatch(/notes: node tools\/notes-mcp\.mjs \$\{HOME\}\/notes/);
    expect(r.output).toMatch(/browser: node tools\/browser-mcp\.mjs/);
    expect(r.output).toMatch(/grafana: https:\/\/grafana\.acme\.dev\/mcp \(HTTP\)/);
  }, 120_000);

  it("shows the ported agents, commands and skills to the model in `claude -p`", async () => {
    const scenario = parseScenario(
      "name: listing\ndescription: answers\nsteps:\n  - prompt: Say hello.\n    actions:\n      - say: Hello.\n",
      "inline",
    );
    const endpoint = await startLabEndpoint({ scenario, workspace: dir });
    try {
      const r = await run(claude, ["-p", "Say hello.", "--model", "claude-sonnet-4-5"], {
        cwd: dir,
        env: {
          HOME: home,
          ANTHROPIC_BASE_URL: endpoint.url,
          ANTHROPIC_API_KEY: LAB_API_KEY,
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
          DISABLE_AUTOUPDATER: "1",
        },
      });
      expect(r.code, r.output).toBe(0);
      const context = JSON.stringify(body(firstMain(endpoint.model.requests)).messages[0]);
      for (const agent of [
        "build-fixer: Fixes a failing build or failing tests",
        "reviewer: Reviews changes before they are merged",
        "team/architect: Designs larger changes",
        "quick: Answers short questions",
      ]) {
        expect(context).toContain(agent);
      }
      for (const entry of [
        "- git:squash: Squash the last commits into one",
        "- review: Review a branch",
        "- release:tag: Tag a release",
        "- changelog: Keeps CHANGELOG.md",
        "- k8s-debug: Debugs a failing Kubernetes",
      ]) {
        expect(context).toContain(entry);
      }
      expect(context).toContain("Keep handlers thin");
    } finally {
      await endpoint.close();
    }
  }, 120_000);
});

describe("the runtimes are the judge of what a port reads", () => {
  const CLAUDE_BUILT_INS = ["claude", "Explore", "general-purpose", "Plan", "statusline-setup"];
  const OPENCODE_BUILT_INS = ["build", "plan", "general", "explore", "compaction", "title", "summary"];

  it("reads the Claude Code hard cases exactly as claude 2.1.197 loads them", async () => {
    const dir = corpusProject(CLAUDE_HARD_CASES);
    const home = fileTempDir("quartet-cc-home-");
    fs.writeFileSync(path.join(home, ".claude.json"), JSON.stringify({ hasCompletedOnboarding: true }));
    const init = await claudeInit(dir, home);
    const loaded = init.agents.filter((a) => !CLAUDE_BUILT_INS.includes(a));
    expect(loaded.sort()).toEqual([...CLAUDE_HARD_CASE_AGENTS].sort());
    expect(init.slash_commands).toEqual(expect.arrayContaining(["optimize", "commit", "count", "broken"]));
    const read = readClaudeWorkflow({
      root: dir,
      scope: "project",
      home,
      configHome: path.join(home, ".config"),
      only: [...ASSET_KINDS],
    }).workflow;
    expect(read.agents.map((a) => a.name).sort()).toEqual(loaded.sort());
    expect(read.commands.map((c) => c.name).sort()).toEqual(["broken", "commit", "count", "optimize"]);
  }, 120_000);

  it("reads the OpenCode suite exactly as opencode 1.18.33 loads it, and Claude Code loads its port", async () => {
    const dir = corpusProject(OPENCODE_SUITE);
    const config = await opencodeConfig(dir, ocHome);
    const loaded = Object.keys(config.agent).filter((a) => !OPENCODE_BUILT_INS.includes(a));
    expect(loaded.sort()).toEqual([...OPENCODE_SUITE_AGENTS].sort());
    const layout = { root: dir, scope: "project" as const, home: ocHome, configHome: path.join(ocHome, ".config") };
    const read = readOpencodeWorkflow({ ...layout, only: [...ASSET_KINDS] }).workflow;
    expect(read.agents.map((a) => a.name).sort()).toEqual(loaded.sort());
    expect(read.agents.find((a) => a.name === "planner")!.prompt.trim()).toBe(config.agent.planner!.prompt);
    expect(read.commands.find((c) => c.name === "hello")!.template.trim()).toBe(config.command.hello!.template);

    const r = await portCli(dir, ["opencode", "claude"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const home = fileTempDir("quartet-cc-home-");
    fs.writeFileSync(path.join(home, ".claude.json"), JSON.stringify({ hasCompletedOnboarding: true }));
    const init = await claudeInit(dir, home);
    expect(init.agents).toEqual(expect.arrayContaining(OPENCODE_SUITE_AGENTS));
    expect(init.slash_commands).toEqual(expect.arrayContaining(["hello", "team:deploy"]));
  }, 180_000);
});

/** A git project holding exactly these files. */
function corpusProject(files: Record<string, string>): string {
  const dir = writeProject(files);
  gitInit(dir);
  return dir;
}
