/**
 * Pushing this machine's ledger to the team server: the changes logged since the cursor the server holds
 * for this machine, in batches, each batch and its cursor advance committed in one server transaction.
 *
 * - Nothing lost, nothing doubled: a push cut anywhere (a kill, a network cut, the server going down) has
 *   committed whole batches with their cursor, or not; the next push starts after the server's cursor.
 *   Records are upserted on (runtime, request_key), so even a batch sent twice stores each record once.
 * - The server's cursor is the truth; the local mirror (ack.ts) is written after each commit, for
 *   `quartet sync --status` only.
 * - The same request from two machines is one row. The copy kept is the first pushed, replaced by the
 *   owning machine's later changes (its ledger settled new costs) or by a more complete copy from another
 *   machine (more tokens: the ledger's own rank rule, so every ledger and the server keep the same copy).
 * - A record deleted locally (superseded by another copy of the same request) is deleted on the server
 *   if this machine's copy is the one stored there.
 */
import crypto from "node:crypto";
import type { ClientBase } from "pg";
import type { Db } from "../core/db.js";
import { Mark } from "../contract/log-records.js";
import { changesAfter, lastChange, PUSHED_COLUMNS, type ChangeBatch } from "./changes.js";
import type { ProjectMode } from "./connect.js";
import { rollback } from "./schema.js";

export const DEFAULT_BATCH = 5000;

export interface PushOptions {
  db: Db;
  client: ClientBase;
  machineId: string;
  user: string;
  project: ProjectMode;
  /** The local change log's id (changes.ts). */
  logId: string;
  version: string;
  batchSize?: number;
  /** Called once the server's cursor is known, with it. */
  onStart?(seq: number): void;
  /** Called after each committed batch with the acknowledged sequence number and the changes sent so far. */
  onAck?(seq: number, sent: number): void;
}

export interface PushResult {
  /** Changes sent (records and deletions). */
  sent: number;
  /** Records written on the server (new or changed; a copy the server keeps another of is not) and records deleted there. */
  upserted: number;
  deleted: number;
  batches: number;
  /** The acknowledged sequence number when the push ended. */
  seq: number;
  /** The server had no cursor this push could continue from (first push, a new ledger, other settings). */
  fromStart: boolean;
}

/**
 * What the cursor counts in: the change log and the settings that shape pushed records. Pushing with
 * another user name or project mode starts from the beginning, so every record carries the new values.
 */
export function pushBasis(o: Pick<PushOptions, "logId" | "user" | "project">): string {
  return `log=${o.logId} user=${o.user} project=${o.project}`;
}

/** The project as it leaves the machine: its last folder name, a hash of that name, or nothing. */
export function pushedProject(project: string | null, mode: ProjectMode): string | null {
  if (project === null || mode === "none") return null;
  const name =
    project
      .replace(/[\\/]+$/, "")
      .split(/[\\/]/)
      .pop() || project;
  if (mode === "name") return name;
  return `sha256:${crypto.createHash("sha256").update(name).digest("hex").slice(0, 16)}`;
}

/** PostgreSQL's codes for a transaction that lost a deadlock or a serialization race: retrying is right. */
const RETRY_CODES = new Set(["40P01", "40001"]);

const INSERT_COLUMNS = ["runtime", "request_key", ...PUSHED_COLUMNS] as const;
const ARRAY_TYPE: Record<(typeof INSERT_COLUMNS)[number], string> = {
  runtime: "text",
  request_key: "text",
  session_id: "text",
  root_session_id: "text",
  parent_session_id: "text",
  agent_id: "text",
  conversation_id: "text",
  is_subagent: "int2",
  project: "text",
  model: "text",
  provider: "text",
  ts: "int8",
  version: "text",
  speed: "text",
  input_tokens: "int8",
  cache_write_5m_tokens: "int8",
  cache_write_1h_tokens: "int8",
  cache_read_tokens: "int8",
  output_tokens: "int8",
  reasoning_tokens: "int8",
  reported_cost_usd: "float8",
  marks: "int4",
  cost_usd: "float8",
  expected_read_tokens: "int8",
  shortfall_tokens: "int8",
  cache_break: "int2",
  break_cause: "text",
  cache_tax_usd: "float8",
};

