/**
 * Round trips, as properties over generated workflows: Claude Code → OpenCode → Claude Code and
 * OpenCode → Claude Code → OpenCode give back the same IR for every field the fidelity table marks
 * lossless in both directions (and the same effective instructions text).
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyChanges } from "../src/workflow/apply.js";
import { losslessBothWays } from "../src/contract/workflow/fidelity.js";
import { ASSET_KINDS, type AssetKind, type Workflow, type WorkflowRuntime } from "../src/contract/workflow/ir.js";
import { planOutputs } from "../src/workflow/plan.js";
import { assetsOf, port, workflowAdapter } from "../src/workflow/port.js";
import { RUNTIMES } from "../src/runtimes/registry.js";
import { portSettings } from "../src/workflow/settings.js";
import { tempDir } from "./helpers.js";
import type { WorkflowAdapter } from "../src/runtimes/types.js";

const settings = { ...portSettings({ config: {} }), skills: "copy" as const };
const name = fc.stringMatching(/^[a-z][a-z0-9]{1,6}(-[a-z0-9]{1,5})?$/);
const text = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ,.()'-]{0,40}[A-Za-z0-9.]$/);
const adapters: Record<Side, WorkflowAdapter> = {
  claude: await workflowAdapter({ runtimes: [...RUNTIMES.values()], id: "claude" }),
  opencode: await workflowAdapter({ runtimes: [...RUNTIMES.values()], id: "opencode" }),
};
type Side = "claude" | "opencode";

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
const commands = fc.uniqueArray(
  fc.record({
    name: fc.tuple(fc.option(name, { nil: undefined }), name).map(([folder, n]) => (folder ? `${folder}/${n}` : n)),
    description: text,
    template,
    subtask: fc.option(fc.constant(true), { nil: undefined }),
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
const workflowArb = fc.record({ agents, commands, skills, mcp, instructions: fc.option(body, { nil: undefined }) });
type Generated = typeof workflowArb extends fc.Arbitrary<infer T> ? T : never;

/** The generated workflow as `runtime` would hold it, written to disk by that runtime's own writer. */
function materialise(g: Generated, runtime: Side): string {
  const dir = tempDir("quartet-roundtrip-");
  const skillRoot = runtime === "claude" ? ".claude/skills" : ".opencode/skills";
  for (const s of g.skills) {
    fs.mkdirSync(path.join(dir, skillRoot, s.name), { recursive: true });
    if (s.extra) fs.writeFileSync(path.join(dir, skillRoot, s.name, "notes.txt"), `notes for ${s.name}\n`);
  }
  const wf: Workflow = {
    runtime: runtime === "claude" ? "opencode" : "claude",
    scope: "project",
    agents: g.agents.map((a) => ({ ...a, ...(a.tools ? {} : { tools: undefined }), extras: {}, source })).map(dropUndefined),
    commands: g.commands.map((c) => dropUndefined({ ...c, extras: {}, source })),
    skills: g.skills.map((s) => ({
      name: s.name,
      dir: `${skillRoot}/${s.name}`,
      frontmatter: { name: s.name, description: s.description },
      body: s.body,
      files: s.extra ? ["notes.txt"] : [],
      extras: {},
      source,
    })),
    mcp: g.mcp.map((m) => ({ ...m, extras: {}, source })),
    hooks: [],
    unportable: [],
  };
  // Instructions are one file in each runtime: write it as the user would.
  if (g.instructions) fs.writeFileSync(path.join(dir, runtime === "claude" ? "CLAUDE.md" : "AGENTS.md"), g.instructions);
  const written = adapters[runtime].write({
    workflow: wf,
    root: dir,
    scope: "project",
    home: dir,
    configHome: path.join(dir, ".config"),
    settings,
    from: adapters[runtime].fidelity,
    owns: () => true,
  });
  // Skill files: the writer copies SKILL.md from the source folder, so write those first.
  for (const s of wf.skills)
    fs.writeFileSync(
      path.join(dir, s.dir, "SKILL.md"),
      `---\nname: ${s.name}\ndescription: ${s.frontmatter.description}\n---\n\n${s.body}`,
    );
  const plan = planOutputs({
    outputs: written.outputs.filter((o) => !(o.kind === "copy" && o.from === o.file)),
    root: dir,
    lock: { version: 1, entries: {} },
  });
  applyChanges(plan.files.map((f) => ({ file: f.file, content: f.after })));
  return dir;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function read(runtime: Side, dir: string): Workflow {
  const r = adapters[runtime].read({
    root: dir,
    scope: "project",
    home: dir,
    configHome: path.join(dir, ".config"),
    only: ASSET_KINDS,
  });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.workflow;
}

/**
 * Ports `from` → `to` in `dir`, then copies only the `to` side into a fresh folder. AGENTS.md belongs to
 * both: a ported CLAUDE.md imports it.
 */
async function portAcross(dir: string, from: WorkflowRuntime, to: WorkflowRuntime): Promise<string> {
  const place = { root: dir, scope: "project" as const, home: dir, configHome: path.join(dir, ".config"), dataDir: tempDir() };
  await port({ ...place, runtimes: [...RUNTIMES.values()], from, to, only: ASSET_KINDS, settings, force: false, dryRun: false });
  const next = tempDir("quartet-roundtrip-");
  const sourceOnly = from === "claude" ? [".claude", "CLAUDE.md", ".mcp.json"] : [".opencode", "opencode.json"];
  fs.cpSync(dir, next, {
    recursive: true,
    filter: (f) => f === dir || (!sourceOnly.includes(path.relative(dir, f).split(path.sep)[0]!) && !f.includes(".quartet")),
  });
  return next;
}

/** Each asset reduced to the fields that must survive a round trip. */
function comparable(wf: Workflow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, a] of assetsOf(wf)) {
    const fields = losslessBothWays(adapters.claude.fidelity, adapters.opencode.fidelity, a.ref.kind as AssetKind);
    const value = a.value as Record<string, unknown>;
    out[id] = Object.fromEntries(fields.filter((f) => value[f] !== undefined).map((f) => [f, value[f]]));
  }
  return out;
}

