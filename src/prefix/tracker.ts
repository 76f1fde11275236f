/**
 * Follows the conversations of a stream of Messages API requests, request by request, and judges each
 * request's cache read against what the previous request of its conversation had cached: a shortfall is a
 * break, classified at the block where the prefix first changed (classify.ts). One engine for the lab
 * (ModelSession: usage from the simulated cache) and the gateway (diagnose.ts: the API's real usage), so
 * both file a request the same way. Pure: no I/O, no clock; token counts come in the caller's unit.
 *
 * Which conversation a request continues: the one of its session (header or `metadata.user_id`) whose last
 * request shares the longest prefix with it, ties to the one whose messages it carries, then to the latest.
 * A request is auxiliary (a separate side conversation, followed by nobody) when it offers no tools (titles,
 * summaries, quota checks), or when it runs on a model no main request of its session used and carries no
 * conversation's messages (a small model's side task or subagent). A request on another model that carries
 * a conversation's messages continues it: that is a model switch, reported as a `model-changed` break.
 */
import type { Block, Ttl } from "./blocks.js";
import { classifyBreak, type BreakExplanation } from "./classify.js";
import { commonPrefixBlocks, isOpeningRequest } from "./conversation.js";
import { TTL_MS } from "./simulator.js";

/** The last request of a followed conversation, as the next request is judged against it. */
export interface ConversationHead {
  /** 1 for the first conversation the tracker opened, then 2, … */
  id: number;
  session: string | null;
  model: string;
  blocks: readonly Block[];
  /** settingsHash of the request: a change invalidates the messages' cache. */
  settings: string;
  /** When the request was made (epoch ms). */
  at: number;
  /** Index of the last block the request cached (its last marker that was written or refreshed), or -1. */
  cachedThrough: number;
  /** What the next request should read: the prompt through the request's last marker, in the caller's unit. */
  markedTokens: number;
}

export type RequestKind = "main" | "auxiliary";

export interface Placement {
  kind: RequestKind;
  /** The conversation a main request belongs to (a new id when it opens one); null for an auxiliary one. */
  conversation: number | null;
  /** The conversation's previous request, when it continues one. */
  previous?: ConversationHead;
}

export interface RequestFacts {
  session: string | null;
  model: string;
  blocks: readonly Block[];
}

/** A session id sent as `user_<hash>_account_<uuid>_session_<uuid>` (Claude Code before it sent JSON). */
const LEGACY_USER_ID = /(?:^|_)session_([0-9A-Za-z-]{8,})$/;

/**
 * The session a request belongs to: Claude Code's `x-claude-code-session-id` header, OpenCode's
 * `x-session-id`, or the session id inside `metadata.user_id` (JSON, or Claude Code's older string form).
 * The one precedence for the gateway's gate, its `--diagnose`, its budgets and its records. The body may be
 * given as a function, called only when no header names the session (the gateway's request is parsed lazily).
 */
export function sessionOf(headers: Readonly<Record<string, string>>, body: unknown): string | null {
  const header = headers["x-claude-code-session-id"] ?? headers["x-session-id"];
  if (header) return header;
  const request: unknown = typeof body === "function" ? (body as () => unknown)() : body;
  const userId = (request as { metadata?: { user_id?: unknown } } | null)?.metadata?.user_id;
  if (typeof userId !== "string" || userId === "") return null;
  try {
    const meta = JSON.parse(userId) as { session_id?: unknown };
    if (meta && typeof meta.session_id === "string") return meta.session_id;
  } catch {
    // Not JSON: maybe the older string form.
  }
  return LEGACY_USER_ID.exec(userId)?.[1] ?? null;
}

/** How many leading message blocks two requests have in equal content (whatever came before them). */
export function sharedMessageBlocks(a: readonly Block[], b: readonly Block[]): number {
  const ma = a.filter((x) => x.section === "messages");
  const mb = b.filter((x) => x.section === "messages");
  let i = 0;
  while (i < ma.length && i < mb.length && ma[i]!.id === mb[i]!.id && ma[i]!.hash === mb[i]!.hash) i++;
  return i;
}

export class ConversationTracker {
  private readonly heads: ConversationHead[] = [];
  /** Per session, the models its main requests ran on. */
  private readonly mainModels = new Map<string | null, Set<string>>();
  private nextId = 1;

  /** The followed conversations' last requests, oldest conversation first. */
  get conversations(): readonly ConversationHead[] {
    return this.heads;
  }

  /** Continues conversations followed before (a restarted gateway's heads from its store). */
  restore(heads: readonly ConversationHead[]): void {
    for (const h of heads) {
      const existing = this.heads.findIndex((c) => c.id === h.id);
      if (existing >= 0) this.heads.splice(existing, 1);
      this.heads.push({ ...h });
      this.noteModel(h.session, h.model);
      this.nextId = Math.max(this.nextId, h.id + 1);
    }
  }