const rank = (t: string) =>
  `((${t}.input_tokens + ${t}.cache_write_5m_tokens + ${t}.cache_write_1h_tokens + ${t}.cache_read_tokens + ${t}.output_tokens) * 2 + CASE WHEN ${t}.marks & ${Mark.copy} = 0 THEN 1 ELSE 0 END)`;

/**
 * One statement for a whole batch: the columns as arrays, unnested into rows. Sorted by key, so that
 * concurrent pushes with overlapping records lock them in the same order and do not deadlock.
 */
const UPSERT = `
  INSERT INTO quartet_record (machine_id, user_name, ${INSERT_COLUMNS.join(", ")})
  SELECT $1::uuid, $2::text, ${INSERT_COLUMNS.join(", ")}
  FROM unnest(${INSERT_COLUMNS.map((c, i) => `$${i + 3}::${ARRAY_TYPE[c]}[]`).join(", ")}) AS t(${INSERT_COLUMNS.join(", ")})
  ORDER BY runtime, request_key
  ON CONFLICT (runtime, request_key) DO UPDATE SET
    machine_id = excluded.machine_id, user_name = excluded.user_name, pushed_at = now(),
    ${PUSHED_COLUMNS.map((c) => `${c} = excluded.${c}`).join(", ")}
  WHERE quartet_record.machine_id = excluded.machine_id OR ${rank("excluded")} > ${rank("quartet_record")}`;

const DELETE = `
  DELETE FROM quartet_record r USING unnest($2::text[], $3::text[]) AS d(runtime, request_key)
  WHERE r.runtime = d.runtime AND r.request_key = d.request_key AND r.machine_id = $1::uuid`;

/** Pushes every change the server has not acknowledged. */
export async function push(o: PushOptions): Promise<PushResult> {
  const basis = pushBasis(o);
  const batchSize = o.batchSize ?? DEFAULT_BATCH;
  let cursor = await startCursor(o, basis);
  o.onStart?.(cursor.seq);
  const result: PushResult = { sent: 0, upserted: 0, deleted: 0, batches: 0, seq: cursor.seq, fromStart: cursor.fromStart };
  for (;;) {
    const changes = changesAfter(o.db, cursor.seq, batchSize);
    if (changes.size === 0) break;
    const outcome = await commitBatch(o, basis, cursor.seq, changes);
    if (outcome.moved !== undefined) {
      // Another push from this machine (a second terminal, a cron job) got there first: continue from its cursor.
      cursor = { seq: outcome.moved, fromStart: false };
      continue;
    }
    cursor = { seq: changes.last, fromStart: false };
    result.sent += changes.size;
    result.upserted += outcome.upserted;
    result.deleted += outcome.deleted;
    result.batches++;
    result.seq = cursor.seq;
    o.onAck?.(cursor.seq, result.sent);
  }
  result.seq = cursor.seq;
  return result;
}

/**
 * The server's cursor for this machine, registering the machine. A cursor of another basis, or one beyond
 * the last change this ledger ever logged (a copy of quartet's data folder restored or moved to another
 * computer, pushing under the same ids), is reset: pushing everything again costs time, skipping changes
 * would lose records.
 */
