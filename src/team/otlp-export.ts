/**
 * OpenTelemetry out: each ledger request as one OTLP log record under the GenAI semantic conventions, sent
 * with the official OTLP/HTTP protobuf exporter, incrementally.
 *
 * Log records, not span events: a request in the ledger is a finished fact read from a log, with a time but
 * no span to hang an event on (quartet did not trace the call, and a made-up span per request would put
 * fake durations and parents into the team's traces). A log record carries the event time and the
 * attributes, and every OTLP backend stores and aggregates logs.
 *
 * Incremental: the cursor is a position in the ledger's change log (changes.ts, the one `quartet sync`
 * reads: every insert and every rewrite of a record gets a new, never reused sequence number), one per
 * endpoint, advanced only after the exporter reports success for a batch; a failed batch leaves it where it
 * was. Delivery is at least once, and `quartet.record_id` (a hash of runtime and request key, the same on
 * every machine) is what a backend dedupes on: a batch the endpoint stored but whose answer was lost is sent
 * again on the next run (the exporter also retries transient failures itself), and a record the ledger
 * rewrote (a streaming partial completed, costs recomputed) is sent again with its new values, so the latest
 * record per id is the one that counts. A record the ledger deleted cannot be taken back from a backend.
 *
 * One export per endpoint at a time (a lock the OS releases if the holder dies): two started together would
 * both read the same cursor and send every record twice. The second waits, then finds the cursor moved.
 */
import crypto from "node:crypto";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { migrate, statement, type Db, type Migration } from "../core/db.js";
import { NamedError } from "../core/errors.js";
import { acquireLock, type HeldLock } from "../core/file-lock.js";
import { prepareChangeLog } from "./changes.js";

const MIGRATIONS: Migration[] = [
  {
    name: "OTLP export cursors",
    up: `CREATE TABLE otel_export_cursor (
      endpoint TEXT PRIMARY KEY,
      -- The change log the sequence number counts in: a ledger rebuilt from scratch starts a new one.
      log_id TEXT NOT NULL,
      last_seq INTEGER NOT NULL,
      records INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
  },
];

/** Records per OTLP request. */
const BATCH = 512;

/** The endpoint did not take a batch: what was sent before it stays acknowledged. */
export const ExportFailedError = NamedError.create<"ExportFailedError", { message: string; sent: number }>("ExportFailedError");

/** The OTLP/HTTP logs URL for an endpoint given as the collector's base (`http://host:4318`), as OTEL_EXPORTER_OTLP_ENDPOINT is. */
export function logsUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`${endpoint}: an OTLP/HTTP endpoint is http:// or https://`);
  if (url.username || url.password) throw new Error("credentials do not go in the endpoint URL: put them in OTEL_EXPORTER_OTLP_HEADERS");
  if (!url.pathname.endsWith("/v1/logs")) url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/logs`;
  return url.href;
}

/**
 * The semantic conventions' provider names (gen_ai.provider.name well-known values) for the provider ids
 * runtimes log; a record without one is named by its runtime's own provider.
 */
const PROVIDER_NAMES: Record<string, string> = {
  google: "gcp.gemini",
  "google-vertex": "gcp.vertex_ai",
  vertex: "gcp.vertex_ai",
  "amazon-bedrock": "aws.bedrock",
  bedrock: "aws.bedrock",
  azure: "azure.ai.openai",
  mistral: "mistral_ai",
  xai: "x_ai",
};
const RUNTIME_PROVIDER: Record<string, string> = { claude: "anthropic", codex: "openai" };

export function providerName(provider: string | null, runtime: string): string | undefined {
  if (!provider) return RUNTIME_PROVIDER[runtime];
  const p = provider.toLowerCase();
  return PROVIDER_NAMES[p] ?? p;
}

/** A request's identity on every machine: the same request read on two laptops gets the same id. */
export function recordId(runtime: string, requestKey: string): string {
  return crypto.createHash("sha256").update(`${runtime}\u0000${requestKey}`).digest("hex").slice(0, 32);
}

interface Row {
  seq: number;
  runtime: string;
  request_key: string;
  session_id: string;
  root_session_id: string;
  conversation_id: string;
  is_subagent: number;
  model: string;
  provider: string | null;
  ts: number;
  input_tokens: number;
  cache_write_5m_tokens: number;
  cache_write_1h_tokens: number;
  cache_read_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cost_usd: number | null;
  cache_tax_usd: number | null;
  cache_break: number;
  break_cause: string | null;
}

/**
 * The attributes of one request. `gen_ai.usage.input_tokens` counts every prompt token, cached or not, as the
 * convention requires (the ledger's own input is the uncached part); the cache reads and writes are also
 * given apart. The conventions name a cache write `cache_creation`.
 */
export function requestAttributes(r: Row, machineId?: string): Record<string, string | number | boolean> {
  const cacheWrite = r.cache_write_5m_tokens + r.cache_write_1h_tokens;
  const a: Record<string, string | number | boolean> = {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": r.model,
    "gen_ai.conversation.id": r.conversation_id,
    "gen_ai.usage.input_tokens": r.input_tokens + r.cache_read_tokens + cacheWrite,
    "gen_ai.usage.cache_read.input_tokens": r.cache_read_tokens,
    "gen_ai.usage.cache_creation.input_tokens": cacheWrite,
    "gen_ai.usage.output_tokens": r.output_tokens,
    "quartet.record_id": recordId(r.runtime, r.request_key),
    "quartet.runtime": r.runtime,
    "quartet.request_key": r.request_key,
    "quartet.session_id": r.session_id,
    "quartet.root_session_id": r.root_session_id,
    "quartet.subagent": r.is_subagent !== 0,
    "quartet.cache_write_1h_tokens": r.cache_write_1h_tokens,
    "quartet.reasoning_tokens": r.reasoning_tokens,
    "quartet.cache_break": r.cache_break !== 0,
  };
  const provider = providerName(r.provider, r.runtime);
  if (provider) a["gen_ai.provider.name"] = provider;
  // Unknown prices stay unknown: the attribute is left out rather than sent as 0.
  if (r.cost_usd !== null) a["quartet.cost_usd"] = r.cost_usd;
  if (r.cache_tax_usd !== null) a["quartet.cache_tax_usd"] = r.cache_tax_usd;
  if (r.break_cause) a["quartet.break_cause"] = r.break_cause;
  if (machineId) a["quartet.machine_id"] = machineId;
  return a;
}

export interface ExportOptions {
  db: Db;
  /** The endpoint as given (`http://host:4318`); headers come from OTEL_EXPORTER_OTLP_(LOGS_)HEADERS. */
  endpoint: string;
  /** Epoch ms: records before it are not sent (the cursor still moves past them). */
  since?: number;
  version: string;
  machineId?: string;
  timeoutMs?: number;
  /** Called about every second while another export to the same endpoint runs. */
  onWait?(waitedMs: number): void;
}

