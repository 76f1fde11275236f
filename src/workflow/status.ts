/**
 * Whether the two sides of a ported workflow still agree, asset by asset.
 *
 * An asset is in sync when porting either side would leave the other unchanged. Otherwise the lock tells
 * which side moved since the last port: the source (the target is still what quartet wrote), the target
 * (someone edited it), or both. Without a lock entry the sides just differ.
 */
import type { AssetKind, Diagnostic, WorkflowRuntime } from "./ir.js";
import { lockLocation, ownsFile, readLock, type PortLock } from "./lock.js";
import { assetId, type AssetRef } from "./outputs.js";
import { planOutputs, type PlannedOutput } from "./plan.js";
import { assetHashes, assetsOf, workflowAdapter, type PortPlace } from "./port.js";
import type { PortSettings } from "./settings.js";

export type SyncState =
  "in sync" | "claude newer" | "opencode newer" | "both changed" | "differs" | "claude only" | "opencode only" | "not portable";

export interface AssetStatus {
  asset: AssetRef;
  state: SyncState;
  /** The files that hold the asset on each side. */
  files: string[];
}

/** The states `port check` accepts. */
export const IN_SYNC: ReadonlySet<SyncState> = new Set(["in sync", "not portable"]);

const SIDES = ["claude", "opencode"] as const;

export async function portStatus(o: PortPlace & { only: readonly AssetKind[]; settings: PortSettings }): Promise<{
  assets: AssetStatus[];
  diagnostics: Diagnostic[];
}> {
  const adapters = Object.fromEntries(await Promise.all(SIDES.map(async (side) => [side, await workflowAdapter(side)] as const)));
  const read = Object.fromEntries(SIDES.map((side) => [side, adapters[side]!.read(o)])) as Record<
    WorkflowRuntime,
    ReturnType<WorkflowAdapter["read"]>
  >;
  const lock = readLock(lockLocation(o));
  const diagnostics = SIDES.flatMap((side) => read[side].diagnostics);
  // What porting each side onto the other would do, per asset.
  const planned = Object.fromEntries(
    SIDES.map((from) => {
      const to = from === "claude" ? "opencode" : "claude";
      const written = adapters[to]!.write({ ...o, workflow: read[from].workflow, owns: ownsFile(lock, o.root) });
      const plan = planOutputs({ outputs: written.outputs, root: o.root, lock });
      return [from, groupByAsset(plan.outputs)];
    }),
  ) as Record<WorkflowRuntime, Map<string, PlannedOutput[]>>;
  const assets = SIDES.map((side) => assetsOf(read[side].workflow));
  const hashes = SIDES.map((side) => assetHashes(read[side].workflow));
  const ids = [...new Set([...assets[0]!.keys(), ...assets[1]!.keys()])].sort();
  return {
    diagnostics,
    assets: ids.map((id) => {
      const ref = (assets[0]!.get(id) ?? assets[1]!.get(id))!.ref;
      const sides = SIDES.filter((_, i) => assets[i]!.has(id));
      const files = SIDES.flatMap((side) => (planned[side].get(id) ?? []).map((p) => p.output.file));
      return { asset: ref, files: [...new Set(files)], state: stateOf({ id, sides, planned, lock, hashes }) };
    }),
  };
}

type WorkflowAdapter = Awaited<ReturnType<typeof workflowAdapter>>;

function groupByAsset(outputs: readonly PlannedOutput[]): Map<string, PlannedOutput[]> {
  const map = new Map<string, PlannedOutput[]>();
  for (const p of outputs) {
    const id = assetId(p.output.asset);
    map.set(id, [...(map.get(id) ?? []), p]);
  }
  return map;
}

function stateOf(o: {
  id: string;
  sides: readonly WorkflowRuntime[];
  planned: Record<WorkflowRuntime, Map<string, PlannedOutput[]>>;
  lock: PortLock;
  hashes: Map<string, string>[];
}): SyncState {
  const unchanged = (side: WorkflowRuntime) => {
    const outs = o.planned[side].get(o.id);
    return outs !== undefined && outs.length > 0 && outs.every((p) => p.action === "unchanged");
  };
  // The same asset read from both sides (a skill OpenCode reads from .claude/skills), or nothing to change.
  if (o.sides.length === 2 && o.hashes[0]!.get(o.id) === o.hashes[1]!.get(o.id)) return "in sync";
  if (o.sides.some(unchanged)) return "in sync";
  // Both sides have it and a port either way would write nothing: one file both runtimes read (OpenCode
  // reading CLAUDE.md when there is no AGENTS.md).
  if (o.sides.length === 2 && o.sides.every((side) => (o.planned[side].get(o.id) ?? []).length === 0)) return "in sync";
  if (o.sides.length === 1) {
    const side = o.sides[0]!;
    return (o.planned[side].get(o.id) ?? []).length === 0 ? "not portable" : `${side} only`;
  }
  for (const from of SIDES) {
    const outs = o.planned[from].get(o.id) ?? [];
    const entries = Object.values(o.lock.entries).filter((e) => e.asset === o.id && e.from === from);
    if (entries.length === 0) continue;
    const to = from === "claude" ? "opencode" : "claude";
    const sourceMoved = entries.some((e) => e.sourceSha !== o.hashes[SIDES.indexOf(from)]!.get(o.id));
    const targetMoved = outs.some((p) => p.action === "conflict");
    if (sourceMoved && targetMoved) return "both changed";
    if (targetMoved) return `${to} newer`;
    return `${from} newer`;
  }
  return "differs";
}