/** CLAUDE.md with its imports expanded, or AGENTS.md: what the model reads. */
function effectiveInstructions(wf: Workflow, dir: string): string | undefined {
  const main = wf.instructions?.main;
  if (!main) return undefined;
  return main.text.replace(/^@(\S+)\s*$/gm, (_, ref: string) => fs.readFileSync(path.join(dir, ref), "utf8")).trim();
}

describe("round trips keep every lossless field", () => {
  it("Claude Code → OpenCode → Claude Code", async () => {
    await fc.assert(
      fc.asyncProperty(workflowArb, async (g) => {
        const a = materialise(g, "claude");
        const first = read("claude", a);
        const b = await portAcross(a, "claude", "opencode");
        const c = await portAcross(b, "opencode", "claude");
        const back = read("claude", c);
        expect(comparable(back)).toEqual(comparable(first));
        expect(back.commands.map((x) => [x.name, x.template])).toEqual(first.commands.map((x) => [x.name, x.template]));
        expect(effectiveInstructions(back, c)).toEqual(effectiveInstructions(first, a));
      }),
      { numRuns: 25 },
    );
  });

  it("OpenCode → Claude Code → OpenCode", async () => {
    await fc.assert(
      fc.asyncProperty(workflowArb, async (g) => {
        const a = materialise(g, "opencode");
        const first = read("opencode", a);
        const b = await portAcross(a, "opencode", "claude");
        const c = await portAcross(b, "claude", "opencode");
        const back = read("opencode", c);
        expect(comparable(back)).toEqual(comparable(first));
        expect(back.commands.map((x) => [x.name, x.template])).toEqual(first.commands.map((x) => [x.name, x.template]));
        expect(back.mcp.map((m) => m.name)).toEqual(first.mcp.map((m) => m.name));
        expect(effectiveInstructions(back, c)).toEqual(effectiveInstructions(first, a));
      }),
      { numRuns: 25 },
    );
  });
});
