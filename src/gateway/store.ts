/**
 * The gateway's records in quartet's database: one row per request it passed through, with the real usage,
 * the simulator's prediction, the cost, the break diagnosis (diagnose.ts) and the blocks' fingerprints.
 * Never a prompt, never a header: for a break only a short excerpt of the changed text, and with `noText`
 * none at all. Each exchange is written in one transaction, so a killed gateway loses at most the request
 * in flight; a restarted one continues the conversations of the last hour from the stored fingerprints.
 *
 * These rows never add to usage totals (the ledger's usage stays log-derived); `quartet cache <session>`
 * joins them to the ledger's requests (report.ts withGatewayRecords): by response message id
 * (gatewayRecordsByMessage), or for OpenCode by session, model, usage and time (gatewayRecordsOfSessions).
 */
import { isBusy, migrate, openDatabase, statement, withBusyTimeout, type Db, type Migration } from "../core/db.js";
import type { Pricing } from "../core/pricing.js";
import type { BlockFingerprint } from "../prefix/blocks.js";
import { costOf } from "../ledger/derive.js";
import { sessionOf } from "../prefix/tracker.js";
import { Diagnoser, FOLLOW_WINDOW_MS, usageOf, type Diagnosis, type GatewayBreak, type StoredHead } from "./diagnose.js";
import type { Exchange, ExchangeSink } from "./exchange.js";

const MIGRATIONS: Migration[] = [
  {
    name: "gateway requests",
    up: `CREATE TABLE gateway_request (
      exchange_id TEXT PRIMARY KEY,
      at INTEGER NOT NULL,
      method TEXT NOT NULL,
      path TEXT NOT NULL,
      route TEXT NOT NULL,
      status INTEGER NOT NULL,
      message_id TEXT,
      request_id TEXT,
      request_key TEXT,
      first_byte_ms INTEGER,
      duration_ms INTEGER NOT NULL,
      aborted INTEGER NOT NULL,
      error_type TEXT,
      session TEXT,
      conversation TEXT,
      kind TEXT,
      model TEXT,
      input_tokens INTEGER,
      cache_read_tokens INTEGER,
      cache_write_5m_tokens INTEGER,
      cache_write_1h_tokens INTEGER,
      output_tokens INTEGER,
      predicted_input_tokens INTEGER,
      predicted_cache_read_tokens INTEGER,
      predicted_cache_write_5m_tokens INTEGER,
      predicted_cache_write_1h_tokens INTEGER,
      disagreement TEXT,
      cost_usd REAL,
      expected_read_tokens INTEGER,
      break_block TEXT,
      break_cause TEXT,
      break_detail TEXT,
      break_changed TEXT,
      break_excerpt TEXT,
      lost_tokens INTEGER,
      break_cost_usd REAL,
      api_reason TEXT,
      blocks TEXT,
      head TEXT
    );
    CREATE INDEX gateway_request_at ON gateway_request (at);
    CREATE INDEX gateway_request_message ON gateway_request (message_id);`,
  },
];

/** Longest diff excerpt kept for a break. */
export const EXCERPT_CHARS = 400;

export function migrateGateway(db: Db): void {
  migrate(db, "gateway", MIGRATIONS);
}

