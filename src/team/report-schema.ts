/**
 * The team ledger's rollup: per UTC quarter-hour, machine, user, runtime, root session, project and model,
 * the sums every usage report needs, as the local ledger's hourly usage_rollup holds them
 * (src/ledger/rollup.ts). Quarter-hours rather than hours: every time zone's offset is a multiple of 15
 * minutes, so a day in Asia/Kolkata is whole slots too, and team reports read the rollup instead of
 * quartet_record for any zone and any bounds on a quarter-hour: `usage --from … --by user` over ten million
 * requests sums a few hundred thousand rows, not ten million.
 *
 * It is kept by statement-level triggers with transition tables, in the same transaction as the push that
 * changed the records, so it can never drift from them: an insert adds the statement's rows grouped by key,
 * a delete subtracts them, an update does both. The machine is part of the key, so machines pushing at once
 * never update the same rollup row; rows are upserted in key order, so two pushes that do meet lock alike.
 * A group whose records are all gone is removed, and first_ts / last_ts of a group that lost records are
 * read again from the records (through the session index), so every figure equals a fresh aggregate; an
 * update that changes no record's time or group (new costs) has nothing to settle and skips that step.
 */
import { SLOT_MS } from "../core/time.js";
import type { ServerMigration } from "./schema.js";

/** The rollup's key columns, in the unique index's order (project may be NULL: its index entry says so). */
const KEY = "slot, machine_id, user_name, runtime, root_session_id, (project IS NULL), (COALESCE(project, '')), model";

/** The sums of a set of records as rollup columns, negated with `sign` -1 (for records that left). */
const sums = (sign: 1 | -1, from: string) => `
  SELECT ts / ${SLOT_MS}, machine_id, user_name, runtime, root_session_id, project, model,
    ${sign} * COUNT(*), ${sign} * SUM(input_tokens), ${sign} * SUM(cache_write_5m_tokens), ${sign} * SUM(cache_write_1h_tokens),
    ${sign} * SUM(cache_read_tokens), ${sign} * SUM(output_tokens), ${sign} * SUM(reasoning_tokens),
    ${sign} * SUM(COALESCE(cost_usd, 0)), ${sign} * COUNT(*) FILTER (WHERE cost_usd IS NULL),
    ${sign} * COALESCE(SUM(reported_cost_usd), 0), ${sign} * COUNT(reported_cost_usd),
    ${sign} * SUM(COALESCE(cache_tax_usd, 0)), ${sign} * COUNT(*) FILTER (WHERE cache_tax_usd IS NULL),
    ${sign} * SUM(cache_break), MIN(ts), MAX(ts)
  FROM ${from} GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`;

const upsert = (sign: 1 | -1, from: string) => `
  INSERT INTO quartet_rollup AS r ${sums(sign, from)}
  ON CONFLICT (${KEY}) DO UPDATE SET
    requests = r.requests + excluded.requests, input = r.input + excluded.input, w5 = r.w5 + excluded.w5, w1 = r.w1 + excluded.w1,
    cr = r.cr + excluded.cr, output = r.output + excluded.output, reasoning = r.reasoning + excluded.reasoning,
    cost = r.cost + excluded.cost, unpriced = r.unpriced + excluded.unpriced, reported = r.reported + excluded.reported,
    reported_n = r.reported_n + excluded.reported_n, tax = r.tax + excluded.tax, untaxed = r.untaxed + excluded.untaxed,
    breaks = r.breaks + excluded.breaks
    ${sign === 1 ? ", first_ts = LEAST(r.first_ts, excluded.first_ts), last_ts = GREATEST(r.last_ts, excluded.last_ts)" : ""};`;

/** The groups the records in `from` belong to, matched on the unique index's columns. */
const sameGroup = (r: string, k: string) =>
  `${r}.slot = ${k}.slot AND ${r}.machine_id = ${k}.machine_id AND ${r}.user_name = ${k}.user_name AND ${r}.runtime = ${k}.runtime
   AND ${r}.root_session_id = ${k}.root_session_id AND (${r}.project IS NULL) = (${k}.project IS NULL)
   AND COALESCE(${r}.project, '') = COALESCE(${k}.project, '') AND ${r}.model = ${k}.model`;

/** A record of group k: the session index finds it (root session, then time within the slot). */
const sameGroupOfRecord = `q.root_session_id = k.root_session_id AND q.ts >= k.slot * ${SLOT_MS} AND q.ts < (k.slot + 1) * ${SLOT_MS}
  AND q.machine_id = k.machine_id AND q.user_name = k.user_name AND q.runtime = k.runtime AND q.model = k.model
  AND q.project IS NOT DISTINCT FROM k.project`;

