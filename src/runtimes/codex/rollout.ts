/**
 * Codex CLI rollout files: one usage record per model response.
 *
 * Every line is `{timestamp, type, payload}`. Counter semantics (checked against codex-cli 0.169.0):
 * - `event_msg` / `token_count`: `info.total_token_usage` is a running total per thread and
 *   `info.last_token_usage` the latest response's own usage. Codex re-emits it with an unchanged total on
 *   UI and rate-limit refreshes, writes `info: null` on failures, and after a compaction emits one whose
 *   `last` is only a context-size estimate with the total unchanged. So a token_count counts only when the
 *   total advances (the ledger converts running totals to deltas).
 * - `cached_input_tokens` is part of `input_tokens`, and `reasoning_output_tokens` part of `output_tokens`:
 *   input is folded into uncached input + cache read; reasoning is informational.
 * - Since 2026 Codex also writes `token_usage_record`, one per response with that response's usage, keyed by
 *   (thread_id, response_id). Once a file has them they are counted and token_count only moves the baseline.
 * - The model comes from the latest `turn_context`. The thread is the first `session_meta.id`; a subagent's
 *   `session_id` is its root thread and `source.subagent.thread_spawn.parent_thread_id` its parent. A second
 *   `session_meta` starts a copy of the parent's history (forked subagents; older forks), whose token_count
 *   lines share one re-written timestamp second: they move the baseline only.
 * - `thread_settings_applied` starts a resumed or forked segment; `compacted` marks a compaction.
 */
import path from "node:path";
import { z } from "zod";
import { Mark, type JsonlParser, type LoggedTokens } from "../../contract/log-records.js";
import { parseLoggedTime } from "../../core/logged-time.js";

const Count = z.number().int().nonnegative();

const TokenUsage = z.looseObject({
  input_tokens: Count,
  cached_input_tokens: Count.nullish(),
  cache_write_input_tokens: Count.nullish(),
  output_tokens: Count,
  reasoning_output_tokens: Count.nullish(),
  total_tokens: Count.nullish(),
});
type TokenUsage = z.infer<typeof TokenUsage>;

const TokenCount = z.looseObject({
  info: z
    .looseObject({
      total_token_usage: TokenUsage,
      last_token_usage: TokenUsage.nullish(),
    })
    .nullish(),
});

const UsageRecordPayload = z.looseObject({
  thread_id: z.string(),
  response_id: z.string(),
  usage: TokenUsage,
  attribution: z.looseObject({ model: z.string().nullish() }).nullish(),
});

const SessionMeta = z.looseObject({
  id: z.string(),
  session_id: z.string().nullish(),
  cwd: z.string().nullish(),
  cli_version: z.string().nullish(),
  model_provider: z.string().nullish(),
  parent_thread_id: z.string().nullish(),
  thread_source: z.string().nullish(),
  source: z.unknown().optional(),
});

interface CodexState {
  threadId: string | null;
  rootId: string | null;
  parentId: string | null;
  isSubagent: boolean;
  cwd: string | null;
  version: string | null;
  provider: string | null;
  model: string | null;
  hasUsageRecords: boolean;
  pending: number;
  /** Requests counted so far; a session's own start is not a resume. */
  requests: number;
  /** The timestamp second of a copied parent history, while it lasts. */
  copySecond: string | null;
}

function tokensOf(u: TokenUsage): LoggedTokens {
  return {
    input: u.input_tokens,
    output: u.output_tokens,
    reasoning: u.reasoning_output_tokens ?? 0,
    cacheRead: u.cached_input_tokens ?? 0,
    cacheWrite5m: u.cache_write_input_tokens ?? 0,
    cacheWrite1h: 0,
  };
}

function parentOf(source: unknown): string | null {
  const spawn = (source as { subagent?: { thread_spawn?: { parent_thread_id?: unknown } } } | null)?.subagent?.thread_spawn;
  return typeof spawn?.parent_thread_id === "string" ? spawn.parent_thread_id : null;
}

