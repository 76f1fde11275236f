/**
 * Claude Code transcripts (`projects/**.jsonl`): one usage record per API request.
 *
 * Format quirks this parser handles (checked against Claude Code 2.1.197):
 * - One API response is written as one `assistant` line per content block (thinking, text, tool_use),
 *   each repeating `message.id`, `requestId` and `usage`; streaming partials may show a smaller
 *   `output_tokens`. The key `message.id:requestId` (or `message.id` alone when `requestId` is absent, as
 *   in some 2.1.x logs) lets the ledger keep one copy: the one with the most tokens.
 * - `usage.cache_creation.ephemeral_5m/1h_input_tokens` split the writes; both are 0 when the endpoint did not
 *   send the split, and then all of `cache_creation_input_tokens` is a 5-minute write.
 * - Failed requests are logged as `assistant` lines with `isApiErrorMessage: true` and model `<synthetic>`,
 *   all-zero usage: skipped and counted.
 * - `user` lines carry `toolUseResult.usage` for finished subagents: that is a summary, not a request, and
 *   is ignored (only `assistant` lines are requests).
 * - A `system` line with subtype `compact_boundary` marks a compaction. A `last-prompt` line is written when a
 *   process ends, and `mode` / `permission-mode` lines when an interactive one starts: the next request is the
 *   first of a resumed process.
 * - The compaction request itself is not logged by Claude Code, so its tokens cannot be counted.
 * - While a subagent runs, its requests are quoted in the parent transcript as `progress` lines
 *   (see progressCopy): counted only when the subagent's own transcript is missing.
 */
import path from "node:path";
import { Mark, type JsonlParser, type LineContext } from "../../contract/log-records.js";
import { parseLoggedTime } from "../../core/logged-time.js";

/*
 * Assistant lines are validated by hand rather than with a schema: they are the hot path of ingestion
 * (hundreds of thousands per corpus), and only a dozen fields matter. Unknown fields are ignored, as
 * for any format another tool owns.
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A token count: absent or null is 0; anything else must be a non-negative integer. */
/** A malformed field: what is wrong, and the value that is. */
interface Problem {
  message: string;
  value: unknown;
}

function count(usage: Json, field: string, problems: Problem[]): number {
  const v = usage[field];
  if (v === undefined || v === null) return 0;
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  problems.push({ message: `message.usage.${field}: not a non-negative integer`, value: v });
  return 0;
}

function optionalString(line: Json, field: string): string | null {
  const v = line[field];
  return typeof v === "string" && v !== "" ? v : null;
}

const USAGE = Buffer.from('"usage"');
const UUID = Buffer.from('"uuid"');
const MESSAGE_ID = Buffer.from('"message":{"id":"');
const ID_WITHIN = 1024 + MESSAGE_ID.length;

/**
 * True when `line` is another content-block copy of the request in `previous` with the same usage:
 * the same message id, and the same bytes from `"usage"` up to the line's own `"uuid"` (usage,
 * requestId and type; only uuid, parent and timestamp differ between the copies). Such a line adds
 * nothing and is not decoded. A streaming partial differs in output_tokens and is decoded.
 */
export function sameClaudeRequest(line: Buffer, previous: Buffer): boolean {
  const current = found(line);
  // The previous line was the line of the last call (the same Buffer, unchanged): what was found in it then
  // is not searched for again.
  const before = lastFound?.line === previous ? lastFound : found(previous);
  lastFound = current;
  const id = idOf(current);
  if (id < 0 || idOf(before) !== id) return false;
  const idEnd = line.indexOf(0x22, id + MESSAGE_ID.length);
  if (idEnd < 0 || line.compare(previous, id, idEnd, id, idEnd) !== 0) return false;
  const u1 = usageOf(current);
  const u2 = usageOf(before);
  if (u1 < 0 || u2 < 0) return false;
  const e1 = uuidOf(current);
  const e2 = uuidOf(before);
  if (e1 < 0 || e2 < 0 || e1 - u1 !== e2 - u2) return false;
  return line.compare(previous, u2, e2, u1, e1) === 0;
}

/** Positions in one line, each searched for when first needed (-1: absent). */
interface Found {
  line: Buffer;
  id?: number;
  usage?: number;
  uuid?: number;
}
let lastFound: Found | undefined;
const found = (line: Buffer): Found => ({ line });
// The byte each is searched for by (see findFirst).
const [ID_BY, USAGE_BY, UUID_BY] = [MESSAGE_ID.indexOf("{"), USAGE.indexOf("g"), UUID.indexOf("d")];
// Only near the start: a line without it (a tool result, a progress quote) must not be searched to its end.
const idOf = (f: Found) => (f.id ??= findFirst(f.line, MESSAGE_ID, ID_BY, 0, Math.min(ID_WITHIN, f.line.length)));
const usageOf = (f: Found) => (f.usage ??= findLast(f.line, USAGE, USAGE_BY));
const uuidOf = (f: Found) => (f.uuid ??= findFirst(f.line, UUID, UUID_BY, usageOf(f), f.line.length));

