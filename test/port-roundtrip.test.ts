/**
 * Round trips, as properties over generated workflows: each runtime → another → back gives the same IR for
 * every field the two runtimes' fidelity declarations mark lossless in both directions (and the same command
 * templates, MCP servers, hooks and effective instructions text). Codex has no commands: a trip through it
 * brings each command back as the skill Codex made of it.
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyChanges } from "../src/workflow/apply.js";
import { losslessBothWays } from "../src/contract/workflow/fidelity.js";
import { ASSET_KINDS, type AssetKind, type Scope, type Workflow, type WorkflowRuntime } from "../src/contract/workflow/ir.js";
import { planOutputs } from "../src/workflow/plan.js";
import { assetsOf, port, workflowAdapter, workflowRuntimes } from "../src/workflow/port.js";
import { RUNTIMES } from "../src/runtimes/registry.js";
import { portSettings } from "../src/workflow/settings.js";
import { tempDir } from "./helpers.js";
import { toCodexSkillBody } from "../src/runtimes/codex/workflow/arguments.js";
import type { WorkflowAdapter } from "../src/runtimes/types.js";

const settings = { ...portSettings({ config: {} }), skills: "copy" as const };
const name = fc.stringMatching(/^[a-z][a-z0-9]{1,6}(-[a-z0-9]{1,5})?$/);
const text = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ,.()'-]{0,40}[A-Za-z0-9.]$/);
const WORKFLOW_RUNTIMES = workflowRuntimes([...RUNTIMES.values()]);
const adapters: Record<WorkflowRuntime, WorkflowAdapter> = Object.fromEntries(
  await Promise.all(WORKFLOW_RUNTIMES.map(async (id) => [id, await workflowAdapter({ runtimes: [...RUNTIMES.values()], id })] as const)),
);
const names = Object.fromEntries(WORKFLOW_RUNTIMES.map((id) => [id, adapters[id]!.fidelity.name]));

const body = fc.array(text, { minLength: 1, maxLength: 3 }).map((lines) => `${lines.join("\n")}\n`);
const source = { file: "generated" };

/** A command template in Claude Code's syntax, using the features both runtimes share. */
const template = fc
  .array(
    fc.oneof(
      text,
      fc.constant("$ARGUMENTS"),
      fc.integer({ min: 0, max: 2 }).map((n) => `argument $${n}`),
      fc.constant("!`git status --short`"),
      fc.constant("see @README.md"),
    ),
    {
      minLength: 1,
      maxLength: 4,
    },
  )
  .map((parts) => `${parts.join("\n")}\n`);

const agents = fc.uniqueArray(
  fc.record({
    name,
    description: text,
    prompt: body,
    tools: fc.option(fc.subarray(["Read", "Grep", "Glob", "Bash"], { minLength: 1 }), { nil: undefined }),
  }),
  { selector: (a) => a.name, maxLength: 3 },
);
/** Commands, some in a folder when `folders`. */
const commands = (folders: boolean) =>
  fc.uniqueArray(
    fc.record({
      name: fc
        .tuple(folders ? fc.option(name, { nil: undefined }) : fc.constant(undefined), name)
        .map(([folder, n]) => (folder ? `${folder}/${n}` : n)),
      description: text,
      template,
      subtask: fc.option(fc.constant(true), { nil: undefined }),
      argumentHint: fc.option(fc.constantFrom("[file]", "<issue> [branch]"), { nil: undefined }),
    }),
    { selector: (c) => c.name, maxLength: 3 },
  );