  /**
   * Stops following conversations whose last request came before `before` (a long-running gateway would
   * otherwise keep every prompt it ever saw), and forgets the main models of sessions left with none.
   */
  forget(before: number): void {
    for (let i = this.heads.length - 1; i >= 0; i--) if (this.heads[i]!.at < before) this.heads.splice(i, 1);
    const live = new Set(this.heads.map((h) => h.session));
    for (const session of this.mainModels.keys()) if (!live.has(session)) this.mainModels.delete(session);
  }

  /** Where a request belongs; nothing changes until `advance` records it. */
  place(request: RequestFacts): Placement {
    const { session, model, blocks } = request;
    if (!blocks.some((b) => b.section === "tools")) return { kind: "auxiliary", conversation: null };
    const previous = this.match(session, model, blocks);
    if (previous) return { kind: "main", conversation: previous.id, previous: { ...previous } };
    const models = this.mainModels.get(session);
    if (models && !models.has(model)) return { kind: "auxiliary", conversation: null };
    return { kind: "main", conversation: this.nextId };
  }

  /** Records a main request as its conversation's last one (opening the conversation when it is new). */
  advance(placement: Placement, request: Omit<ConversationHead, "id">): void {
    if (placement.kind !== "main" || placement.conversation === null) return;
    const id = placement.conversation;
    const at = this.heads.findIndex((c) => c.id === id);
    if (at >= 0) this.heads.splice(at, 1);
    // The most recently advanced conversation goes last: ties in matching go to it.
    this.heads.push({ ...request, id });
    this.nextId = Math.max(this.nextId, id + 1);
    this.noteModel(request.session, request.model);
  }

  private noteModel(session: string | null, model: string): void {
    let models = this.mainModels.get(session);
    if (!models) this.mainModels.set(session, (models = new Set()));
    models.add(model);
  }

  /**
   * The conversation a request continues. With a session id a request on the same model always continues
   * one of its session's conversations (a change in its very first block is a break, not a new
   * conversation); without one, only a conversation it shares a leading block with. On another model it must carry
   * the conversation's messages.
   */
  private match(session: string | null, model: string, blocks: readonly Block[]): ConversationHead | undefined {
    if (isOpeningRequest(blocks)) return undefined;
    let best: ConversationHead | undefined;
    let bestKey: [number, number] = [-1, -1];
    for (const c of this.heads) {
      if (c.session !== session) continue;
      const messages = sharedMessageBlocks(c.blocks, blocks);
      if (c.model !== model && messages === 0) continue;
      const key: [number, number] = [commonPrefixBlocks(c.blocks, blocks), messages];
      if (session === null && c.model === model && key[0] === 0) continue;
      if (key[0] > bestKey[0] || (key[0] === bestKey[0] && key[1] >= bestKey[1])) {
        best = c;
        bestKey = key;
      }
    }
    return best;
  }
}

/** The TTL of the previous request's cache entry when the gap since it exceeds that TTL. */
export function expiredByGap(previous: ConversationHead, at: number): Ttl | undefined {
  const block = previous.blocks[previous.cachedThrough];
  if (!block?.marker) return undefined;
  return at - previous.at > TTL_MS[block.marker] ? block.marker : undefined;
}

export interface ReadJudgement {
  /** What the request should have read from the cache. */
  expectedRead: number;
  /** Set when it read less: where and why, and how many tokens were not read. */
  break?: BreakExplanation & { lostTokens: number };
}

export interface JudgeInput {
  previous: ConversationHead;
  current: { model: string; blocks: readonly Block[]; settings: string; promptTokens: number; cacheRead: number };
  /** The TTL of the previous request's entry when it had expired before this request. */
  expiredTtl: Ttl | undefined;
  minCacheableTokens: number;
}

/** Whether a request read what the previous request of its conversation cached, and if not, why. */
export function judgeRead(input: JudgeInput): ReadJudgement {
  const { previous, current } = input;
  const expectedRead = Math.min(current.promptTokens, previous.markedTokens);
  if (current.cacheRead >= expectedRead) return { expectedRead };
  const explanation = classifyBreak({
    previous: { model: previous.model, blocks: previous.blocks, settings: previous.settings, cachedThrough: previous.cachedThrough },
    current: {
      model: current.model,
      blocks: current.blocks,
      settings: current.settings,
      markerCount: current.blocks.filter((b) => b.marker).length,
    },
    expired: input.expiredTtl !== undefined,
    ...(input.expiredTtl ? { expiredTtl: input.expiredTtl } : {}),
    minCacheableTokens: input.minCacheableTokens,
  });
  return { expectedRead, break: { ...explanation, lostTokens: expectedRead - current.cacheRead } };
}

/** Estimated tokens of the prompt through the request's last cache_control marker (0 without one). */
export function markedPrefixTokens(blocks: readonly Block[]): number {
  for (let i = blocks.length - 1; i >= 0; i--) if (blocks[i]!.marker !== null) return blocks[i]!.prefixTokens;
  return 0;
}