export interface ExportResult {
  url: string;
  sent: number;
  /** Everything up to this change-log position is acknowledged by this endpoint. */
  cursor: number;
}

/** Sends every record newer than this endpoint's cursor, in batches; the cursor follows each acknowledged batch. */
export async function exportOtlp(o: ExportOptions): Promise<ExportResult> {
  const url = logsUrl(o.endpoint);
  const lock = await lockEndpoint(o.db, url, o.onWait);
  try {
    return await exportLocked(o, url);
  } finally {
    lock?.release();
  }
}

/** The lock of one endpoint, beside the ledger (an in-memory ledger has no other process to meet). */
async function lockEndpoint(db: Db, url: string, onWait?: (waitedMs: number) => void): Promise<HeldLock | null> {
  if (db.memory) return null;
  const id = crypto.createHash("sha256").update(url).digest("hex").slice(0, 16);
  return acquireLock(`${db.name}.export-${id}.lock`, { onWait });
}

async function exportLocked(o: ExportOptions, url: string): Promise<ExportResult> {
  const logId = prepareChangeLog(o.db);
  migrate(o.db, "otel", MIGRATIONS);
  const cursorOf = () => {
    const row = statement(o.db, "SELECT log_id AS logId, last_seq AS seq FROM otel_export_cursor WHERE endpoint = ?").get(url) as
      { logId: string; seq: number } | undefined;
    return row?.logId === logId ? row.seq : 0;
  };
  const advance = statement(
    o.db,
    `INSERT INTO otel_export_cursor (endpoint, log_id, last_seq, records, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (endpoint) DO UPDATE SET log_id = excluded.log_id, last_seq = excluded.last_seq,
       records = records + excluded.records, updated_at = excluded.updated_at`,
  );
  // Deleted records (in the log, no longer in the ledger) are skipped: a log record cannot be taken back.
  const next = statement(
    o.db,
    `SELECT c.seq, r.runtime, r.request_key, r.session_id, r.root_session_id, r.conversation_id, r.is_subagent, r.model,
            r.provider, r.ts, r.input_tokens, r.cache_write_5m_tokens, r.cache_write_1h_tokens, r.cache_read_tokens,
            r.output_tokens, r.reasoning_tokens, r.cost_usd, r.cache_tax_usd, r.cache_break, r.break_cause
       FROM sync_change c JOIN usage_record r ON r.runtime = c.runtime AND r.request_key = c.request_key
      WHERE c.seq > ? ORDER BY c.seq LIMIT ${BATCH}`,
  );
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": "quartet", "service.version": o.version }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  const logger = provider.getLogger("quartet", o.version);
  const exporter = new OTLPLogExporter({ url, timeoutMillis: o.timeoutMs ?? 10_000 });
  let cursor = cursorOf();
  let sent = 0;
  try {
    for (;;) {
      const rows = next.all(cursor) as Row[];
      if (rows.length === 0) break;
      const wanted = rows.filter((r) => o.since === undefined || r.ts >= o.since);
      memory.reset();
      for (const r of wanted)
        logger.emit({
          eventName: "quartet.request",
          timestamp: r.ts,
          observedTimestamp: Date.now(),
          severityNumber: SeverityNumber.INFO,
          severityText: "INFO",
          attributes: requestAttributes(r, o.machineId),
        });
      const records = memory.getFinishedLogRecords();
      if (records.length > 0) {
        const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(records, resolve));
        if (result.code !== 0)
          throw new ExportFailedError({ message: `${url} did not take the records: ${result.error?.message ?? "export failed"}`, sent });
      }
      const last = rows[rows.length - 1]!.seq;
      advance.run(url, logId, last, records.length, Date.now());
      cursor = last;
      sent += records.length;
    }
  } finally {
    await exporter.shutdown();
    await provider.shutdown();
  }
  return { url, sent, cursor };
}