const skills = fc.uniqueArray(fc.record({ name, description: text, body, extra: fc.boolean() }), { selector: (s) => s.name, maxLength: 2 });
const mcp = fc.uniqueArray(
  fc.oneof(
    fc.record({ name, transport: fc.constant("stdio" as const), command: name, args: fc.array(name, { maxLength: 2 }) }),
    fc.record({
      name,
      transport: fc.constant("http" as const),
      url: name.map((n) => `https://${n}.example.com/mcp`),
      headers: fc.constant({ Authorization: "Bearer ${TOKEN}" }),
    }),
  ),
  { selector: (m) => m.name, maxLength: 3 },
);
/** Command hooks on the events all three runtimes have (OpenCode's through quartet's plugin). */
const hooks = fc.array(
  fc.record({
    event: fc.constantFrom("PreToolUse", "PostToolUse", "UserPromptSubmit", "SessionStart", "Stop", "PermissionRequest", "PreCompact"),
    command: fc.tuple(name, fc.array(name, { maxLength: 2 })).map(([c, args]) => [`./${c}.sh`, ...args].join(" ")),
    timeout: fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }),
    statusMessage: fc.option(text, { nil: undefined }),
    async: fc.option(fc.boolean(), { nil: undefined }),
  }),
  { maxLength: 3 },
);
const workflowArb = (folders: boolean) =>
  fc.record({ agents, commands: commands(folders), skills, mcp, hooks, instructions: fc.option(body, { nil: undefined }) });
type Generated = ReturnType<typeof workflowArb> extends fc.Arbitrary<infer T> ? T : never;

/**
 * Where each runtime keeps its workflow in a folder, at each scope: its instructions file (written as the user
 * would), and the top-level entries only it reads (left behind when a port's result moves on alone). A project's
 * AGENTS.md is in no list: OpenCode and Codex share it, and a ported CLAUDE.md imports it.
 */
const PLACES: Record<string, Record<Scope, { instructions: string; own: string[] }>> = {
  claude: {
    project: { instructions: "CLAUDE.md", own: [".claude", "CLAUDE.md", ".mcp.json"] },
    user: { instructions: ".claude/CLAUDE.md", own: [".claude", ".claude.json"] },
  },
  opencode: {
    project: { instructions: "AGENTS.md", own: [".opencode", "opencode.json"] },
    user: { instructions: ".config/opencode/AGENTS.md", own: [".config"] },
  },
  codex: {
    project: { instructions: "AGENTS.md", own: [".codex"] },
    user: { instructions: ".codex/AGENTS.md", own: [".codex"] },
  },
};

/** A folder as `scope` sees it: a project, or a home folder (whose ~/.config is inside it). */
function place(dir: string, scope: Scope) {
  return { root: dir, scope, home: dir, configHome: path.join(dir, ".config") };
}

/** The generated workflow as `runtime` would hold it, written to disk by that runtime's own writer. */
function materialise(g: Generated, runtime: WorkflowRuntime, scope: Scope): string {
  const dir = tempDir("quartet-roundtrip-");
  // Skills start in a folder no runtime reads; the writer copies them into its own.
  const staging = ".staging";
  for (const s of g.skills) {
    fs.mkdirSync(path.join(dir, staging, s.name), { recursive: true });
    fs.writeFileSync(path.join(dir, staging, s.name, "SKILL.md"), `---\nname: ${s.name}\ndescription: ${s.description}\n---\n\n${s.body}`);
    if (s.extra) fs.writeFileSync(path.join(dir, staging, s.name, "notes.txt"), `notes for ${s.name}\n`);
  }
  const wf: Workflow = {
    runtime: WORKFLOW_RUNTIMES.find((r) => r !== runtime)!,
    scope,
    agents: g.agents.map((a) => ({ ...a, ...(a.tools ? {} : { tools: undefined }), extras: {}, source })).map(dropUndefined),
    commands: g.commands.map((c) => dropUndefined({ ...c, extras: {}, source })),
    skills: g.skills.map((s) => ({
      name: s.name,
      dir: `${staging}/${s.name}`,
      frontmatter: { name: s.name, description: s.description },
      body: s.body,
      files: s.extra ? ["notes.txt"] : [],
      extras: {},
      source,
    })),
    mcp: g.mcp.map((m) => ({ ...m, extras: {}, source })),
    hooks: g.hooks.map((h) =>
      dropUndefined({ ...h, type: "command", ...(h.event.endsWith("ToolUse") ? { matcher: "Bash" } : {}), extras: {}, source }),
    ),
    unportable: [],
  };
  // Instructions are one file in each runtime: write it as the user would.
  if (g.instructions) {
    const file = path.join(dir, PLACES[runtime]![scope].instructions);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, g.instructions);
  }
  const written = adapters[runtime]!.write({
    workflow: wf,
    ...place(dir, scope),
    settings,
    from: adapters[runtime]!.fidelity,
    owns: () => true,
  });
  const plan = planOutputs({ outputs: written.outputs, root: dir, lock: { version: 1, entries: {} } });
  applyChanges(plan.files.map((f) => ({ file: f.file, content: f.after })));
  fs.rmSync(path.join(dir, staging), { recursive: true, force: true });
  return dir;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function read(runtime: WorkflowRuntime, dir: string, scope: Scope): Workflow {
  const r = adapters[runtime]!.read({ ...place(dir, scope), only: ASSET_KINDS });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.workflow;
}