function bounded(text: string | null): string | null {
  return text === null ? null : text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS - 1)}…` : text;
}

/** The ledger's key for a Claude request: `message.id:requestId`, or the message id alone. */
export function requestKeyOf(messageId: string | null, requestId: string | null): string | null {
  if (!messageId) return null;
  return requestId ? `${messageId}:${requestId}` : messageId;
}

/** Writes one exchange and its diagnosis in one transaction. */
export function writeExchange(db: Db, e: Exchange, d: Diagnosis | null, options: { noText?: boolean; pricing?: Pricing } = {}): void {
  const b = d?.break ?? null;
  // Without a diagnosis (an error, count_tokens, a body it could not read) usage and cost are still what the API said.
  const usage = d?.usage ?? (e.usage ? usageOf(e.usage) : null);
  const cost =
    d?.costUsd ??
    (usage && e.model && options.pricing ? costOf(options.pricing, { model: e.model, ts: e.at, speed: null, ...usage }) : null);
  const head = d?.head ? { settings: d.head.settings, cachedThrough: d.head.cachedThrough, markedTokens: d.head.markedTokens } : null;
  const write = db.transaction(() => {
    statement(
      db,
      `INSERT OR REPLACE INTO gateway_request (exchange_id, at, method, path, route, status, message_id, request_id, request_key,
         first_byte_ms, duration_ms, aborted, error_type, session, conversation, kind, model, input_tokens, cache_read_tokens,
         cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, predicted_input_tokens, predicted_cache_read_tokens,
         predicted_cache_write_5m_tokens, predicted_cache_write_1h_tokens, disagreement, cost_usd, expected_read_tokens,
         break_block, break_cause, break_detail, break_changed, break_excerpt, lost_tokens, break_cost_usd, api_reason, blocks, head)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      e.id,
      e.at,
      e.method,
      // The query string may carry nothing secret for the Messages API, but it is not needed either.
      e.path.split("?")[0]!,
      e.route,
      e.status,
      e.messageId,
      e.requestId,
      requestKeyOf(e.messageId, e.requestId),
      e.firstByteMs,
      Math.round(e.durationMs),
      e.aborted ? 1 : 0,
      e.error?.type ?? null,
      d?.session ?? sessionOf(e.headers, e.request),
      d?.conversation ?? null,
      d?.kind ?? null,
      d?.model ?? e.model,
      usage?.input ?? null,
      usage?.cacheRead ?? null,
      usage?.cacheWrite5m ?? null,
      usage?.cacheWrite1h ?? null,
      usage?.output ?? null,
      d?.predicted?.input ?? null,
      d?.predicted?.cacheRead ?? null,
      d?.predicted?.cacheWrite5m ?? null,
      d?.predicted?.cacheWrite1h ?? null,
      d?.disagreement ?? null,
      cost,
      d?.expectedRead ?? null,
      b?.block ?? null,
      b?.cause ?? null,
      b?.detail ?? null,
      b && b.changed.length > 0 ? JSON.stringify(b.changed) : null,
      options.noText ? null : bounded(b?.excerpt ?? null),
      b?.lostTokens ?? null,
      b?.costUsd ?? null,
      d?.apiReason ?? null,
      d ? JSON.stringify(d.blocks) : null,
      head ? JSON.stringify(head) : null,
    );
  });
  write.immediate();
}

/** The last request of each conversation followed since `since`, to continue them after a restart. */
export function storedHeads(db: Db, since: number): StoredHead[] {
  const rows = db
    .prepare(
      `SELECT r.conversation, r.session, r.model, r.at, r.head, r.blocks FROM gateway_request r
       JOIN (SELECT conversation, MAX(at) AS at FROM gateway_request WHERE head IS NOT NULL AND at >= ? GROUP BY conversation) last
         ON last.conversation = r.conversation AND last.at = r.at
       WHERE r.head IS NOT NULL ORDER BY r.at, r.exchange_id`,
    )
    .all(since) as { conversation: string; session: string | null; model: string; at: number; head: string; blocks: string }[];
  const byConversation = new Map<string, StoredHead>();
  for (const r of rows) {
    const head = JSON.parse(r.head) as { settings: string; cachedThrough: number; markedTokens: number };
    byConversation.set(r.conversation, {
      conversation: r.conversation,
      session: r.session,
      model: r.model,
      at: r.at,
      ...head,
      blocks: JSON.parse(r.blocks) as BlockFingerprint[],
    });
  }
  return [...byConversation.values()];
}

/** A break as stored: diagnose.ts's GatewayBreak without its words (a report words the cause). */
export type StoredBreak = Omit<GatewayBreak, "causeText" | "cause"> & { cause: string };

/** A stored request as reports show it. */
export interface GatewayRecord {
  exchangeId: string;
  at: number;
  /** From the request's arrival to the response's end. */
  durationMs: number;
  messageId: string | null;
  requestKey: string | null;
  session: string | null;
  conversation: string | null;
  kind: "main" | "auxiliary" | null;
  model: string | null;
  usage: { input: number; cacheRead: number; cacheWrite5m: number; cacheWrite1h: number; output: number } | null;
  predicted: { input: number; cacheRead: number; cacheWrite5m: number; cacheWrite1h: number } | null;
  disagreement: string | null;
  expectedRead: number | null;
  break: StoredBreak | null;
  apiReason: string | null;
}

const RECORD_COLUMNS = `exchange_id, at, duration_ms, message_id, request_key, session, conversation, kind, model, input_tokens, cache_read_tokens,
  cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, predicted_input_tokens, predicted_cache_read_tokens,
  predicted_cache_write_5m_tokens, predicted_cache_write_1h_tokens, disagreement, expected_read_tokens, break_block, break_cause,
  break_detail, break_changed, break_excerpt, lost_tokens, break_cost_usd, api_reason`;