async function startCursor(o: PushOptions, basis: string): Promise<{ seq: number; fromStart: boolean }> {
  const newest = lastChange(o.db);
  return retrying(o.client, async () => {
    await o.client.query(
      `INSERT INTO quartet_machine (machine_id, user_name, push_basis, push_seq, quartet_version) VALUES ($1, $2, $3, 0, $4)
       ON CONFLICT (machine_id) DO NOTHING`,
      [o.machineId, o.user, basis, o.version],
    );
    const row = await machineRow(o.client, o.machineId);
    const seq = Number(row.push_seq);
    if (row.push_basis === basis && seq <= newest) return { seq, fromStart: seq === 0 };
    await o.client.query("UPDATE quartet_machine SET push_basis = $2, push_seq = 0, user_name = $3 WHERE machine_id = $1", [
      o.machineId,
      basis,
      o.user,
    ]);
    return { seq: 0, fromStart: true };
  });
}

async function machineRow(client: ClientBase, machineId: string): Promise<{ push_seq: string; push_basis: string | null }> {
  const rows = await client.query<{ push_seq: string; push_basis: string | null }>(
    "SELECT push_seq, push_basis FROM quartet_machine WHERE machine_id = $1 FOR UPDATE",
    [machineId],
  );
  const row = rows.rows[0];
  if (!row) throw new Error(`machine ${machineId} was removed from quartet_machine during the push: run quartet sync again`);
  return row;
}

/**
 * Commits one batch and the cursor after it, if the server's cursor is still where this push expects it;
 * `moved` is the server's cursor when it is not.
 */
async function commitBatch(
  o: PushOptions,
  basis: string,
  expected: number,
  changes: ChangeBatch,
): Promise<{ upserted: number; deleted: number; moved?: number }> {
  const { gone, last } = changes;
  const values = changes.live.runtime.length > 0 ? columnArrays(changes, o.project) : [];
  return retrying(o.client, async () => {
    const row = await machineRow(o.client, o.machineId);
    if (row.push_basis !== basis)
      throw new Error(
        "another push from this machine, with another user name or project setting, reset the server's cursor meanwhile: run quartet sync again",
      );
    if (Number(row.push_seq) !== expected) return { upserted: 0, deleted: 0, moved: Number(row.push_seq) };
    let upserted = 0;
    let deleted = 0;
    if (values.length > 0) upserted = (await o.client.query(UPSERT, [o.machineId, o.user, ...values])).rowCount ?? 0;
    if (gone.runtime.length > 0) deleted = (await o.client.query(DELETE, [o.machineId, gone.runtime, gone.requestKey])).rowCount ?? 0;
    await o.client.query(
      "UPDATE quartet_machine SET push_seq = $2, pushed_at = now(), user_name = $3, quartet_version = $4 WHERE machine_id = $1",
      [o.machineId, last, o.user, o.version],
    );
    return { upserted, deleted };
  });
}

/** The batch's records as one array per column, in INSERT_COLUMNS order, the project as it may leave. */
function columnArrays(changes: ChangeBatch, project: ProjectMode): unknown[][] {
  const { live } = changes;
  return INSERT_COLUMNS.map((column) => {
    if (column === "runtime") return live.runtime.map(serverText);
    if (column === "request_key") return live.requestKey.map(serverText);
    if (column === "project") return live.columns.project.map((p) => serverText(pushedProject(p as string | null, project)));
    return ARRAY_TYPE[column] === "text" ? live.columns[column].map(serverText) : live.columns[column];
  });
}

/**
 * Text as PostgreSQL takes it. A NUL character cannot be stored in a text column, and one odd value from a
 * log would otherwise fail its batch on every push, holding back every record after it.
 */
export function serverText<T>(value: T): T | string {
  return typeof value === "string" && value.includes("\0") ? value.replaceAll("\0", "\uFFFD") : value;
}

/** Runs `work` in a transaction, again when PostgreSQL ended it to break a deadlock or a serialization race. */
async function retrying<T>(client: ClientBase, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await client.query("BEGIN");
    try {
      const value = await work();
      await client.query("COMMIT");
      return value;
    } catch (e) {
      await rollback(client);
      if (!RETRY_CODES.has((e as { code?: string }).code ?? "") || attempt >= 10) throw e;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