/** Ports `from` → `to` in `dir`, then copies all but what only `from` reads into a fresh folder. */
async function portAcross(dir: string, from: WorkflowRuntime, to: WorkflowRuntime, scope: Scope): Promise<string> {
  await port({
    ...place(dir, scope),
    dataDir: tempDir(),
    runtimes: [...RUNTIMES.values()],
    from,
    to,
    only: ASSET_KINDS,
    settings,
    force: false,
    dryRun: false,
  });
  // A ported CLAUDE.md may import the source's own instructions file (~/.codex/AGENTS.md): that one stays.
  const imported = new Set((read(to, dir, scope).instructions?.imports ?? []).map((i) => path.resolve(dir, i.file)));
  const next = tempDir("quartet-roundtrip-");
  const sourceOnly = PLACES[from]![scope].own;
  fs.cpSync(dir, next, {
    recursive: true,
    filter: (f) =>
      f === dir ||
      (!f.includes(".quartet") &&
        (!sourceOnly.includes(path.relative(dir, f).split(path.sep)[0]!) ||
          [...imported].some((i) => (i + path.sep).startsWith(f + path.sep)))),
  });
  return next;
}

/**
 * Each asset reduced to the fields that must survive the round trip between `a` and `b`: those lossless both
 * ways; a kind with none (Codex has no agents) is left out.
 */
function comparable(wf: Workflow, a: WorkflowRuntime, b: WorkflowRuntime): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, asset] of assetsOf(wf)) {
    const fields = losslessBothWays(adapters[a]!.fidelity, adapters[b]!.fidelity, asset.ref.kind as AssetKind);
    if (fields.length === 0) continue;
    const value = asset.value as Record<string, unknown>;
    out[id] = Object.fromEntries(fields.filter((f) => value[f] !== undefined).map((f) => [f, value[f]]));
  }
  return out;
}

/**
 * `wf` as it comes back from Codex, which has no commands: each command is the skill Codex made of it (its
 * name, its description, its template with the arguments said in words), unless a skill has its name.
 */
function commandsAsCodexSkills(wf: Workflow): Workflow {
  const taken = new Set(wf.skills.map((s) => s.name));
  const fromCommands = wf.commands
    .filter((c) => !taken.has(c.name))
    .map((c) => ({
      name: c.name,
      dir: c.name,
      frontmatter: { name: c.name, description: c.description },
      body: toCodexSkillBody(c.template, c.name).text,
      files: [],
      extras: {},
      source: c.source,
    }));
  return { ...wf, commands: [], skills: [...wf.skills, ...fromCommands].sort((a, b) => a.name.localeCompare(b.name)) };
}

