import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openDatabase, type Db } from "../core/db.js";
import { HOUR_MS, rebuildRollup, replaceRollup, RollupBuilder, SqlSum } from "./rollup.js";
import { insertRecords, prepareLedger, type StoredRecord } from "./store.js";

const BASE_HOUR = Date.UTC(2026, 10, 2) / HOUR_MS;

// Wide magnitudes, so that the order and the method of summing show in the last bits.
const price = fc.oneof(
  fc.constant(null),
  fc.constant(0),
  fc.integer({ min: 1, max: 1e9 }).map((n) => n / 7919),
  fc.integer({ min: 1, max: 1e9 }).map((n) => n / 7.919e15),
  fc.integer({ min: 0, max: 3 }),
);
const tokens = fc.integer({ min: 0, max: 2_000_000 });

const record = fc.record({
  hour: fc.integer({ min: 0, max: 3 }),
  minute: fc.integer({ min: 0, max: 59 }),
  runtime: fc.constantFrom("claude", "codex"),
  root: fc.constantFrom("s1", "S1", "s10"),
  project: fc.constantFrom(null, "/p", "/p/ä", "/p/😀", "/p/\uffee", ""),
  model: fc.constantFrom("claude-opus-4-8", "gpt-5", "m"),
  input: tokens,
  cacheWrite5m: tokens,
  cacheWrite1h: tokens,
  cacheRead: tokens,
  output: tokens,
  reasoning: tokens,
  cost: price,
  reported: price,
  tax: price,
  isBreak: fc.boolean(),
});

type Generated = typeof record extends fc.Arbitrary<infer T> ? T : never;

function stored(r: Generated, i: number): StoredRecord {
  return {
    runtime: r.runtime as StoredRecord["runtime"],
    key: `k${i}`,
    sessionId: r.root,
    rootSessionId: r.root,
    parentSessionId: null,
    agentId: null,
    conversationId: r.root,
    isSubagent: false,
    project: r.project,
    model: r.model,
    provider: null,
    ts: (BASE_HOUR + r.hour) * HOUR_MS + r.minute * 60_000,
    version: null,
    speed: null,
    input: r.input,
    cacheWrite5m: r.cacheWrite5m,
    cacheWrite1h: r.cacheWrite1h,
    cacheRead: r.cacheRead,
    output: r.output,
    reasoning: r.reasoning,
    reportedCostUsd: r.reported,
    marks: 0,
    sourceLine: null,
    sourceRef: null,
    sourceId: 1,
    costUsd: r.cost,
    analysis: { expectedRead: 0, shortfall: 0, isBreak: r.isBreak, cause: null, taxUsd: r.tax },
  };
}

function ledger(): Db {
  const db = openDatabase(":memory:");
  prepareLedger(db);
  return db;
}

/** The rollup as stored, in the order its rows went in (reports sum them in scan order). */
const rollupRows = (db: Db) => db.prepare("SELECT * FROM usage_rollup ORDER BY rowid").raw().all();

describe("a bulk load's rollup, summed as the records are written", () => {
  it("equals the rollup SQL rebuilds from the records, to the last bit and in row order, however few groups it holds", () => {
    // Holding few groups, it moves most to its table and takes them up again as their records come.
    const held = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant(2048));
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 50, maxLength: 400 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 3 })),
        held,
        (rs, redo, held) => {
          const db = ledger();
          const records = rs.map(stored);
          const insert = insertRecords(db);
          const built = new RollupBuilder(db, held);
          insert.add(records);
          insert.flush();
          for (const r of records) built.add(r);
          expect(built.exact).toBe(true);
          replaceRollup(
            db,
            built,
            redo.map((h) => BASE_HOUR + h),
          );
          const fromMemory = rollupRows(db);
          rebuildRollup(db, "all");
          expect(fromMemory).toEqual(rollupRows(db));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("takes the hours it is told to redo from the records, not from what it summed", () => {
    const db = ledger();
    const records = [0, 1].map((hour) =>
      stored(
        { ...fc.sample(record, { numRuns: 1, seed: hour })[0]!, hour, root: "s1", project: "/p", model: "m", runtime: "claude" },
        hour,
      ),
    );
    const insert = insertRecords(db);
    insert.add(records);
    insert.flush();
    const built = new RollupBuilder(db);
    for (const r of records) built.add(r);
    // The record of the second hour changed after the builder summed it.
    db.prepare("UPDATE usage_record SET input_tokens = 12345 WHERE request_key = 'k1'").run();
    replaceRollup(db, built, [BASE_HOUR + 1]);
    expect(db.prepare("SELECT hour - ? AS hour, input FROM usage_rollup ORDER BY hour").all(BASE_HOUR)).toEqual([
      { hour: 0, input: records[0]!.input },
      { hour: 1, input: 12345 },
    ]);
  });

  it("takes a redone hour of 200,000 groups (more rows than a call's arguments can hold)", () => {
    const db = ledger();
    const base = stored(fc.sample(record, { numRuns: 1, seed: 3 })[0]!, 0);
    const n = 200_000;
    const insert = insertRecords(db);
    insert.add(
      Array.from({ length: n }, (_, i) => ({ ...base, key: `k${i}`, rootSessionId: `s${i}`, ts: BASE_HOUR * HOUR_MS + (i % HOUR_MS) })),
    );
    insert.flush();
    replaceRollup(db, new RollupBuilder(db), [BASE_HOUR]);
    expect(db.prepare("SELECT count(*) AS rows, sum(requests) AS requests FROM usage_rollup").get()).toEqual({ rows: n, requests: n });
  });

  it("gives up (for the SQL rebuild) on what it cannot mirror exactly", () => {
    const base = stored(fc.sample(record, { numRuns: 1, seed: 7 })[0]!, 0);
    for (const odd of [{ input: 1.5 }, { project: "/p/\ud800" }, { costUsd: Number.NaN }, { ts: -5 }]) {
      const built = new RollupBuilder(ledger());
      built.add(base);
      expect(built.exact).toBe(true);
      built.add({ ...base, ...odd });
      expect(built.exact).toBe(false);
    }
  });
});

describe("SqlSum", () => {
  it("sums as SQLite's SUM does: integers exactly until the first real, NULL over nothing", () => {
    const value = fc.oneof(fc.constant(null), fc.integer({ min: -1e9, max: 1e9 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }));
    const tagged = fc.array(fc.tuple(value, fc.boolean()), { maxLength: 60 });
    const db = ledger();
    db.exec("CREATE TEMP TABLE v (x)");
    const insert = db.prepare("INSERT INTO v VALUES (?)");
    fc.assert(
      fc.property(tagged, (values) => {
        db.exec("DELETE FROM v");
        const sum = new SqlSum();
        for (const [x, asReal] of values) {
          // An integer-valued double binds as a REAL; a BigInt binds as an INTEGER.
          const integer = x !== null && Number.isInteger(x) && !asReal;
          insert.run(integer ? BigInt(x) : x);
          if (x === null) continue;
          if (integer) sum.addInteger(x);
          else sum.addReal(x);
        }
        expect(sum.value()).toBe(db.prepare("SELECT SUM(x) FROM v").pluck().get());
      }),
      { numRuns: 500 },
    );
  });
});
