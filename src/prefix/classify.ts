/**
 * Why a request read less from the prompt cache than the previous request of its conversation had cached.
 * Pure: every fact about the cache (what expired, where the previous request cached) is passed in.
 *
 * Checked in this order, first match wins:
 *   model changed → markers (too many, missing, moved out of the lookback window) → a changed block
 *   (tool added / removed / reordered / description or schema changed; system block changed, flagging
 *   date/time-like and path-like edits; request settings changed; compaction; an earlier message rewritten)
 *   → the cached prefix expired (TTL) → the prefix was below the model's minimum cacheable length.
 */
import { toolDescriptionHash, type Block, type Ttl } from "./blocks.js";
import { changedText, firstDivergence, type Divergence } from "./diff.js";
import { blockProse, changedSections, type PromptSection } from "./sections.js";
import { LOOKBACK_BLOCKS } from "./simulator.js";

export const CAUSES = [
  "model-changed",
  "too-many-markers",
  "marker-missing",
  "marker-moved",
  "tool-added",
  "tool-removed",
  "tools-reordered",
  "tool-description-changed",
  "tool-schema-changed",
  "system-changed",
  "settings-changed",
  "compaction",
  "message-rewritten",
  "ttl-expired",
  "below-minimum",
  "unexplained",
] as const;
export type Cause = (typeof CAUSES)[number];

export const CAUSE_TEXT: Record<Cause, string> = {
  "model-changed": "model changed (the cache is per model)",
  "too-many-markers": "more than 4 cache_control markers (request rejected)",
  "marker-missing": "no cache_control marker covers the cached prefix",
  "marker-moved": "the last marker moved more than 20 blocks past the cached prefix (lookback window)",
  "tool-added": "tool added",
  "tool-removed": "tool removed",
  "tools-reordered": "tools reordered",
  "tool-description-changed": "tool description changed",
  "tool-schema-changed": "tool schema changed",
  "system-changed": "system prompt changed",
  "settings-changed": "tool_choice or thinking settings changed",
  compaction: "compaction: fewer messages and a summary",
  "message-rewritten": "an earlier message was rewritten",
  "ttl-expired": "TTL expired",
  "below-minimum": "prefix below the model's minimum cacheable length",
  unexplained: "unexplained",
};

export interface BreakExplanation {
  cause: Cause;
  /** The block where the prefix first differs, when it does. */
  block?: string;
  excerpt?: string;
  /** Extra facts: `date/time`, `path` flags of a system change; the tool name; the TTL that expired. */
  detail?: string;
  /** Every block sent in both requests whose content changed, the first one included (at most 8). */
  changed?: string[];
  /**
   * For a system change: the named sections of system context that changed in any block (prefix/sections.ts),
   * e.g. `git-status`, or `git-status` and `instructions` when CLAUDE.md was edited and git status shows it.
   */
  sections?: PromptSection[];
}

/** Ids of the blocks both requests have whose content differs. */
export function changedBlocks(previous: readonly Block[], current: readonly Block[], limit = 8): string[] {
  const before = new Map(previous.map((b) => [b.id, b.hash]));
  return current
    .filter((b) => before.has(b.id) && before.get(b.id) !== b.hash)
    .slice(0, limit)
    .map((b) => b.id);
}

export interface ClassifyInput {
  previous: { model: string; blocks: readonly Block[]; settings: string; cachedThrough: number };
  current: { model: string; blocks: readonly Block[]; settings: string; markerCount: number };
  /** The previous request's cached prefix existed but has expired. */
  expired: boolean;
  /** TTL of the entry that expired. */
  expiredTtl?: Ttl;
  minCacheableTokens: number;
}

const DATE_TIME =
  /\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}(?::\d{2})?\b|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\s+\d{1,2}\b|\b\d{10,13}\b/;