// Buffer.indexOf goes from one occurrence of a needle's first byte to the next, and these needles start with a
// quote, every few bytes of JSON; these go by a rarer byte of the needle, its `k`th, and compare the rest.

/** Where `needle` first occurs in line[from, to), or -1. */
export function findFirst(line: Buffer, needle: Buffer, k: number, from: number, to: number): number {
  const b = needle[k]!;
  for (let p = line.indexOf(b, from + k); p !== -1 && p - k + needle.length <= to; p = line.indexOf(b, p + 1))
    if (occursAt(line, needle, p - k)) return p - k;
  return -1;
}

/** Where `needle` last occurs in `line`, or -1. */
export function findLast(line: Buffer, needle: Buffer, k: number): number {
  if (line.length < needle.length) return -1;
  const b = needle[k]!;
  // (A negative start would count from the end: the loop stops before one.)
  for (let p = line.lastIndexOf(b, line.length - needle.length + k); p >= k; p = p > 0 ? line.lastIndexOf(b, p - 1) : -1)
    if (occursAt(line, needle, p - k)) return p - k;
  return -1;
}

function occursAt(line: Buffer, needle: Buffer, at: number): boolean {
  for (let i = 0; i < needle.length; i++) if (line[at + i] !== needle[i]) return false;
  return true;
}

interface ClaudeState {
  /** Marks seen since the last request, carried onto the next one. */
  pending: number;
  /** The folder name under projects/, used as the project when a line has no cwd. */
  projectDir: string;
}

const REQUEST_MESSAGE = {
  id: true,
  model: true,
  usage: {
    input_tokens: true,
    output_tokens: true,
    cache_read_input_tokens: true,
    cache_creation_input_tokens: true,
    cache_creation: { ephemeral_1h_input_tokens: true },
    speed: true,
  },
} as const;

export const claudeParser: JsonlParser<ClaudeState> = {
  needles: ['"usage"'],
  // Requests are assistant lines or quotes of them; a user line carrying a finished subagent's usage summary
  // (toolUseResult.usage) is not a request, and is only checked.
  alsoNeeds: ['"assistant"'],
  // The compaction boundary is the one line that starts a new parent chain while naming the old one.
  linePrefixes: ['{"parentUuid":null,"logicalParentUuid":', '{"type":"last-prompt"', '{"type":"permission-mode"', '{"type":"mode"'],
  sameRecord: sameClaudeRequest,
  // Everything line(), progressCopy() and emitRequest() read; the rest of a line (its message's content above
  // all) is not decoded.
  reads: {
    type: true,
    subtype: true,
    isApiErrorMessage: true,
    isSidechain: true,
    agentId: true,
    sessionId: true,
    cwd: true,
    version: true,
    timestamp: true,
    requestId: true,
    costUSD: true,
    message: REQUEST_MESSAGE,
    data: {
      type: true,
      agentId: true,
      message: { type: true, isApiErrorMessage: true, requestId: true, timestamp: true, costUSD: true, message: REQUEST_MESSAGE },
    },
  },
  initialState(file) {
    return { pending: 0, projectDir: projectDirOf(file) };
  },
  line(value, ctx) {
    if (!value || typeof value !== "object") return;
    const type = (value as { type?: unknown }).type;
    if (type === "system") {
      if ((value as { subtype?: unknown }).subtype === "compact_boundary") ctx.state.pending |= Mark.compaction;
      return;
    }
    if (type === "last-prompt" || type === "permission-mode" || type === "mode") {
      ctx.state.pending |= Mark.resumed;
      return;
    }
    if (type === "progress") return progressCopy(value as Json, ctx);
    if (type !== "assistant") return;
    const raw = value as { isApiErrorMessage?: unknown; message?: { model?: unknown } };
    if (raw.isApiErrorMessage === true) return ctx.skip("api-error", "API error line (no usage) skipped");
    if (raw.message?.model === "<synthetic>")
      return ctx.skip("synthetic", "<synthetic> line (written by Claude Code, not the API) skipped");
    const l = value as Json;
    const isSidechain = l.isSidechain === true;
    const emitted = emitRequest(ctx, {
      line: l,
      request: l,
      agentId: optionalString(l, "agentId") ?? (isSidechain ? "sidechain" : null),
      isSubagent: isSidechain,
      marks: ctx.state.pending,
      where: "",
    });
    if (emitted) ctx.state.pending = 0;
  },
};