/** What places a record in the rollup: its group's key columns and its time. */
const PLACE = "ts, machine_id, user_name, runtime, root_session_id, project, model";

/**
 * The records an update took out of their place: the old rows' places less the new rows' (as multisets).
 * Only a group that lost a place can lose its first or last time or become empty, so an update that moves
 * no record (the owner re-pushing new costs, the common case) settles nothing: settling every touched
 * group made such pushes about seven times slower.
 */
const leftPlaces = `(SELECT ${PLACE} FROM old_records EXCEPT ALL SELECT ${PLACE} FROM new_records)`;

/** After records left: drop emptied groups, and read the time span of the others again (two index probes each). */
const settle = (from: string) => `
  DELETE FROM quartet_rollup r USING (SELECT DISTINCT ts / ${SLOT_MS} AS slot, machine_id, user_name, runtime, root_session_id, project, model FROM ${from} x) k
  WHERE ${sameGroup("r", "k")} AND r.requests = 0;
  UPDATE quartet_rollup r SET first_ts = s.first_ts, last_ts = s.last_ts
  FROM (SELECT k.*, (SELECT MIN(q.ts) FROM quartet_record q WHERE ${sameGroupOfRecord}) AS first_ts,
               (SELECT MAX(q.ts) FROM quartet_record q WHERE ${sameGroupOfRecord}) AS last_ts
        FROM (SELECT DISTINCT ts / ${SLOT_MS} AS slot, machine_id, user_name, runtime, root_session_id, project, model FROM ${from} x) k) s
  WHERE ${sameGroup("r", "s")} AND (r.first_ts <> s.first_ts OR r.last_ts <> s.last_ts);`;

export const ROLLUP_MIGRATION: ServerMigration = {
  name: "quarter-hour rollup for team reports",
  up: `
    CREATE TABLE quartet_rollup (
      -- The UTC quarter-hour: ts / 900000.
      slot bigint NOT NULL,
      machine_id uuid NOT NULL,
      user_name text NOT NULL,
      runtime text NOT NULL,
      root_session_id text NOT NULL,
      project text,
      model text NOT NULL,
      requests bigint NOT NULL,
      input bigint NOT NULL,
      w5 bigint NOT NULL,
      w1 bigint NOT NULL,
      cr bigint NOT NULL,
      output bigint NOT NULL,
      reasoning bigint NOT NULL,
      cost double precision NOT NULL,
      unpriced bigint NOT NULL,
      -- The sum of the reported costs and how many records reported one (the sum is NULL when none did).
      reported double precision NOT NULL,
      reported_n bigint NOT NULL,
      tax double precision NOT NULL,
      untaxed bigint NOT NULL,
      breaks bigint NOT NULL,
      first_ts bigint NOT NULL,
      last_ts bigint NOT NULL
    );
    -- The upserts' key; its leading slot also serves time-bounded reports.
    CREATE UNIQUE INDEX quartet_rollup_key ON quartet_rollup (${KEY});
    -- Cache-tax-by-cause reads only the records with a shortfall.
    CREATE INDEX quartet_record_shortfall ON quartet_record (ts) WHERE break_cause IS NOT NULL;

    CREATE FUNCTION quartet_rollup_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      ${upsert(1, "new_records")}
      RETURN NULL;
    END $$;
    CREATE FUNCTION quartet_rollup_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      ${upsert(-1, "old_records")}
      ${settle("old_records")}
      RETURN NULL;
    END $$;
    CREATE FUNCTION quartet_rollup_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      ${upsert(-1, "old_records")}
      ${upsert(1, "new_records")}
      ${settle(leftPlaces)}
      RETURN NULL;
    END $$;
    CREATE FUNCTION quartet_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      TRUNCATE quartet_rollup;
      RETURN NULL;
    END $$;
    CREATE TRIGGER quartet_rollup_insert AFTER INSERT ON quartet_record
      REFERENCING NEW TABLE AS new_records FOR EACH STATEMENT EXECUTE FUNCTION quartet_rollup_insert();
    CREATE TRIGGER quartet_rollup_delete AFTER DELETE ON quartet_record
      REFERENCING OLD TABLE AS old_records FOR EACH STATEMENT EXECUTE FUNCTION quartet_rollup_delete();
    CREATE TRIGGER quartet_rollup_update AFTER UPDATE ON quartet_record
      REFERENCING OLD TABLE AS old_records NEW TABLE AS new_records FOR EACH STATEMENT EXECUTE FUNCTION quartet_rollup_update();
    CREATE TRIGGER quartet_rollup_truncate AFTER TRUNCATE ON quartet_record
      FOR EACH STATEMENT EXECUTE FUNCTION quartet_rollup_truncate();

    -- Records pushed before this migration.
    ${upsert(1, "quartet_record")}
  `,
};
