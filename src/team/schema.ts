/**
 * The team ledger's tables in PostgreSQL and their versioned migrations.
 *
 * - `quartet_record`: one row per request, keyed by (runtime, request_key) like the local usage_record, so
 *   the same request pushed from two machines is stored once. It carries every column a local report
 *   reads (tokens by kind, cost, cache tax, breaks, sessions, project, model, provider) plus who pushed it
 *   (machine_id, user_name). Local-only columns (the log file, line and ref a record came from) never leave
 *   the machine. `ts` stays epoch milliseconds, as in the local ledger, so the same slot arithmetic works.
 * - `quartet_machine`: one row per machine: its user name and the push cursor the server acknowledged.
 * - `quartet_migration`: which migrations ran.
 *
 * Migrations run in one transaction under a transaction-level advisory lock: two machines running
 * `quartet sync --migrate` at once apply them once, the second waits and then finds nothing to do.
 */
import type { ClientBase } from "pg";
import { ROLLUP_MIGRATION } from "./report-schema.js";
import { NamedError } from "../core/errors.js";

export interface ServerMigration {
  /** Short description, kept in quartet_migration for humans. */
  name: string;
  up: string;
}

/** The key of the advisory lock migrations hold: "quartet" in ASCII, so it is unlikely to meet another tool's. */
const MIGRATION_LOCK = 0x71_75_61_72_74_65_74n;

export const SERVER_MIGRATIONS: readonly ServerMigration[] = [
  {
    name: "records and machines",
    up: `
      CREATE TABLE quartet_machine (
        machine_id uuid PRIMARY KEY,
        user_name text NOT NULL,
        -- What the cursor below counts in: the machine's local change log and the settings that shape its
        -- records (user, project mode). When it differs from the machine's, the machine pushes from the start.
        push_basis text,
        -- The last local change sequence number whose records are committed here.
        push_seq bigint NOT NULL DEFAULT 0,
        pushed_at timestamptz,
        first_seen timestamptz NOT NULL DEFAULT now(),
        quartet_version text
      );

      CREATE TABLE quartet_record (
        runtime text NOT NULL,
        request_key text NOT NULL,
        -- The machine whose copy this is (the first to push it, or a later more complete copy) and its user.
        machine_id uuid NOT NULL,
        user_name text NOT NULL,
        session_id text NOT NULL,
        root_session_id text NOT NULL,
        parent_session_id text,
        agent_id text,
        conversation_id text NOT NULL,
        is_subagent smallint NOT NULL,
        -- The project's name, a hash of it, or NULL, as the pushing machine's sync.project says.
        project text,
        model text NOT NULL,
        provider text,
        -- Epoch milliseconds (UTC), as in the local ledger.
        ts bigint NOT NULL,
        version text,
        speed text,
        input_tokens bigint NOT NULL,
        cache_write_5m_tokens bigint NOT NULL,
        cache_write_1h_tokens bigint NOT NULL,
        cache_read_tokens bigint NOT NULL,
        output_tokens bigint NOT NULL,
        reasoning_tokens bigint NOT NULL,
        reported_cost_usd double precision,
        marks integer NOT NULL DEFAULT 0,
        cost_usd double precision,
        expected_read_tokens bigint NOT NULL DEFAULT 0,
        shortfall_tokens bigint NOT NULL DEFAULT 0,
        cache_break smallint NOT NULL DEFAULT 0,
        break_cause text,
        cache_tax_usd double precision,
        pushed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (runtime, request_key)
      );

      -- Reports: bounded by time, grouped by user, machine, runtime, model, project or session.
      CREATE INDEX quartet_record_ts ON quartet_record (ts);
      CREATE INDEX quartet_record_user ON quartet_record (user_name, ts);
      CREATE INDEX quartet_record_machine ON quartet_record (machine_id, ts);
      CREATE INDEX quartet_record_runtime ON quartet_record (runtime, ts);
      CREATE INDEX quartet_record_model ON quartet_record (model, ts);
      CREATE INDEX quartet_record_project ON quartet_record (project, ts);
      CREATE INDEX quartet_record_session ON quartet_record (root_session_id, conversation_id, ts);
    `,
  },
  // Team reports' quarter-hour rollup, kept by triggers on quartet_record (report-schema.ts).
  ROLLUP_MIGRATION,
];

/** The newest schema version this quartet knows. */
export const SERVER_SCHEMA_VERSION = SERVER_MIGRATIONS.length;

/** The version of the server's schema: 0 when quartet's tables were never created there. */
export async function serverSchemaVersion(client: ClientBase): Promise<number> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('quartet_migration')::text AS t");
  if (exists.rows[0]?.t === null) return 0;
  const row = await client.query<{ v: number | null }>("SELECT max(version) AS v FROM quartet_migration");
  return row.rows[0]?.v ?? 0;
}

/** The server's schema is missing, older or newer than this quartet's; the message says what to run. */
export class ServerSchemaError extends NamedError.create<"ServerSchemaError", { message: string }>("ServerSchemaError") {
  constructor(message: string) {
    super({ message });
  }
}

/** Throws unless the server's schema is exactly the one this quartet reads and writes. */
export async function requireServerSchema(client: ClientBase): Promise<void> {
  const version = await serverSchemaVersion(client);
  if (version === SERVER_SCHEMA_VERSION) return;
  if (version === 0)
    throw new ServerSchemaError("the server has no quartet tables yet: run `quartet sync --migrate` once (it needs CREATE rights)");
  if (version < SERVER_SCHEMA_VERSION)
    throw new ServerSchemaError(
      `the server's quartet tables are older (version ${version}) than this quartet's (${SERVER_SCHEMA_VERSION}): run \`quartet sync --migrate\``,
    );
  throw new ServerSchemaError(
    `the server's quartet tables are newer (version ${version}) than this quartet knows (${SERVER_SCHEMA_VERSION}): upgrade quartet`,
  );
}

/**
 * Applies the migrations the server has not run yet; returns the versions applied. Safe to run from many
 * machines at once: the transaction-level advisory lock makes them take turns, and each reads the version
 * only once it holds the lock.
 */
export async function migrateServer(client: ClientBase): Promise<{ from: number; to: number }> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK.toString()]);
    const from = await serverSchemaVersion(client);
    // Created only when absent: a role without CREATE rights can still run --migrate on an up-to-date server.
    if (from === 0)
      await client.query(`CREATE TABLE IF NOT EXISTS quartet_migration (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    if (from > SERVER_SCHEMA_VERSION) {
      throw new ServerSchemaError(
        `the server's quartet tables are newer (version ${from}) than this quartet knows (${SERVER_SCHEMA_VERSION}): upgrade quartet`,
      );
    }
    for (let i = from; i < SERVER_MIGRATIONS.length; i++) {
      await client.query(SERVER_MIGRATIONS[i]!.up);
      await client.query("INSERT INTO quartet_migration (version, name) VALUES ($1, $2)", [i + 1, SERVER_MIGRATIONS[i]!.name]);
    }
    await client.query("COMMIT");
    return { from, to: SERVER_SCHEMA_VERSION };
  } catch (e) {
    await rollback(client);
    throw e;
  }
}

/**
 * Ends a failed transaction. When the connection itself is what failed, ROLLBACK fails too, and the server
 * discards the transaction when the connection goes: the caller's error says why, so that one is kept.
 */
export async function rollback(client: ClientBase): Promise<void> {
  try {
    await client.query("ROLLBACK");
  } catch {
    return;
  }
}