const PATH = /(?:^|[\s"'`(=:])(?:~|\.{1,2})?\/[\w.-]+\/[\w./-]*|[A-Za-z]:\\[\w\\.-]+/;
/** Text that marks a compaction summary. */
export const SUMMARY = /summary|summari[sz]ed|continued from a previous conversation|compact/i;

/** Flags for what kind of text changed: `date/time`, `path`. */
export function changeFlags(before: string, after: string): string[] {
  const { removed, added } = changedText(before, after);
  const flags: string[] = [];
  if (DATE_TIME.test(removed) || DATE_TIME.test(added)) flags.push("date/time");
  if (PATH.test(` ${removed}`) || PATH.test(` ${added}`)) flags.push("path");
  return flags;
}

function isSystemContext(b: Block): boolean {
  return b.role === "system" || b.text.includes("<system-reminder>");
}

/** The named sections of system context that changed, over every block both requests send, in block order. */
export function systemSections(prev: readonly Block[], curr: readonly Block[]): PromptSection[] {
  const before = new Map(prev.map((b) => [b.id, b]));
  const found = new Set<PromptSection>();
  for (const c of curr) {
    const p = before.get(c.id);
    if (!p || p.hash === c.hash || !(isSystemContext(p) || isSystemContext(c))) continue;
    for (const s of changedSections(blockProse(p), blockProse(c)).sections) found.add(s);
  }
  return [...found];
}

function toolName(id: string | undefined): string {
  return /^tools\[(.*)\]$/.exec(id ?? "")?.[1] ?? "";
}

function explainTools(d: Divergence, prev: readonly Block[], curr: readonly Block[]): BreakExplanation {
  const names = (blocks: readonly Block[]) => blocks.filter((b) => b.section === "tools").map((b) => toolName(b.id));
  const before = names(prev);
  const after = names(curr);
  const base = { block: d.current?.id ?? d.previous?.id, excerpt: d.excerpt };
  const added = after.filter((n) => !before.includes(n));
  const removed = before.filter((n) => !after.includes(n));
  if (added.length > 0) return { ...base, cause: "tool-added", detail: added.join(", ") };
  if (removed.length > 0) return { ...base, cause: "tool-removed", detail: removed.join(", ") };
  if (d.previous && d.current && d.previous.id !== d.current.id)
    return { ...base, cause: "tools-reordered", detail: `${toolName(d.previous.id)} ↔ ${toolName(d.current.id)}` };
  const cause = toolDescriptionHash(d.previous!) !== toolDescriptionHash(d.current!) ? "tool-description-changed" : "tool-schema-changed";
  return { ...base, cause, detail: toolName(d.current!.id) };
}

export function classifyBreak(input: ClassifyInput): BreakExplanation {
  let explanation = explain(input);
  if (explanation.cause === "system-changed") {
    const sections = systemSections(input.previous.blocks, input.current.blocks);
    if (sections.length > 0) explanation = { ...explanation, sections };
  }
  // A changed block explains where the prompt differs, but an expired cache also lost the unchanged prefix
  // before it: say both, or the user fixes the edit and still pays for the pause.
  if (input.expired && explanation.cause !== "ttl-expired") {
    const also = `cache also expired (${input.expiredTtl ?? "TTL"})`;
    explanation = { ...explanation, detail: explanation.detail ? `${explanation.detail}; ${also}` : also };
  }
  const changed = changedBlocks(input.previous.blocks, input.current.blocks);
  return changed.length > 0 && explanation.block ? { ...explanation, changed } : explanation;
}

function explain(input: ClassifyInput): BreakExplanation {
  const { previous: prev, current: curr } = input;
  if (prev.model !== curr.model) return { cause: "model-changed", detail: `${prev.model} → ${curr.model}` };
  if (curr.markerCount > 4) return { cause: "too-many-markers", detail: `${curr.markerCount} markers` };
  const d = firstDivergence(prev.blocks, curr.blocks);
  if (d && d.index <= prev.cachedThrough) {
    const section = (d.current ?? d.previous)!.section;
    if (section === "tools" || (d.previous?.section === "tools") !== (d.current?.section === "tools"))
      return explainTools(d, prev.blocks, curr.blocks);
    const base = { block: d.current?.id ?? d.previous?.id, excerpt: d.excerpt };
    if (section === "system" && d.previous?.section === "system" && d.current?.section === "system") {
      const flags = changeFlags(d.previous.text, d.current.text);
      return { ...base, cause: "system-changed", ...(flags.length > 0 ? { detail: flags.join(", ") } : {}) };
    }
    if (section === "system") return { ...base, cause: "system-changed", detail: "system block added or removed" };
    // Runtimes also carry system context inside messages: Claude Code puts CLAUDE.md and other context in
    // <system-reminder> blocks of the first user message, and sends role "system" messages.
    if (d.previous && d.current && d.previous.id === d.current.id && (isSystemContext(d.previous) || isSystemContext(d.current))) {
      const flags = changeFlags(d.previous.text, d.current.text);
      return { ...base, cause: "system-changed", detail: ["system context in a message", ...flags].join(", ") };
    }
    if (
      prev.settings !== curr.settings &&
      d.current?.section === "messages" &&
      d.current.messageIndex === 0 &&
      d.previous?.hash === d.current.hash
    ) {
      return { ...base, cause: "settings-changed" };
    }
    const prevMessages = new Set(prev.blocks.map((b) => b.messageIndex).filter((m) => m !== undefined)).size;
    const currMessages = new Set(curr.blocks.map((b) => b.messageIndex).filter((m) => m !== undefined)).size;
    if (currMessages < prevMessages && curr.blocks.some((b) => b.section === "messages" && SUMMARY.test(b.text))) {
      return { ...base, cause: "compaction", detail: `${prevMessages} → ${currMessages} messages` };
    }
    return { ...base, cause: "message-rewritten" };
  }
  // The current request still starts with everything the previous one cached.
  if (input.expired) return { cause: "ttl-expired", detail: input.expiredTtl };
  const cachedBlock = prev.blocks[prev.cachedThrough];
  const prefixTokens = prev.blocks.length > 0 ? prev.blocks[prev.blocks.length - 1]!.prefixTokens : 0;
  if (prev.cachedThrough < 0 && prefixTokens < input.minCacheableTokens) {
    return { cause: "below-minimum", detail: `${prefixTokens} < ${input.minCacheableTokens} tokens` };
  }
  const markers = curr.blocks.filter((b) => b.marker !== null).map((b) => b.index);
  if (markers.length === 0) return { cause: "marker-missing" };
  if (cachedBlock && !markers.some((m) => m >= prev.cachedThrough && m - prev.cachedThrough < LOOKBACK_BLOCKS)) {
    return {
      cause: "marker-moved",
      block: cachedBlock.id,
      detail: `nearest marker ${Math.min(...markers.filter((m) => m >= prev.cachedThrough)) - prev.cachedThrough} blocks later`,
    };
  }
  return { cause: "unexplained" };
}
