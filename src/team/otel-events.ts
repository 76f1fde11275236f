/**
 * Which OpenTelemetry log events are API requests, and their usage in the ledger's terms: Claude Code's
 * `claude_code.api_request` and Codex's `codex.sse_event` of kind `response.completed`. Every other event
 * (prompts, tool results, decisions) is not a request and is dropped.
 *
 * The attribute names are those the pinned binaries emit (read from them, not from docs):
 * - Claude Code 2.1.197: body `claude_code.api_request`, attributes `event.name` = `api_request`,
 *   `event.timestamp` (ISO), `session.id`, `model`, `input_tokens` (uncached, Anthropic's meaning),
 *   `output_tokens`, `cache_read_tokens`, `cache_creation_tokens`, `cost_usd`, `duration_ms`, `request_id`
 *   (the API's request id: the `requestId` of the transcript line), `app.version`.
 * - Codex 0.169: `event.name` = `codex.sse_event`, `event.kind` = `response.completed` (logged twice per
 *   response: the second has the counts), `event.timestamp`, `conversation.id` (the thread id its rollout
 *   records), `model`, `app.version`, `input_token_count` (OpenAI's meaning: cached tokens inside it),
 *   `cached_token_count`, `cache_write_token_count`, `output_token_count`, `reasoning_token_count`. No
 *   response id: its requests are joined by session and tokens (otel-source.ts).
 * Numbers may come as numbers or as decimal strings (older Claude Code versions sent strings).
 */
import crypto from "node:crypto";
import type { LoggedTokens } from "../contract/log-records.js";
import { parseLoggedTime } from "../core/logged-time.js";
import type { AttrValue, OtlpLogRecord } from "./otel-decode.js";

/** One API request seen through telemetry, as the receiver stores it (one JSON line). */
export interface OtelRequest {
  runtime: "claude" | "codex";
  /** Stable id of the request: the API's request id where the event has it, else a hash of what identifies it. */
  id: string;
  /** The API's request id (Claude Code's `request_id`), which the transcript also records. */
  requestId: string | null;
  sessionId: string;
  model: string;
  /** Epoch ms. */
  ts: number;
  version: string | null;
  /** In the ledger's meaning: `input` is the uncached part. */
  tokens: LoggedTokens;
  costUsd: number | null;
}

function num(v: AttrValue | undefined): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

const str = (v: AttrValue | undefined): string | null => (typeof v === "string" && v !== "" ? v : null);

/** Both runtimes name the event in the `event.name` attribute; Claude Code also in the body (`claude_code.<name>`). */
function eventNameOf(r: OtlpLogRecord): string {
  const attr = str(r.attributes["event.name"]);
  if (attr?.includes(".")) return attr;
  if (typeof r.body === "string" && r.body.includes(".")) return r.body;
  return attr ?? r.eventName;
}

function timeOf(r: OtlpLogRecord): number | null {
  const iso = str(r.attributes["event.timestamp"]);
  const parsed = iso ? parseLoggedTime(iso) : NaN;
  return Number.isNaN(parsed) ? r.timeMs : parsed;
}

function hashId(parts: readonly unknown[]): string {
  return crypto.createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 24);
}

function claudeRequest(r: OtlpLogRecord): OtelRequest | null {
  const a = r.attributes;
  const ts = timeOf(r);
  const sessionId = str(a["session.id"]);
  const model = str(a.model);
  if (ts === null || !sessionId || !model) return null;
  const tokens: LoggedTokens = {
    input: num(a.input_tokens) ?? 0,
    output: num(a.output_tokens) ?? 0,
    reasoning: 0,
    cacheRead: num(a.cache_read_tokens) ?? 0,
    // The event gives one cache-write count; Claude Code's default cache lifetime is five minutes.
    cacheWrite5m: num(a.cache_creation_tokens) ?? 0,
    cacheWrite1h: 0,
  };
  const requestId = str(a.request_id);
  return {
    runtime: "claude",
    id: requestId ?? `h${hashId([sessionId, model, ts, tokens])}`,
    requestId,
    sessionId,
    model,
    ts,
    version: str(a["app.version"]) ?? str(r.resource["service.version"]),
    tokens,
    costUsd: num(a.cost_usd),
  };
}

function codexRequest(r: OtlpLogRecord): OtelRequest | null {
  const a = r.attributes;
  // Codex logs response.completed twice: once with the stream's timing, once with the token counts.
  if (str(a["event.kind"]) !== "response.completed" || num(a.input_token_count) === null) return null;
  const ts = timeOf(r);
  const sessionId = str(a["conversation.id"]);
  const model = str(a.model) ?? str(a.slug);
  if (ts === null || !sessionId || !model) return null;
  const cacheRead = num(a.cached_token_count) ?? 0;
  const cacheWrite = num(a.cache_write_token_count) ?? 0;
  const tokens: LoggedTokens = {
    input: Math.max(0, (num(a.input_token_count) ?? 0) - cacheRead - cacheWrite),
    output: num(a.output_token_count) ?? 0,
    reasoning: num(a.reasoning_token_count) ?? 0,
    cacheRead,
    cacheWrite5m: cacheWrite,
    cacheWrite1h: 0,
  };
  return {
    runtime: "codex",
    id: `h${hashId([sessionId, model, ts, tokens])}`,
    requestId: null,
    sessionId,
    model,
    ts,
    version: str(a["app.version"]) ?? str(r.resource["service.version"]),
    tokens,
    costUsd: null,
  };
}

/** The API request an event reports, or null for every other event (and for one missing what a record needs). */
export function requestOf(r: OtlpLogRecord): OtelRequest | null {
  const name = eventNameOf(r);
  if (name === "claude_code.api_request") return claudeRequest(r);
  if (name === "codex.sse_event") return codexRequest(r);
  return null;
}
