/**
 * Permissions never widen in a port from Claude Code to OpenCode. Generated Claude Code projects (settings
 * with allow / ask / deny rules and a mode, subagents with tool lists, denied tools and their own modes)
 * are ported; the real OpenCode (1.18.33, one `opencode serve` asked about each project) says how it resolves
 * each ported agent's rules; and for sampled commands, paths and URLs OpenCode's decision must be at least as
 * strict as Claude Code's, as quartet reads the Claude Code settings (src/workflow/claude-rules.ts).
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readClaudeWorkflow } from "../src/runtimes/claude/workflow/read.js";
import { claudeDecision } from "../src/runtimes/claude/workflow/rules.js";
import { ASSET_KINDS, type PermissionAction } from "../src/contract/workflow/ir.js";
import { opencodeDecision } from "../src/runtimes/opencode/workflow/rules.js";
import { port } from "../src/workflow/port.js";
import { RUNTIMES } from "../src/runtimes/registry.js";
import { portSettings } from "../src/workflow/settings.js";
import { fileTempDir, tempDir } from "./helpers.js";
import { gitInit, opencodeServer, seedOpencodePluginInstall, type OpencodeServer } from "./runtimes.js";

const STRICTNESS: Record<PermissionAction, number> = { allow: 0, ask: 1, deny: 2 };

const RULES = [
  "Bash",
  "Bash(rm:*)",
  "Bash(rm -rf *)",
  "Bash(git push *)",
  "Bash(git *)",
  "Bash(npm run test:*)",
  "Bash(curl:*)",
  "Read",
  "Read(./.env)",
  "Read(./secrets/**)",
  "Read(./src/**)",
  "Edit",
  "Edit(./src/**)",
  "Edit(./secrets/**)",
  "WebFetch",
  "WebFetch(domain:docs.acme.dev)",
  "Glob",
  "Grep",
];
const TOOLS = ["Bash", "Read", "Edit", "Write", "Glob", "Grep", "WebFetch"];
const MODES = [undefined, "default", "acceptEdits", "plan", "bypassPermissions", "dontAsk"] as const;

/** What each tool is tried with: commands, project-relative paths, URLs. */
const SAMPLES: { tool: string; key: string; inputs: string[] }[] = [
  {
    tool: "Bash",
    key: "bash",
    inputs: [
      "rm -rf build",
      "rm notes.txt",
      "git push origin main",
      "git status",
      "npm run test -- --watch",
      "curl https://x.dev",
      "ls -la",
    ],
  },
  { tool: "Read", key: "read", inputs: [".env", "secrets/key.pem", "src/app.ts", "README.md"] },
  { tool: "Edit", key: "edit", inputs: ["src/app.ts", "secrets/key.pem", "README.md"] },
  { tool: "Write", key: "edit", inputs: ["src/new.ts", "secrets/new.pem"] },
  { tool: "WebFetch", key: "webfetch", inputs: ["https://docs.acme.dev/guide", "https://evil.example/x"] },
  { tool: "Glob", key: "glob", inputs: ["*"] },
  { tool: "Grep", key: "grep", inputs: ["*"] },
];

interface GeneratedAgent {
  tools?: string[];
  disallowedTools?: string[];
  permissionMode?: string;
}
interface GeneratedProject {
  allow: string[];
  ask: string[];
  deny: string[];
  defaultMode?: string;
  agents: GeneratedAgent[];
}

const subset = (items: readonly string[], max: number) => fc.uniqueArray(fc.constantFrom(...items), { maxLength: max });
const agentArb: fc.Arbitrary<GeneratedAgent> = fc.record(
  {
    tools: subset(TOOLS, 4),
    disallowedTools: subset(TOOLS, 2),
    permissionMode: fc.constantFrom(...MODES.filter((m): m is Exclude<(typeof MODES)[number], undefined> => m !== undefined)),
  },
  { requiredKeys: [] },
);
const projectArb: fc.Arbitrary<GeneratedProject> = fc.record({
  allow: subset(RULES, 5),
  ask: subset(RULES, 3),
  deny: subset(RULES, 4),
  defaultMode: fc.option(fc.constantFrom("default", "acceptEdits", "plan", "dontAsk", "bypassPermissions"), { nil: undefined }),
  agents: fc.array(agentArb, { minLength: 3, maxLength: 3 }),
});

/** One OpenCode server, in a HOME of its own, that every generated project is asked about. */
let server: OpencodeServer;