/**
 * A subagent's request as its parent transcript quotes it while the subagent runs (Claude Code 2.0–2.1):
 * `{"type":"progress","data":{"type":"agent_progress","agentId":…,"message":{"type":"assistant",
 * "message":{id, model, usage, …},"requestId":…,"timestamp":…}},"sessionId":…,"cwd":…}`. The subagent's own
 * file (`<session>/subagents/agent-<id>.jsonl`) holds the same request under the same key; the quote is
 * counted only when that file is missing (Mark.copy loses a tie). Quotes without usage are progress text.
 */
function progressCopy(l: Json, ctx: LineContext<ClaudeState>): void {
  const data = l.data;
  if (!isObject(data) || data.type !== "agent_progress") return;
  const quoted = data.message;
  if (!isObject(quoted) || quoted.type !== "assistant" || !isObject(quoted.message) || !("usage" in quoted.message)) return;
  // Failed requests are skipped (and counted) in the subagent's own file; a quote of one adds nothing.
  if (quoted.isApiErrorMessage === true || quoted.message.model === "<synthetic>") return;
  emitRequest(ctx, {
    line: l,
    request: quoted,
    agentId: optionalString(data, "agentId") ?? "sidechain",
    isSubagent: true,
    marks: Mark.copy,
    where: "data.message.",
  });
}

/**
 * Emits the request in `request` (an assistant line, or the quote of one): its message, requestId and
 * timestamp; the session, folder and version come from `line`, the transcript line that holds it.
 * `where` prefixes field names in warnings. Returns false when the request was malformed (and warned).
 */
function emitRequest(
  ctx: LineContext<ClaudeState>,
  o: { line: Json; request: Json; agentId: string | null; isSubagent: boolean; marks: number; where: string },
): boolean {
  const { line: l, request: q, where } = o;
  const message = q.message;
  if (!isObject(message)) return warn(ctx, `field ${where}message: missing or not an object`);
  const usage = message.usage;
  if (!isObject(usage)) return warn(ctx, `field ${where}message.usage: missing or not an object`);
  const id = optionalString(message, "id");
  if (!id) return warn(ctx, `field ${where}message.id: missing`);
  const model = optionalString(message, "model");
  if (!model) return warn(ctx, `field ${where}message.model: missing`);
  const sessionId = optionalString(l, "sessionId");
  if (!sessionId) return warn(ctx, "field sessionId: missing");
  const stamp = q.timestamp ?? l.timestamp;
  const ts = typeof stamp === "string" ? parseLoggedTime(stamp) : NaN;
  if (Number.isNaN(ts)) return warn(ctx, `field ${where}timestamp: not a date`, stamp);
  const problems: Problem[] = [];
  const input = count(usage, "input_tokens", problems);
  const output = count(usage, "output_tokens", problems);
  const cacheRead = count(usage, "cache_read_input_tokens", problems);
  const write = count(usage, "cache_creation_input_tokens", problems);
  const split = isObject(usage.cache_creation) ? usage.cache_creation : {};
  const write1h = Math.min(count(split, "ephemeral_1h_input_tokens", problems), write);
  if (problems.length > 0) return warn(ctx, `field ${where}${problems[0]!.message}`, problems[0]!.value);
  const requestId = optionalString(q, "requestId");
  ctx.emit({
    key: requestId ? `${id}:${requestId}` : id,
    sessionId,
    agentId: o.agentId,
    isSubagent: o.isSubagent,
    project: optionalString(l, "cwd") ?? ctx.state.projectDir,
    model,
    provider: "anthropic",
    ts,
    version: optionalString(l, "version"),
    speed: optionalString(usage, "speed"),
    reportedCostUsd: typeof q.costUSD === "number" ? q.costUSD : null,
    marks: o.marks,
    tokens: { input, output, reasoning: 0, cacheRead, cacheWrite5m: write - write1h, cacheWrite1h: write1h },
  });
  return true;
}

function warn(ctx: LineContext<ClaudeState>, message: string, ...value: unknown[]): false {
  ctx.warn("invalid-record", message, ...value);
  return false;
}

function projectDirOf(file: string): string {
  const parts = file.split(path.sep);
  const i = parts.lastIndexOf("projects");
  return i >= 0 && parts[i + 1] ? parts[i + 1]! : path.basename(path.dirname(file));
}