function recordOf(r: Record<string, unknown>): GatewayRecord {
  const n = (k: string) => r[k] as number;
  return {
    exchangeId: r.exchange_id as string,
    at: n("at"),
    durationMs: n("duration_ms"),
    messageId: (r.message_id as string | null) ?? null,
    requestKey: (r.request_key as string | null) ?? null,
    session: (r.session as string | null) ?? null,
    conversation: (r.conversation as string | null) ?? null,
    kind: (r.kind as "main" | "auxiliary" | null) ?? null,
    model: (r.model as string | null) ?? null,
    usage:
      r.input_tokens === null
        ? null
        : {
            input: n("input_tokens"),
            cacheRead: n("cache_read_tokens"),
            cacheWrite5m: n("cache_write_5m_tokens"),
            cacheWrite1h: n("cache_write_1h_tokens"),
            output: n("output_tokens"),
          },
    predicted:
      r.predicted_input_tokens === null
        ? null
        : {
            input: n("predicted_input_tokens"),
            cacheRead: n("predicted_cache_read_tokens"),
            cacheWrite5m: n("predicted_cache_write_5m_tokens"),
            cacheWrite1h: n("predicted_cache_write_1h_tokens"),
          },
    disagreement: (r.disagreement as string | null) ?? null,
    expectedRead: (r.expected_read_tokens as number | null) ?? null,
    break:
      r.break_cause === null
        ? null
        : {
            block: (r.break_block as string | null) ?? null,
            cause: r.break_cause as string,
            detail: (r.break_detail as string | null) ?? null,
            changed: r.break_changed ? (JSON.parse(r.break_changed as string) as string[]) : [],
            excerpt: (r.break_excerpt as string | null) ?? null,
            lostTokens: n("lost_tokens"),
            costUsd: (r.break_cost_usd as number | null) ?? null,
          },
    apiReason: (r.api_reason as string | null) ?? null,
  };
}

function hasGatewayTable(db: Db): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'gateway_request'").get() !== undefined;
}

/** The gateway's records of the given response message ids (none when the gateway never ran on this database). */
export function gatewayRecordsByMessage(db: Db, messageIds: readonly string[]): Map<string, GatewayRecord> {
  const found = new Map<string, GatewayRecord>();
  if (messageIds.length === 0 || !hasGatewayTable(db)) return found;
  const select = statement(db, `SELECT ${RECORD_COLUMNS} FROM gateway_request WHERE message_id = ?`);
  for (const id of new Set(messageIds)) {
    const row = select.get(id) as Record<string, unknown> | undefined;
    if (row) found.set(id, recordOf(row));
  }
  return found;
}

/**
 * The gateway's answered records of these sessions (as the gateway saw them: the runtime's session header)
 * that arrived between two times, oldest first: the candidates for ledger requests whose key names no response.
 */
export function gatewayRecordsOfSessions(db: Db, sessions: readonly string[], from: number, to: number): GatewayRecord[] {
  const ids = [...new Set(sessions)];
  if (ids.length === 0 || !hasGatewayTable(db)) return [];
  return (
    db
      .prepare(
        `SELECT ${RECORD_COLUMNS} FROM gateway_request
         WHERE at BETWEEN ? AND ? AND input_tokens IS NOT NULL AND session IN (${ids.map(() => "?").join(", ")})
         ORDER BY at, exchange_id`,
      )
      .all(from, to, ...ids) as Record<string, unknown>[]
  ).map(recordOf);
}

/** The gateway's recorded breaks since a time, newest last. */
export function gatewayBreaks(db: Db, since: number): GatewayRecord[] {
  return findings(db, since, "break_cause IS NOT NULL");
}

/** Requests since a time where the real cache behaved unlike the simulator's prediction, newest last. */
export function gatewayDisagreements(db: Db, since: number): GatewayRecord[] {
  return findings(db, since, "disagreement IS NOT NULL");
}

function findings(db: Db, since: number, where: string): GatewayRecord[] {
  if (!hasGatewayTable(db)) return [];
  return (
    db.prepare(`SELECT ${RECORD_COLUMNS} FROM gateway_request WHERE ${where} AND at >= ? ORDER BY at, exchange_id`).all(since) as Record<
      string,
      unknown
    >[]
  ).map(recordOf);
}