beforeAll(async () => {
  server = await opencodeServer(fileTempDir("quartet-oc-home-"));
}, 180_000);
afterAll(async () => {
  await server?.close();
});

function writeProject(p: GeneratedProject): { dir: string } {
  const dir = tempDir("quartet-perm-");
  fs.mkdirSync(path.join(dir, ".claude", "agents"), { recursive: true });
  const permissions = { allow: p.allow, ask: p.ask, deny: p.deny, ...(p.defaultMode ? { defaultMode: p.defaultMode } : {}) };
  fs.writeFileSync(path.join(dir, ".claude", "settings.json"), JSON.stringify({ permissions }, null, 2));
  p.agents.forEach((a, i) => {
    const fields = [
      `name: agent-${i}`,
      `description: Generated agent ${i}.`,
      ...(a.tools ? [`tools: ${a.tools.join(", ")}`] : []),
      ...(a.disallowedTools ? [`disallowedTools: ${a.disallowedTools.join(", ")}`] : []),
      ...(a.permissionMode ? [`permissionMode: ${a.permissionMode}`] : []),
    ];
    fs.writeFileSync(path.join(dir, ".claude", "agents", `agent-${i}.md`), `---\n${fields.join("\n")}\n---\n\nDo the work.\n`);
  });
  return { dir };
}

/** Ports the project to OpenCode; every place where OpenCode would allow more than Claude Code does. */
async function widenings(p: GeneratedProject): Promise<string[]> {
  const { dir } = writeProject(p);
  const place = {
    root: dir,
    scope: "project" as const,
    home: dir,
    configHome: path.join(dir, ".config"),
    dataDir: tempDir("quartet-data-"),
  };
  const result = await port({
    ...place,
    runtimes: [...RUNTIMES.values()],
    from: "claude",
    to: "opencode",
    only: [...ASSET_KINDS],
    settings: portSettings({ config: {} }),
    force: false,
    dryRun: false,
  });
  expect(result.conflicts).toBe(0);
  // OpenCode installs its plugin package into a project's .opencode/ (with npm) unless it finds it there.
  seedOpencodePluginInstall(path.join(dir, ".opencode"));
  gitInit(dir);
  // The source, as quartet reads it.
  const source = readClaudeWorkflow({ ...place, only: [...ASSET_KINDS] }).workflow;
  const found: string[] = [];
  const resolvedAgents = await server.agents(dir);
  for (const agent of source.agents) {
    const resolved = resolvedAgents.find((a) => a.name === agent.name);
    if (!resolved)
      throw new Error(`OpenCode does not know the ported agent ${agent.name}: ${resolvedAgents.map((a) => a.name).join(", ")}`);
    const entries = resolved.permission.map((r) => ({ key: r.permission, pattern: r.pattern, action: r.action }));
    for (const { tool, key, inputs } of SAMPLES)
      for (const input of inputs) {
        const claude = claudeDecision(source.permissions, agent, tool, input);
        const opencode = opencodeDecision(entries, key, input);
        if (STRICTNESS[opencode] < STRICTNESS[claude])
          found.push(`${agent.name}: ${tool}(${input}) is ${opencode} in OpenCode, ${claude} in Claude Code`);
      }
  }
  return found;
}

describe("a port from Claude Code to OpenCode", () => {
  it("keeps the project's denials for an agent whose tool list names the tool (the reported case)", { timeout: 120_000 }, async () => {
    const found = await widenings({
      allow: [],
      ask: [],
      deny: ["Bash(rm:*)", "Read(./.env)"],
      agents: [{ tools: ["Bash"] }, { tools: ["Read", "Grep"] }, { permissionMode: "bypassPermissions" }],
    });
    expect(found).toEqual([]);
  });

  it("never lets OpenCode allow more than Claude Code, for generated settings and agents", { timeout: 600_000 }, async () => {
    // A fixed seed, so that a run is repeatable; QUARTET_PROPERTY_SEED tries others.
    const seed = Number(process.env.QUARTET_PROPERTY_SEED ?? 20261130);
    await fc.assert(
      fc.asyncProperty(projectArb, async (p) => {
        const found = await widenings(p);
        if (found.length > 0) throw new Error(`widened:\n${found.join("\n")}\nproject: ${JSON.stringify(p)}`);
      }),
      { numRuns: 12, seed, endOnFailure: true },
    );
  });
});
