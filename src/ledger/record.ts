/**
 * The normalized usage record: one API request, in Anthropic's token meaning, whatever runtime made it.
 *
 * Normalization lives here, once, for every runtime: per-request deltas from running totals (Codex),
 * OpenAI-style input that includes cached tokens folded into uncached input + cache read, and the
 * conversation identity the cache analytics follow.
 */
import { Mark, type LoggedTokens, type Observation } from "../contract/log-records.js";
import { type RuntimeId } from "../runtimes/types.js";

export interface UsageRecord {
  runtime: RuntimeId;
  key: string;
  sessionId: string;
  /** The top-level session: a subagent's usage rolls up to the session that spawned it. */
  rootSessionId: string;
  parentSessionId: string | null;
  agentId: string | null;
  /** One linear thread of requests (a session, or one subagent inside it): what a prompt cache follows. */
  conversationId: string;
  isSubagent: boolean;
  project: string | null;
  model: string;
  provider: string | null;
  /** Epoch ms. */
  ts: number;
  version: string | null;
  speed: string | null;
  /** Uncached input tokens (Anthropic's meaning of input_tokens). */
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  output: number;
  reasoning: number;
  reportedCostUsd: number | null;
  marks: number;
  sourceLine: number | null;
  sourceRef: string | null;
}

const ZERO: LoggedTokens = { input: 0, output: 0, reasoning: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
const FIELDS = Object.keys(ZERO) as (keyof LoggedTokens)[];

/** Running totals per counter, kept in the source's state between runs. */
export type Counters = Record<string, LoggedTokens>;

/**
 * Turns a running total into this request's own counts.
 *
 * Codex semantics: `total_token_usage` is cumulative per thread and is re-emitted unchanged on UI and
 * rate-limit refreshes, so an unchanged total is not a request. When it advances, `last_token_usage` is this
 * response's own usage; it is preferred over the difference because forked threads start their total at the
 * parent's total. A total that went down (context-window fill, rollback) is a reset: only `last` counts.
 */
export function deltaFromTotal(counters: Counters, c: NonNullable<Observation["cumulative"]>): LoggedTokens | null {
  const prev = counters[c.counter] ?? ZERO;
  counters[c.counter] = c.total;
  const same = FIELDS.every((f) => c.total[f] === prev[f]);
  if (same || c.baselineOnly) return null;
  const wentDown = FIELDS.some((f) => c.total[f] < prev[f]);
  if (c.last) return c.last;
  if (wentDown) return null;
  const delta = { ...ZERO };
  for (const f of FIELDS) delta[f] = c.total[f] - prev[f];
  return delta;
}

/** A conversation's identity across the ledger: its root session and its own id, joined. */
export type ConversationRef = string;

export function conversationRef(r: { rootSessionId: string; conversationId: string }): ConversationRef {
  return `${r.rootSessionId}\u0000${r.conversationId}`;
}

export function splitConversationRef(ref: ConversationRef): [root: string, conversation: string] {
  const i = ref.indexOf("\u0000");
  return [ref.slice(0, i), ref.slice(i + 1)];
}

export function conversationIdOf(o: { sessionId: string; agentId?: string | null }): string {
  return o.agentId ? `${o.sessionId}#${o.agentId}` : o.sessionId;
}

/** Normalizes one observation; null when it carries no usage (a repeated total, an all-zero entry). */
export function normalize(runtime: RuntimeId, o: Observation, counters: Counters): UsageRecord | null {
  let t = o.tokens ?? null;
  if (o.cumulative) t = deltaFromTotal(counters, o.cumulative);
  if (!t) return null;
  const cacheRead = t.cacheRead;
  const input = o.inputIncludesCache ? Math.max(0, t.input - cacheRead - t.cacheWrite5m - t.cacheWrite1h) : t.input;
  if (input + cacheRead + t.cacheWrite5m + t.cacheWrite1h + t.output === 0) return null;
  return {
    runtime,
    key: o.key,
    sessionId: o.sessionId,
    rootSessionId: o.rootSessionId ?? o.parentSessionId ?? o.sessionId,
    parentSessionId: o.parentSessionId ?? null,
    agentId: o.agentId ?? null,
    conversationId: conversationIdOf(o),
    isSubagent: o.isSubagent,
    project: o.project,
    model: o.model,
    provider: o.provider,
    ts: o.ts,
    version: o.version,
    speed: o.speed ?? null,
    input,
    cacheWrite5m: t.cacheWrite5m,
    cacheWrite1h: t.cacheWrite1h,
    cacheRead,
    output: t.output,
    reasoning: t.reasoning,
    reportedCostUsd: o.reportedCostUsd ?? null,
    marks: o.marks ?? 0,
    sourceLine: o.line ?? null,
    sourceRef: o.ref ?? null,
  };
}

/** Total tokens of a record, used to keep the most complete copy of a duplicated request. */
export function tokenTotal(r: Pick<UsageRecord, "input" | "cacheWrite5m" | "cacheWrite1h" | "cacheRead" | "output">): number {
  return r.input + r.cacheWrite5m + r.cacheWrite1h + r.cacheRead + r.output;
}

/**
 * Which copy of a request the ledger keeps: the one with the most tokens (Claude Code's streaming
 * partials log fewer), and on a tie an original over a copy (Mark.copy). A higher rank wins.
 * RANK_SQL is the same rank over a usage_record row.
 */
export function rank(r: Pick<UsageRecord, "input" | "cacheWrite5m" | "cacheWrite1h" | "cacheRead" | "output" | "marks">): number {
  return tokenTotal(r) * 2 + ((r.marks & Mark.copy) === 0 ? 1 : 0);
}

export const rankSql = (t: string) =>
  `((${t}.input_tokens + ${t}.cache_write_5m_tokens + ${t}.cache_write_1h_tokens + ${t}.cache_read_tokens + ${t}.output_tokens) * 2 + ((${t}.marks & ${Mark.copy}) = 0))`;