export const codexParser: JsonlParser<CodexState> = {
  needles: [
    '"token_count"',
    '"token_usage_record"',
    '"session_meta"',
    '"turn_context"',
    '"compacted"',
    '"thread_settings_applied"',
    '"ContextCompaction"',
    '"context_compacted"',
  ],
  initialState() {
    return {
      threadId: null,
      rootId: null,
      parentId: null,
      isSubagent: false,
      cwd: null,
      version: null,
      provider: null,
      model: null,
      hasUsageRecords: false,
      pending: 0,
      requests: 0,
      copySecond: null,
    };
  },
  line(value, ctx) {
    const line = value as { timestamp?: unknown; type?: unknown; payload?: unknown };
    if (!line || typeof line !== "object") return;
    const st = ctx.state;
    const payload = (line.payload ?? {}) as Record<string, unknown>;
    const timestamp = typeof line.timestamp === "string" ? line.timestamp : "";
    if (st.copySecond !== null && timestamp.slice(0, 19) !== st.copySecond) st.copySecond = null;

    switch (line.type) {
      case "session_meta": {
        const meta = SessionMeta.safeParse(payload);
        if (!meta.success)
          return ctx.warn("invalid-record", `field payload.${meta.error.issues[0]!.path.join(".")}: ${meta.error.issues[0]!.message}`);
        if (st.threadId !== null) {
          // A copied parent history follows (forked subagent, or an older fork).
          st.copySecond = timestamp.slice(0, 19);
          return;
        }
        const m = meta.data;
        const parent = parentOf(m.source) ?? m.parent_thread_id ?? null;
        st.threadId = m.id;
        st.rootId = m.session_id ?? m.id;
        st.parentId = parent;
        st.isSubagent = parent !== null || m.thread_source === "subagent";
        st.cwd = m.cwd ?? null;
        st.version = m.cli_version ?? null;
        st.provider = m.model_provider ?? null;
        return;
      }
      case "turn_context": {
        if (typeof payload.model === "string") st.model = payload.model;
        if (typeof payload.cwd === "string") st.cwd = payload.cwd;
        return;
      }
      case "compacted":
        st.pending |= Mark.compaction;
        return;
      case "token_usage_record": {
        const rec = UsageRecordPayload.safeParse(payload);
        if (!rec.success)
          return ctx.warn("invalid-record", `field payload.${rec.error.issues[0]!.path.join(".")}: ${rec.error.issues[0]!.message}`);
        if (st.threadId && rec.data.thread_id !== st.threadId) return;
        st.hasUsageRecords = true;
        return emit(ctx, `${rec.data.thread_id}:${rec.data.response_id}`, timestamp, rec.data.attribution?.model ?? st.model, {
          tokens: tokensOf(rec.data.usage),
        });
      }
      case "event_msg":
        break;
      default:
        return;
    }

    const kind = payload.type;
    if (kind === "thread_settings_applied") {
      if (st.requests > 0) st.pending |= Mark.resumed;
      return;
    }
    if (
      kind === "context_compacted" ||
      (kind === "item_completed" && (payload.item as { type?: unknown } | undefined)?.type === "ContextCompaction")
    ) {
      st.pending |= Mark.compaction;
      return;
    }
    if (kind !== "token_count") return;
    const tc = TokenCount.safeParse(payload);
    if (!tc.success)
      return ctx.warn("invalid-record", `field payload.${tc.error.issues[0]!.path.join(".")}: ${tc.error.issues[0]!.message}`);
    const info = tc.data.info;
    if (!info) return;
    const total = tokensOf(info.total_token_usage);
    emit(ctx, `tc:${timestamp}:${info.total_token_usage.total_tokens ?? total.input + total.output}`, timestamp, st.model, {
      cumulative: {
        counter: st.threadId ?? "thread",
        total,
        last: info.last_token_usage ? tokensOf(info.last_token_usage) : null,
        baselineOnly: st.hasUsageRecords || st.copySecond !== null,
      },
    });
  },
};

function emit(
  ctx: Parameters<JsonlParser<CodexState>["line"]>[1],
  key: string,
  timestamp: string,
  model: string | null,
  usage: { tokens: LoggedTokens } | { cumulative: NonNullable<Parameters<typeof ctx.emit>[0]["cumulative"]> },
): void {
  const st = ctx.state;
  const ts = parseLoggedTime(timestamp);
  if (Number.isNaN(ts)) return ctx.warn("invalid-record", "field timestamp: not a date", timestamp);
  const counted = "tokens" in usage || !usage.cumulative.baselineOnly;
  ctx.emit({
    key,
    sessionId: st.threadId ?? path.basename(ctx.file, ".jsonl"),
    parentSessionId: st.parentId,
    rootSessionId: st.rootId,
    isSubagent: st.isSubagent,
    project: st.cwd,
    model: model ?? "unknown",
    provider: st.provider,
    ts,
    version: st.version,
    marks: counted ? st.pending : 0,
    inputIncludesCache: true,
    ...usage,
  });
  if (counted) {
    st.pending = 0;
    st.requests++;
  }
}
