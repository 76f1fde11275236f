/**
 * The requests `quartet otel receive` stored, as a ledger source per runtime, joined with the transcript
 * records of the same requests so that a request is counted once whichever way it was seen.
 *
 * The join rule, for each received request:
 * - Claude Code: the event's `request_id` is the `requestId` the transcript records, and the transcript's key
 *   is `<message id>:<request id>`: a transcript record of the same runtime whose key ends in `:<request id>`,
 *   within a day of the event, is the same request.
 * - Codex, and Claude Code events without a request id: a transcript record of the same runtime and session
 *   with the same uncached input, cache read, cache write and output tokens, within ten minutes, that no other
 *   event has claimed (the nearest in time).
 * A matched request adds nothing: the transcript's record stands (it knows the project, the subagent, the
 * cache marks). An unmatched one becomes a record of its own, keyed `otel:<id>`, once it is a minute old (a
 * transcript line is written as the request ends, so a minute is plenty for one on this machine). It stays
 * open for two days: a transcript that shows up later (copied from another machine) replaces it.
 *
 * Limits: a transcript arriving more than two days after its event counts the request twice; a request
 * known only from telemetry has no project, and Claude Code's subagent requests are not told apart from the
 * main thread (the events do not say), so their cache analysis is coarser; two requests
 * of one Codex session with identical token counts within ten minutes may match the wrong transcript line,
 * which changes nothing in the totals; an event whose transcript is on another machine is counted here
 * (and once more there, if that machine's ledger is merged with this one's).
 *
 * The ledger reads these sources after every log file (ingest.ts), so the transcripts on disk are already
 * in the ledger when the join runs.
 */
import fs from "node:fs";
import { statement, type Db } from "../core/db.js";
import type { Observation, StoreReadContext } from "../contract/log-records.js";
import { knownSource, sourceState } from "../ledger/store.js";
import type { SourceSpec } from "../runtimes/types.js";
import type { OtelRequest } from "./otel-events.js";
import { otelEventsFile } from "./otel-files.js";

const MINUTE = 60_000;
/** An unmatched event waits this long for its transcript before it is counted on its own. */
const HOLD_MS = MINUTE;
/** …and is replaced by a transcript arriving up to this long after it. */
const OPEN_MS = 2 * 24 * 60 * MINUTE;
const ID_WINDOW_MS = 24 * 60 * MINUTE;
const TOKEN_WINDOW_MS = 10 * MINUTE;

interface OpenEvent {
  r: OtelRequest;
  /** Counted as a record of its own (`otel:<id>`). */
  counted: boolean;
}

interface OtelSourceState {
  offset: number;
  line: number;
  open: OpenEvent[];
  /** Transcript records matched by tokens (not by request id), so a second event cannot take them too. */
  claimed: { key: string; ts: number; id: string }[];
}

interface Candidate {
  key: string;
  sessionId: string;
  ts: number;
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
}

export const otelKey = (r: Pick<OtelRequest, "id">) => `otel:${r.id}`;

const RUNTIME_PROVIDER: Record<OtelRequest["runtime"], string | null> = { claude: "anthropic", codex: null };

/** The stored requests of each runtime as ledger sources (store kind: read in this process, with the ledger at hand). */
export function otelSources(o: { db: Db; dataDir: string; now?: () => number }): SourceSpec[] {
  const now = o.now ?? Date.now;
  return (["claude", "codex"] as const).map((runtime) => {
    const file = otelEventsFile(o.dataDir, runtime);
    const size = () => fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    return {
      kind: "store",
      runtime,
      path: file,
      size,
      // Events still open are looked at again on every run: their transcript may have arrived since.
      fingerprint: () => `${size()}${openEvents(o.db, file) > 0 ? `:${now()}` : ""}`,
      read: (ctx: StoreReadContext<OtelSourceState>) => readOtel({ db: o.db, file, runtime, now: now(), ctx }),
    };
  });
}

function openEvents(db: Db, file: string): number {
  const known = knownSource(db, file);
  const state = known ? (sourceState(db, known.id) as { store?: OtelSourceState } | undefined) : undefined;
  return state?.store?.open.length ?? 0;
}

/** New complete lines from `offset` (a line still being written is left for the next read). */
function newLines(file: string, offset: number): { lines: string[]; end: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { lines: [], end: 0 };
    throw e;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return { lines: [], end: offset };
    const buf = Buffer.alloc(size - offset);
    fs.readSync(fd, buf, 0, buf.length, offset);
    const last = buf.lastIndexOf(0x0a);
    if (last < 0) return { lines: [], end: offset };
    return { lines: buf.subarray(0, last).toString("utf8").split("\n"), end: offset + last + 1 };
  } finally {
    fs.closeSync(fd);
  }
}

function parseRequest(text: string, runtime: string): OtelRequest | string {
  let v: Partial<OtelRequest>;
  try {
    v = JSON.parse(text) as Partial<OtelRequest>;
  } catch {
    return "not JSON";
  }
  if (!v || typeof v !== "object") return "not an object";
  if (v.runtime !== runtime) return `field runtime: expected "${runtime}"`;
  for (const f of ["id", "sessionId", "model"] as const) if (typeof v[f] !== "string") return `field ${f}: expected a string`;
  if (typeof v.ts !== "number") return "field ts: expected a number";
  if (!v.tokens || typeof v.tokens !== "object") return "field tokens: expected an object";
  return v as OtelRequest;
}