/**
 * Each hook's event, matcher, command and timeout (exact for command hooks on events both runtimes have),
 * and the hook fields the two runtimes declare lossless both ways. Grouped by event and matcher, in order:
 * Claude Code and Codex keep hooks in those groups, and only the order within one is the order they run in.
 */
function comparableHooks(wf: Workflow, a: WorkflowRuntime, b: WorkflowRuntime): unknown[] {
  const fields = losslessBothWays(adapters[a]!.fidelity, adapters[b]!.fidelity, "hooks");
  const group = (h: Workflow["hooks"][number]) => `${h.event}|${h.matcher ?? ""}`;
  const groups = [...new Set(wf.hooks.map(group))].sort();
  return groups
    .flatMap((g) => wf.hooks.filter((h) => group(h) === g))
    .map((h) => {
      const value = h as Record<string, unknown>;
      const kept = Object.fromEntries(fields.filter((f) => value[f] !== undefined).map((f) => [f, value[f]]));
      return { event: h.event, matcher: h.matcher, command: h.command, timeout: h.timeout, ...kept };
    });
}

/** CLAUDE.md with its imports expanded, or AGENTS.md: what the model reads. */
function effectiveInstructions(wf: Workflow, dir: string): string | undefined {
  const main = wf.instructions?.main;
  if (!main) return undefined;
  // `~/` is the folder itself: a user-scope trip uses it as the home folder.
  return main.text.replace(/^@(\S+)\s*$/gm, (_, ref: string) => fs.readFileSync(path.join(dir, ref.replace(/^~\//, "")), "utf8")).trim();
}

/**
 * The trips: Claude Code ↔ OpenCode in a project; Codex at user scope, where it also reads old custom prompts.
 * Codex turns a command in a folder into a `folder-name` skill (declared lossy), so its trips generate
 * commands without folders.
 */
const TRIPS: { from: WorkflowRuntime; via: WorkflowRuntime; scope: Scope; numRuns: number }[] = [
  { from: "claude", via: "opencode", scope: "project", numRuns: 25 },
  { from: "opencode", via: "claude", scope: "project", numRuns: 25 },
  { from: "claude", via: "codex", scope: "user", numRuns: 20 },
  { from: "codex", via: "claude", scope: "user", numRuns: 20 },
  { from: "opencode", via: "codex", scope: "user", numRuns: 15 },
  { from: "codex", via: "opencode", scope: "user", numRuns: 15 },
];

describe("round trips keep every lossless field", () => {
  it("cover every runtime the registry can port", () => {
    expect(new Set(TRIPS.flatMap((t) => [t.from, t.via]))).toEqual(new Set(WORKFLOW_RUNTIMES));
    expect(Object.keys(PLACES).sort()).toEqual([...WORKFLOW_RUNTIMES].sort());
  });

  for (const { from, via, scope, numRuns } of TRIPS)
    it(`${names[from]} → ${names[via]} → ${names[from]} (${scope})`, async () => {
      const folders = from !== "codex" && via !== "codex";
      await fc.assert(
        fc.asyncProperty(workflowArb(folders), async (g) => {
          const a = materialise(g, from, scope);
          const first = read(from, a, scope);
          const b = await portAcross(a, from, via, scope);
          const c = await portAcross(b, via, from, scope);
          const back = read(from, c, scope);
          const expected = via === "codex" ? commandsAsCodexSkills(first) : first;
          expect(comparable(back, from, via)).toEqual(comparable(expected, from, via));
          expect(back.commands.map((x) => [x.name, x.template])).toEqual(expected.commands.map((x) => [x.name, x.template]));
          expect(back.mcp.map((m) => m.name)).toEqual(first.mcp.map((m) => m.name));
          expect(comparableHooks(back, from, via)).toEqual(comparableHooks(first, from, via));
          expect(effectiveInstructions(back, c)).toEqual(effectiveInstructions(first, a));
        }),
        { numRuns },
      );
    });
});
