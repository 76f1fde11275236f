/**
 * Whether the sides of a ported workflow still agree, asset by asset, across every runtime with a workflow
 * adapter that takes part here.
 *
 * A runtime takes part when it holds an asset of its own besides instructions (read from a file no other
 * runtime read it from: AGENTS.md is everyone's) or when the lock shows a port from or to it; when
 * fewer than two do, those that hold anything; when still fewer, the one
 * that holds something and the registry's first other runtime. Each pair of sides is compared: an asset is in sync for a pair when
 * porting either side would leave the other unchanged. Otherwise the lock tells which side moved since the
 * last port: the source (the target is still what quartet wrote), the target (someone edited it), or both.
 * Without a lock entry the sides just differ. An asset's state is its first pair that is not in sync.
 */
import type { AssetKind, Diagnostic, WorkflowRuntime } from "../contract/workflow/ir.js";
import { lockKey, lockLocation, ownsFile, readLock, type PortLock } from "./lock.js";
import { assetId, outputTarget, type AssetRef } from "../contract/workflow/outputs.js";
import { planOutputs, type PlannedOutput } from "./plan.js";
import { assetHashes, assetsOf, workflowAdapter, workflowRuntimes, type PortPlace, type PortRuntimes } from "./port.js";
import type { PortSettings } from "../contract/workflow/port-settings.js";
import type { WorkflowReadResult } from "../runtimes/types.js";

export type SyncState = "in sync" | `${WorkflowRuntime} newer` | "both changed" | "differs" | `${WorkflowRuntime} only` | "not portable";

export interface AssetStatus {
  asset: AssetRef;
  state: SyncState;
  /** The files that hold the asset on each side. */
  files: string[];
}

/** The states `port check` accepts. */
export const IN_SYNC: ReadonlySet<SyncState> = new Set(["in sync", "not portable"]);

type Planned = Map<string, PlannedOutput[]>;

export async function portStatus(o: PortPlace & { runtimes: PortRuntimes; only: readonly AssetKind[]; settings: PortSettings }): Promise<{
  assets: AssetStatus[];
  diagnostics: Diagnostic[];
  /** The runtimes compared. */
  runtimes: WorkflowRuntime[];
}> {
  const all = workflowRuntimes(o.runtimes);
  const adapters = new Map(await Promise.all(all.map(async (id) => [id, await workflowAdapter({ runtimes: o.runtimes, id })] as const)));
  const read = new Map(all.map((r) => [r, adapters.get(r)!.read(o)] as const));
  const lock = readLock(lockLocation(o));
  const sides = participants(all, read, lock);
  const assets = new Map(sides.map((r) => [r, assetsOf(read.get(r)!.workflow)] as const));
  const hashes = new Map(sides.map((r) => [r, assetHashes(read.get(r)!.workflow)] as const));
  // What porting each side onto each other would do, per asset.
  const planned = new Map<string, Planned>();
  for (const from of sides)
    for (const to of sides) {
      if (from === to) continue;
      const written = adapters.get(to)!.write({
        ...o,
        from: adapters.get(from)!.fidelity,
        workflow: read.get(from)!.workflow,
        owns: ownsFile(lock, o.root),
      });
      planned.set(`${from}>${to}`, groupByAsset(planOutputs({ outputs: written.outputs, root: o.root, lock }).outputs));
    }
  const ids = [...new Set(sides.flatMap((r) => [...assets.get(r)!.keys()]))].sort();
  const ctx: PairContext = { planned, lock, hashes, root: o.root, holds: (r, id) => assets.get(r)!.has(id) };
  return {
    runtimes: sides,
    diagnostics: all.flatMap((r) => read.get(r)!.diagnostics),
    assets: ids.map((id) => {
      const ref = sides.map((r) => assets.get(r)!.get(id)).find((a) => a !== undefined)!.ref;
      const files = [...planned.values()].flatMap((p) => (p.get(id) ?? []).map((x) => x.output.file));
      const states: SyncState[] = [];
      sides.forEach((a, i) =>
        sides.slice(i + 1).forEach((b) => {
          if (ctx.holds(a, id) || ctx.holds(b, id)) states.push(pairState(ctx, id, a, b));
        }),
      );
      const state = states.find((s) => !IN_SYNC.has(s)) ?? (states.includes("in sync") ? "in sync" : "not portable");
      return { asset: ref, files: [...new Set(files)], state };
    }),
  };
}