function candidates(db: Db, runtime: string, events: readonly OpenEvent[]): Candidate[] {
  if (events.length === 0) return [];
  const times = events.map((e) => e.r.ts);
  const from = Math.min(...times) - ID_WINDOW_MS;
  const to = Math.max(...times) + ID_WINDOW_MS;
  // By time (+runtime keeps SQLite off a request index that starts with the runtime, as ledgers made before
  // 2026-12-02 have: it would read every record of the runtime).
  const select = (table: string) =>
    `SELECT request_key AS key, session_id AS sessionId, ts, input_tokens AS input, cache_read_tokens AS cacheRead,
            cache_write_5m_tokens + cache_write_1h_tokens AS cacheWrite, output_tokens AS output
       FROM ${table} WHERE +runtime = ? AND ts BETWEEN ? AND ? AND request_key NOT LIKE 'otel:%'`;
  // A first ingest keeps the transcripts' possible copies of a request apart until its end (writer.ts): they are
  // the same requests, and may be the only stored copy.
  const bulk = statement(db, "SELECT 1 FROM sqlite_temp_master WHERE name = 'ledger_bulk_copy'").get() !== undefined;
  if (!bulk) return statement(db, select("usage_record")).all(runtime, from, to) as Candidate[];
  return statement(db, `${select("usage_record")} UNION ALL ${select("temp.ledger_bulk_copy")}`).all(
    runtime,
    from,
    to,
    runtime,
    from,
    to,
  ) as Candidate[];
}

/** The transcript record of the same request, by the rule in this module's comment. */
function matcher(list: readonly Candidate[], claimed: Set<string>): (r: OtelRequest) => string | null {
  const byRequestId = new Map<string, Candidate>();
  for (const c of list) {
    const i = c.key.lastIndexOf(":");
    if (i > 0) byRequestId.set(c.key.slice(i + 1), c);
  }
  return (r) => {
    if (r.requestId) {
      const c = byRequestId.get(r.requestId);
      if (c && Math.abs(c.ts - r.ts) <= ID_WINDOW_MS) return c.key;
    }
    const t = r.tokens;
    let best: Candidate | null = null;
    for (const c of list) {
      if (claimed.has(c.key) || c.sessionId !== r.sessionId || Math.abs(c.ts - r.ts) > TOKEN_WINDOW_MS) continue;
      if (c.input !== t.input || c.cacheRead !== t.cacheRead || c.cacheWrite !== t.cacheWrite5m + t.cacheWrite1h || c.output !== t.output)
        continue;
      if (!best || Math.abs(c.ts - r.ts) < Math.abs(best.ts - r.ts)) best = c;
    }
    if (!best) return null;
    claimed.add(best.key);
    return best.key;
  };
}

function observation(r: OtelRequest, line?: number): Observation {
  return {
    key: otelKey(r),
    sessionId: r.sessionId,
    isSubagent: false,
    project: null,
    model: r.model,
    provider: RUNTIME_PROVIDER[r.runtime],
    ts: r.ts,
    version: r.version,
    reportedCostUsd: r.costUsd,
    tokens: r.tokens,
    ref: otelKey(r),
    line,
  };
}

async function readOtel(o: {
  db: Db;
  file: string;
  runtime: OtelRequest["runtime"];
  now: number;
  ctx: StoreReadContext<OtelSourceState>;
}): Promise<OtelSourceState> {
  const prior = o.ctx.state;
  // A file that shrank was replaced: read it again; its requests keep their keys, so nothing is counted twice.
  const fresh = !prior || (fs.statSync(o.file, { throwIfNoEntry: false })?.size ?? 0) < prior.offset;
  const state: OtelSourceState = fresh
    ? { offset: 0, line: 0, open: prior?.open ?? [], claimed: prior?.claimed ?? [] }
    : structuredClone(prior);
  const open = new Map(state.open.map((e) => [e.r.id, e]));
  const lineOf = new Map<string, number>();
  const claimedIds = new Set(state.claimed.map((c) => c.id));
  const { lines, end } = newLines(o.file, state.offset);
  for (const text of lines) {
    state.line++;
    if (text.trim() === "") continue;
    const r = parseRequest(text, o.runtime);
    if (typeof r === "string") {
      o.ctx.warn({ code: "invalid-record", message: r, line: state.line, file: o.file });
      continue;
    }
    // A batch the sender sent twice (its answer lost) holds the same request again.
    if (!open.has(r.id) && !claimedIds.has(r.id)) open.set(r.id, { r, counted: false });
    lineOf.set(r.id, state.line);
  }
  state.offset = end;

  const claimed = new Set(state.claimed.map((c) => c.key));
  const match = matcher(candidates(o.db, o.runtime, [...open.values()]), claimed);
  for (const [id, e] of open) {
    const key = match(e.r);
    if (key) {
      // Counted before its transcript arrived: the transcript's record replaces it.
      if (e.counted) o.ctx.emit({ ...observation(e.r), tokens: undefined, supersedes: [otelKey(e.r)] });
      if (!e.r.requestId) state.claimed.push({ key, ts: e.r.ts, id });
      open.delete(id);
      continue;
    }
    if (!e.counted && o.now - e.r.ts >= HOLD_MS) {
      o.ctx.emit(observation(e.r, lineOf.get(id)));
      e.counted = true;
    }
    if (e.counted && o.now - e.r.ts > OPEN_MS) open.delete(id);
  }
  state.open = [...open.values()];
  state.claimed = state.claimed.filter((c) => o.now - c.ts <= OPEN_MS + TOKEN_WINDOW_MS);
  return state;
}
