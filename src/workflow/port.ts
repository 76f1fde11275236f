/**
 * Porting a workflow: read the source runtime into the IR, let the target runtime say what it would write,
 * plan that against the files as they are, and (unless it is a dry run, or there are conflicts and no
 * --force) write everything at once together with the lock.
 */
import { UsageError } from "../core/errors.js";
import type { RuntimeAdapter, WorkflowAdapter } from "../runtimes/types.js";
import type { RuntimeFidelity } from "../contract/workflow/fidelity.js";
import { applyChanges, type FileChange } from "./apply.js";
import type { AssetKind, Diagnostic, Scope, Workflow, WorkflowRuntime } from "../contract/workflow/ir.js";
import { lockKey, lockLocation, lockText, ownsFile, readLock, type LockEntry, type PortLock } from "./lock.js";
import { assetId, canonicalJson, outputTarget, sha, type AssetRef, type Loss } from "../contract/workflow/outputs.js";
import { planOutputs, type Plan } from "./plan.js";
import type { PortSettings } from "../contract/workflow/port-settings.js";

export interface PortPlace {
  /** The project folder, or the home folder for user scope. */
  root: string;
  scope: Scope;
  home: string;
  configHome: string;
  /** quartet's data dir (the user-scope lock lives there). */
  dataDir: string;
}

/**
 * The runtimes a port moves between, in display order, as the CLI hands them in (the registry's, or a test's):
 * those without a workflow part are left out.
 */
export type PortRuntimes = readonly RuntimeAdapter[];

export interface PortRequest extends PortPlace {
  runtimes: PortRuntimes;
  from: WorkflowRuntime;
  to: WorkflowRuntime;
  only: readonly AssetKind[];
  settings: PortSettings;
  force: boolean;
  dryRun: boolean;
}

export interface PortResult {
  plan: Plan;
  losses: Loss[];
  diagnostics: Diagnostic[];
  conflicts: number;
  written: boolean;
  lockFile: string;
}

/** The runtimes whose workflow quartet can read and write, in the order given. */
export function workflowRuntimes(runtimes: PortRuntimes): WorkflowRuntime[] {
  return runtimes.filter((r) => r.workflow !== undefined).map((r) => r.id);
}

export async function workflowAdapter(o: { runtimes: PortRuntimes; id: WorkflowRuntime }): Promise<WorkflowAdapter> {
  const load = o.runtimes.find((r) => r.id === o.id)?.workflow;
  if (!load) throw new UsageError(`${o.id} has no workflow to port (supported: ${workflowRuntimes(o.runtimes).join(", ")})`);
  return load();
}

/** Every workflow runtime's fidelity declaration, in the order given. */
export async function fidelityDeclarations(runtimes: PortRuntimes): Promise<RuntimeFidelity[]> {
  return Promise.all(workflowRuntimes(runtimes).map(async (id) => (await workflowAdapter({ runtimes, id })).fidelity));
}

export async function port(req: PortRequest): Promise<PortResult> {
  if (req.from === req.to) throw new UsageError(`cannot port ${req.from} to itself`);
  const reader = await workflowAdapter({ runtimes: req.runtimes, id: req.from });
  const source = reader.read({ ...req, only: req.only });
  const at = lockLocation(req);
  const lock = readLock(at);
  const written = (await workflowAdapter({ runtimes: req.runtimes, id: req.to })).write({
    ...req,
    from: reader.fidelity,
    workflow: source.workflow,
    settings: req.settings,
    owns: ownsFile(lock, req.root),
  });
  const plan = planOutputs({ outputs: written.outputs, root: req.root, lock });
  const conflicts = plan.outputs.filter((p) => p.action === "conflict").length;
  const result: PortResult = {
    plan,
    losses: written.losses,
    diagnostics: [...source.diagnostics, ...written.diagnostics],
    conflicts,
    written: false,
    lockFile: at.file,
  };
  if (req.dryRun || (conflicts > 0 && !req.force)) return result;
  const changes: FileChange[] = plan.files.map((f) => ({ file: f.file, content: f.after }));
  const nextLock = updatedLock({ lock, plan, root: req.root, from: req.from, to: req.to, workflow: source.workflow });
  if (canonicalJson(nextLock) !== canonicalJson(lock)) changes.push({ file: at.file, content: lockText(at, nextLock) });
  if (changes.length > 0) applyChanges(changes);
  result.written = changes.length > 0;
  return result;
}

/** The lock after a port: every target it covers, with what is there now and the source it came from. */
function updatedLock(o: {
  lock: PortLock;
  plan: Plan;
  root: string;
  from: WorkflowRuntime;
  to: WorkflowRuntime;
  workflow: Workflow;
}): PortLock {
  const entries = { ...o.lock.entries };
  const sources = assetHashes(o.workflow);
  for (const p of o.plan.outputs) {
    const key = lockKey(o.root, outputTarget(p.output));
    const entry: LockEntry = {
      sha: p.sha,
      from: o.from,
      to: o.to,
      asset: assetId(p.output.asset),
      sourceSha: sources.get(assetId(p.output.asset)) ?? "",
      at: new Date().toISOString(),
    };
    const old = entries[key];
    // Keep the old time when nothing changed, so an idle re-port leaves the lock byte-identical.
    entries[key] =
      old &&
      old.sha === entry.sha &&
      old.sourceSha === entry.sourceSha &&
      old.from === entry.from &&
      old.to === entry.to &&
      old.asset === entry.asset
        ? old
        : entry;
  }
  return { version: 1, entries };
}

/** Each asset of a workflow and its IR, by asset id (`agents/reviewer`, `permissions`). */
export function assetsOf(wf: Workflow): Map<string, { ref: AssetRef; value: unknown }> {
  const out = new Map<string, { ref: AssetRef; value: unknown }>();
  const add = (ref: AssetRef, value: unknown) => out.set(assetId(ref), { ref, value });
  if (wf.instructions) add({ kind: "instructions", name: "instructions" }, wf.instructions);
  for (const a of wf.agents) add({ kind: "agents", name: a.name }, a);
  for (const c of wf.commands) add({ kind: "commands", name: c.name }, c);
  for (const s of wf.skills) add({ kind: "skills", name: s.name }, s);
  for (const m of wf.mcp) add({ kind: "mcp", name: m.name }, m);
  if (wf.permissions) add({ kind: "permissions", name: "permissions" }, wf.permissions);
  if (wf.hooks.length > 0) add({ kind: "hooks", name: "hooks" }, wf.hooks);
  if (wf.settings) add({ kind: "settings", name: "settings" }, wf.settings);
  return out;
}

/** A hash of each asset's content, ignoring where it was read from (line numbers move harmlessly). */
export function assetHashes(wf: Workflow): Map<string, string> {
  const withoutSource = (value: unknown) =>
    JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === "source" ? undefined : v))) as unknown;
  return new Map([...assetsOf(wf)].map(([id, a]) => [id, sha(canonicalJson(withoutSource(a.value)))]));
}