/** The runtimes to compare: those with assets of their own or a port from or to them (see the top). */
function participants(all: WorkflowRuntime[], read: Map<WorkflowRuntime, WorkflowReadResult>, lock: PortLock): WorkflowRuntime[] {
  // Instructions do not count: AGENTS.md is read by OpenCode and Codex alike, whoever it was written for.
  const filesOf = (r: WorkflowRuntime) =>
    [...assetsOf(read.get(r)!.workflow).values()].filter((a) => a.ref.kind !== "instructions").flatMap((a) => sourceFiles(a.value));
  const files = new Map(all.map((r) => [r, filesOf(r)] as const));
  const portedFrom = new Set(Object.values(lock.entries).flatMap((e) => [e.from, ...(e.to ? [e.to] : [])]));
  const own = (r: WorkflowRuntime) => files.get(r)!.some((f) => !all.some((other) => other !== r && files.get(other)!.includes(f)));
  const sides = all.filter((r) => portedFrom.has(r) || own(r));
  if (sides.length >= 2) return sides;
  const holders = all.filter((r) => assetsOf(read.get(r)!.workflow).size > 0);
  if (holders.length >= 2) return holders;
  // Nothing says which runtimes this place is for: compare with the registry's first runtime(s) besides.
  return [...holders, ...all.filter((r) => !holders.includes(r))].slice(0, 2);
}

function sourceFiles(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(sourceFiles);
  const source = (value as { source?: { file?: unknown } } | undefined)?.source;
  return typeof source?.file === "string" ? [source.file] : [];
}

function groupByAsset(outputs: readonly PlannedOutput[]): Planned {
  const map: Planned = new Map();
  for (const p of outputs) {
    const id = assetId(p.output.asset);
    map.set(id, [...(map.get(id) ?? []), p]);
  }
  return map;
}

interface PairContext {
  planned: Map<string, Planned>;
  lock: PortLock;
  hashes: Map<WorkflowRuntime, Map<string, string>>;
  root: string;
  holds(r: WorkflowRuntime, id: string): boolean;
}

function pairState(ctx: PairContext, id: string, a: WorkflowRuntime, b: WorkflowRuntime): SyncState {
  const other = (r: WorkflowRuntime) => (r === a ? b : a);
  const outs = (from: WorkflowRuntime) => ctx.planned.get(`${from}>${other(from)}`)!.get(id) ?? [];
  const held = [a, b].filter((r) => ctx.holds(r, id));
  const unchanged = (from: WorkflowRuntime) => outs(from).length > 0 && outs(from).every((p) => p.action === "unchanged");
  // The same asset read from both sides (a skill OpenCode reads from .claude/skills), or nothing to change.
  if (held.length === 2 && ctx.hashes.get(a)!.get(id) === ctx.hashes.get(b)!.get(id)) return "in sync";
  if (held.some(unchanged)) return "in sync";
  // Both sides have it and a port either way would write nothing: one file both runtimes read (OpenCode
  // reading CLAUDE.md when there is no AGENTS.md).
  if (held.length === 2 && held.every((r) => outs(r).length === 0)) return "in sync";
  if (held.length === 1) return outs(held[0]!).length === 0 ? "not portable" : `${held[0]!} only`;
  for (const from of [a, b]) {
    const targets = new Set(outs(from).map((p) => lockKey(ctx.root, outputTarget(p.output))));
    const entries = Object.entries(ctx.lock.entries).filter(([key, e]) => e.asset === id && e.from === from && targets.has(key));
    if (entries.length === 0) continue;
    const sourceMoved = entries.some(([, e]) => e.sourceSha !== ctx.hashes.get(from)!.get(id));
    const targetMoved = outs(from).some((p) => p.action === "conflict");
    if (sourceMoved && targetMoved) return "both changed";
    if (targetMoved) return `${other(from)} newer`;
    return `${from} newer`;
  }
  return "differs";
}
