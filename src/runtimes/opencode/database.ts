/**
 * Reading usage from OpenCode's SQLite database (OpenCode ≥ 1.2), incrementally by row time.
 *
 * Rows are selected by `time_updated` at or after the previous run's high-water mark minus an overlap
 * (a row can be committed shortly after the time it carries); records are keyed by part or message id,
 * so re-reading a row never double counts.
 */
import type { Observation, StoreReadContext } from "../../contract/log-records.js";
import { Mark } from "../../contract/log-records.js";
import { openCopy } from "./sqlite.js";
import { AssistantMessage, isSummary, messageObservation, StepFinish, stepObservation, type SessionInfo } from "./usage.js";

const OVERLAP_MS = 10 * 60 * 1000;

export interface DatabaseState {
  watermark: number;
  /** Marks (compaction) seen at the end of a read, waiting for the session's next request. */
  pending: Record<string, number>;
}

interface Event {
  sessionId: string;
  ts: number;
  order: string;
  obs?: Observation;
  mark?: number;
  /** Marks to set after this event (a summary message ends a compaction). */
  after?: number;
}

export function readDatabase(file: string, ctx: StoreReadContext<DatabaseState>): DatabaseState | undefined {
  let opened;
  try {
    opened = openCopy(file);
  } catch (e) {
    ctx.warn({ code: "store-unavailable", message: `cannot open the OpenCode database (${describe(e)}); it will be read on the next run` });
    return ctx.state;
  }
  try {
    const { db } = opened;
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    if (!["session", "message", "part"].every((t) => tables.has(t))) {
      ctx.warn({ code: "store-unavailable", message: "not an OpenCode database: tables session, message and part are missing" });
      return ctx.state;
    }
    const since = Math.max(0, (ctx.state?.watermark ?? 0) - OVERLAP_MS);
    let watermark = ctx.state?.watermark ?? 0;
    const events: Event[] = [];
    db.transaction(() => {
      const sessions = new Map<string, SessionInfo>();
      for (const s of db.prepare("SELECT id, parent_id, directory, version FROM session").all() as {
        id: string;
        parent_id: string | null;
        directory: string | null;
        version: string | null;
      }[]) {
        sessions.set(s.id, { parentId: s.parent_id, directory: s.directory, version: s.version });
      }
      const messageById = db.prepare("SELECT data FROM message WHERE id = ?").pluck();
      const messages = db
        .prepare(
          `SELECT m.id, m.session_id, m.time_created, m.time_updated, m.data,
             EXISTS (SELECT 1 FROM part p WHERE p.message_id = m.id AND p.data LIKE '%"type":"step-finish"%') AS has_steps
           FROM message m WHERE m.time_updated >= ?`,
        )
        .all(since) as { id: string; session_id: string; time_created: number; time_updated: number; data: string; has_steps: number }[];
      const parsedMessages = new Map<string, AssistantMessage | null>();
      const parseMessage = (id: string, json: string | undefined, line: string): AssistantMessage | null => {
        if (parsedMessages.has(id)) return parsedMessages.get(id)!;
        let result: AssistantMessage | null = null;
        if (json !== undefined) {
          const value = safeJson(json);
          if (value === undefined) ctx.warn({ code: "malformed-json", message: `${line}: data is not valid JSON` });
          else if ((value as { role?: unknown })?.role === "assistant") {
            const parsed = AssistantMessage.safeParse(value);
            if (parsed.success) result = parsed.data;
            else
              ctx.warn({
                code: "invalid-record",
                message: `${line}: field ${parsed.error.issues[0]!.path.join(".")}: ${parsed.error.issues[0]!.message}`,
              });
          }
        }
        parsedMessages.set(id, result);
        return result;
      };
      for (const m of messages) {
        watermark = Math.max(watermark, m.time_updated);
        const message = parseMessage(m.id, m.data, `message ${m.id}`);
        if (!message || m.has_steps) continue;
        // A message still streaming has zero tokens (dropped by the ledger); it is read again once updated.
        const ts = message.time?.created ?? m.time_created;
        events.push({
          sessionId: m.session_id,
          ts,
          order: m.id,
          obs: messageObservation({ sessionId: m.session_id, messageId: m.id, message, sessions, ts, ref: `message ${m.id}` }),
          after: isSummary(message) ? Mark.compaction : 0,
        });
      }
      const parts = db
        .prepare(
          `SELECT id, message_id, session_id, time_created, time_updated, data FROM part
           WHERE time_updated >= ? AND (data LIKE '%"type":"step-finish"%' OR data LIKE '%"type":"compaction"%')`,
        )
        .all(since) as { id: string; message_id: string; session_id: string; time_created: number; time_updated: number; data: string }[];
      for (const p of parts) {
        watermark = Math.max(watermark, p.time_updated);
        const value = safeJson(p.data) as { type?: unknown } | undefined;
        if (value === undefined) {
          ctx.warn({ code: "malformed-json", message: `part ${p.id}: data is not valid JSON` });
          continue;
        }
        if (value.type === "compaction") {
          events.push({ sessionId: p.session_id, ts: p.time_created, order: p.id, mark: Mark.compaction });
          continue;
        }
        const step = StepFinish.safeParse(value);
        if (!step.success) {
          if (value.type === "step-finish")
            ctx.warn({
              code: "invalid-record",
              message: `part ${p.id}: field ${step.error.issues[0]!.path.join(".")}: ${step.error.issues[0]!.message}`,
            });
          continue;
        }
        const message = parseMessage(p.message_id, messageById.get(p.message_id) as string | undefined, `message ${p.message_id}`);
        if (!message) continue;
        events.push({
          sessionId: p.session_id,
          ts: p.time_created,
          order: p.id,
          obs: stepObservation({
            sessionId: p.session_id,
            messageId: p.message_id,
            partId: p.id,
            message,
            sessions,
            ts: p.time_created,
            step: step.data,
            ref: `part ${p.id}`,
          }),
          after: isSummary(message) ? Mark.compaction : 0,
        });
      }
    })();
    const pending = { ...(ctx.state?.pending ?? {}) };
    events.sort((a, b) => a.sessionId.localeCompare(b.sessionId) || a.ts - b.ts || a.order.localeCompare(b.order));
    for (const e of events) {
      if (e.mark) pending[e.sessionId] = (pending[e.sessionId] ?? 0) | e.mark;
      if (e.obs) {
        ctx.emit({ ...e.obs, marks: pending[e.sessionId] ?? 0 });
        delete pending[e.sessionId];
      }
      if (e.after) pending[e.sessionId] = (pending[e.sessionId] ?? 0) | e.after;
    }
    return { watermark, pending };
  } catch (e) {
    ctx.warn({ code: "store-unavailable", message: `cannot read the OpenCode database (${describe(e)}); it will be read on the next run` });
    return ctx.state;
  } finally {
    opened.close();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(e: unknown): string {
  const err = e as { code?: string; message?: string };
  if (err.code === "SQLITE_BUSY") return "database is locked by another process";
  if (err.code === "SQLITE_NOTADB" || err.code === "SQLITE_CORRUPT") return `database is corrupt: ${err.message}`;
  return err.code ? `${err.code}: ${err.message}` : String(err.message ?? e);
}