/** How long each attempt of a write waits for a database another process holds. */
const BUSY_RETRY_MS = 1000;

export interface GatewaySinkOptions {
  /** An open database, or the file of quartet's database (opened here). */
  db?: Db;
  dbFile?: string;
  /** Store no text at all: no diff excerpt. */
  noText?: boolean;
  pricing: Pricing;
  /** Now, for the restore window (tests move it). */
  now?: () => number;
  /** Where a failed write is reported; the proxy must never see it. Default: stderr. */
  onError?: (error: Error) => void;
  /** Where news that is not a failure goes (requests waiting for the database). Default: stderr. */
  onNotice?: (line: string) => void;
  /**
   * Asked before each attempt of a write: true drops it (a gateway stopping). Given, a write waits for a database
   * another process holds as long as it takes; without, it fails after the busy timeout.
   */
  giveUp?: () => boolean;
  /** Told when writes start finding the database held (true) and when one gets through again (false). */
  onBusy?: (busy: boolean) => void;
}

export interface GatewaySink extends ExchangeSink {
  readonly db: Db;
  /** Closes the database when the sink opened it. */
  close(): void;
}

/**
 * The sink the gateway plugs into its proxy: diagnoses and stores every exchange. Conversations of the last
 * hour continue from the database, so a restarted gateway still finds the breaks of sessions under way.
 */
export function gatewaySink(options: GatewaySinkOptions): GatewaySink {
  const owned = !options.db;
  if (!options.db && !options.dbFile) throw new Error("gatewaySink needs a database or its file");
  const db = options.db ?? openDatabase(options.dbFile!);
  migrateGateway(db);
  const diagnoser = new Diagnoser({ pricing: options.pricing, noText: options.noText ?? false });
  diagnoser.restore(storedHeads(db, (options.now ?? Date.now)() - FOLLOW_WINDOW_MS));
  const report = options.onError ?? ((e: Error) => process.stderr.write(`quartet gateway: could not record a request: ${e.message}\n`));
  const notice = options.onNotice ?? ((line: string) => process.stderr.write(`quartet gateway: ${line}\n`));
  /** A write found the database held past the connection's busy timeout, and none has succeeded since. */
  let waitingForDatabase = false;
  /** The last attempt found the database held. */
  let retrying = false;
  const busyTimeoutMs = db.pragma("busy_timeout", { simple: true }) as number;
  const attemptMs = Math.min(BUSY_RETRY_MS, busyTimeoutMs);
  return {
    db,
    record(exchange: Exchange): void {
      // A request the diagnosis cannot read (a malformed body) is still recorded, without a diagnosis.
      let diagnosis: Diagnosis | null = null;
      try {
        diagnosis = diagnoser.diagnose(exchange);
      } catch (e) {
        report(new Error(`could not diagnose ${exchange.id}: ${(e as Error).message}`));
      }
      const write = () => writeExchange(db, exchange, diagnosis, { noText: options.noText ?? false, pricing: options.pricing });
      // Nothing could stop the wait below (the recorder run on the proxy's own thread, from TypeScript sources):
      // the write fails after the busy timeout, and is reported.
      if (!options.giveUp) {
        try {
          write();
        } catch (e) {
          report(e as Error);
        }
        return;
      }
      // Another process may hold the database for longer than the busy timeout (a first load of very large logs, or
      // one stopped with Ctrl-Z): the request waits to be written, in order, rather than be lost. The recorder has
      // its own thread, and the proxy counts what waits (recorder.ts), so the traffic never waits for this. Each
      // attempt waits at most a second, so that a gateway told to stop (giveUp) is heard within one.
      const since = Date.now();
      for (;;) {
        if (options.giveUp()) return;
        try {
          withBusyTimeout(db, attemptMs, write);
          if (retrying) {
            retrying = false;
            options.onBusy?.(false);
          }
          if (!waitingForDatabase) return;
          waitingForDatabase = false;
          return notice("the database is free again: the requests that waited are being recorded");
        } catch (e) {
          if (!isBusy(e)) return report(e as Error);
          if (!retrying) {
            retrying = true;
            options.onBusy?.(true);
          }
          if (!waitingForDatabase && Date.now() - since >= busyTimeoutMs) {
            notice("the database is busy (another quartet process is writing to it): requests wait to be recorded");
            waitingForDatabase = true;
          }
        }
      }
    },
    close(): void {
      if (owned) db.close();
    },
  };
}
