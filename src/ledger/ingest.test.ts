import { execFileSync } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";
import { describe, expect, it, vi } from "vitest";
import { fixtureHome, snapshotTree, tempDir, writeLines } from "../../test/helpers.js";
import { assistantLine, ingestOnce, logsOnlyRuntime, testLedger } from "../../test/ledger.js";
import { migrate, openDatabase, type Db } from "../core/db.js";
import { tryLock } from "../core/file-lock.js";
import { lookupEnv } from "../core/paths.js";
import { PRICE_TABLE } from "../core/price-table.js";
import { buildPricing } from "../core/pricing.js";
import { RUNTIMES } from "../runtimes/registry.js";
import type { RuntimeAdapter } from "../runtimes/types.js";
import { ingest } from "./ingest.js";
import { HOUR_MS, rebuildRollup } from "./rollup.js";
import { LEDGER_MIGRATIONS } from "./schema.js";
import { prepareLedger } from "./store.js";

const claudeFiles = (home: string) =>
  fs
    .readdirSync(path.join(home, ".claude", "projects"), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".jsonl") && !f.includes("subagents"))
    .map((f) => path.join(home, ".claude", "projects", f));

const totals = (l: ReturnType<typeof testLedger>) =>
  l.rows(
    "SELECT count(*) AS n, sum(input_tokens) AS i, sum(cache_read_tokens) AS r, sum(cache_write_5m_tokens + cache_write_1h_tokens) AS w, sum(output_tokens) AS o FROM usage_record",
  )[0];

describe("ingest", () => {
  it("is idempotent: a second run adds nothing and reads nothing", async () => {
    const home = fixtureHome();
    const ledger = testLedger(home);
    const first = await ledger.ingest();
    expect(first.recordsWritten).toBeGreaterThan(20);
    const after = totals(ledger);
    const second = await ledger.ingest();
    expect(second).toMatchObject({ recordsWritten: 0, sourcesRead: 0 });
    expect(totals(ledger)).toEqual(after);
  });

  it("reads only the lines appended since the last run", async () => {
    const home = fixtureHome(["claude"]);
    const ledger = testLedger(home, ["claude"]);
    await ledger.ingest();
    const before = totals(ledger)!.n as number;
    const file = claudeFiles(home)[0]!;
    writeLines(file, [assistantLine({ id: "msg_new_1", sessionId: "s-append", ts: "2026-11-24T16:00:00Z" })], { append: true });
    const second = await ledger.ingest();
    expect(second).toMatchObject({ recordsWritten: 1, sourcesRead: 1 });
    expect(totals(ledger)!.n).toBe(before + 1);
  });

  it("reads nothing and returns at once when asked not to wait for another process's run", async () => {
    const home = fixtureHome(["claude"]);
    const ledger = testLedger(home, ["claude"]);
    const pricing = buildPricing(PRICE_TABLE);
    const o = { db: ledger.db, env: lookupEnv({ home }), pricing, runtimes: [RUNTIMES.get("claude")!], skipIfBusy: true };
    const lock = tryLock(`${ledger.db.name}.ingest-lock`)!;
    try {
      expect(await ingest(o)).toMatchObject({ busy: true, sourcesRead: 0, recordsWritten: 0 });
    } finally {
      lock.release();
    }
    expect((await ingest(o)).recordsWritten).toBeGreaterThan(5);
  });

  it("picks up a half-written last line once it is complete, without a warning", async () => {
    const home = tempDir("quartet-home-");
    const file = path.join(home, ".claude", "projects", "-work-project", "s1.jsonl");
    const line = JSON.stringify(assistantLine({ id: "msg_a", sessionId: "s1", ts: "2026-11-24T10:00:00Z" }));
    writeLines(file, [assistantLine({ id: "msg_0", sessionId: "s1", ts: "2026-11-24T09:59:00Z" })]);
    fs.appendFileSync(file, line.slice(0, 100));
    const ledger = testLedger(home, ["claude"]);
    const first = await ledger.ingest();
    expect(first.warnings).toEqual([]);
    expect(totals(ledger)!.n).toBe(1);
    fs.appendFileSync(file, line.slice(100) + "\n");
    await ledger.ingest();
    expect(totals(ledger)!.n).toBe(2);
    expect(ledger.rows("SELECT count(*) AS n FROM ledger_warning")[0]!.n).toBe(0);
  });

  it("names a last line cut short once its file has been left alone for 10 minutes, on every run until it changes", async () => {
    const home = tempDir("quartet-home-");
    const file = path.join(home, ".claude", "projects", "-work-project", "s1.jsonl");
    const line = JSON.stringify(assistantLine({ id: "msg_a", sessionId: "s1", ts: "2026-11-24T10:00:00Z" }));
    writeLines(file, [
      assistantLine({ id: "msg_0", sessionId: "s1", ts: "2026-11-24T09:58:00Z" }),
      assistantLine({ id: "msg_1", sessionId: "s1", ts: "2026-11-24T09:59:00Z" }),
    ]);
    fs.appendFileSync(file, line.slice(0, 100));
    const leftAlone = (minutes: number) => {
      const at = new Date(Date.now() - minutes * 60_000);
      fs.utimesSync(file, at, at);
    };
    leftAlone(11);
    const ledger = testLedger(home, ["claude"]);
    const cutShort = { code: "unfinished-line", file, line: 3, message: expect.stringContaining("last line cut short") };
    expect((await ledger.ingest()).warnings).toEqual([cutShort]);
    expect(totals(ledger)!.n).toBe(2);
    // Not read again (nothing changed), and still named.
    const again = await ledger.ingest();
    expect(again).toMatchObject({ sourcesRead: 0, warnings: [cutShort] });
    // Written to a moment ago: the runtime may be finishing the line.
    leftAlone(9);
    expect((await ledger.ingest()).warnings).toEqual([]);
    // Finished after all: counted, and no longer named.
    fs.appendFileSync(file, line.slice(100) + "\n");
    leftAlone(60);
    expect((await ledger.ingest()).warnings).toEqual([]);
    expect(totals(ledger)!.n).toBe(3);
    expect(ledger.rows("SELECT count(*) AS n FROM ledger_warning")[0]!.n).toBe(0);
  });

  it("reads a file again from the start when it shrank or was rewritten", async () => {
    const home = tempDir("quartet-home-");
    const file = path.join(home, ".claude", "projects", "-work-project", "s1.jsonl");
    const lines = [1, 2, 3].map((i) => assistantLine({ id: `msg_${i}`, sessionId: "s1", ts: `2026-11-24T10:0${i}:00Z` }));
    writeLines(file, lines);
    const ledger = testLedger(home, ["claude"]);
    await ledger.ingest();
    expect(totals(ledger)!.n).toBe(3);
    writeLines(file, lines.slice(0, 2));
    await ledger.ingest();
    expect(ledger.rows("SELECT request_key FROM usage_record ORDER BY request_key").map((r) => r.request_key)).toEqual([
      "msg_1:req_msg_1",
      "msg_2:req_msg_2",
    ]);
    // Same size, different content at the start: a rewrite, not an append.
    writeLines(file, [assistantLine({ id: "msg_9", sessionId: "s1", ts: "2026-11-24T10:01:00Z" }), lines[1]]);
    await ledger.ingest();
    expect(ledger.rows("SELECT request_key FROM usage_record ORDER BY request_key").map((r) => r.request_key)).toEqual([
      "msg_2:req_msg_2",
      "msg_9:req_msg_9",
    ]);
  });

  it("says the disk is full, naming the ledger, keeps what earlier runs stored and reads on once there is room", async () => {
    const home = tempDir("quartet-home-");
    const file = path.join(home, ".claude", "projects", "-work-project", "s1.jsonl");
    const line = (i: number) =>
      assistantLine({ id: `msg_${i}`, sessionId: "s1", ts: `2026-11-24T10:00:${String(i % 60).padStart(2, "0")}Z` });
    writeLines(file, [line(0), line(1)]);
    const ledger = testLedger(home, ["claude"]);
    await ledger.ingest();
    const before = ledger.rows("SELECT request_key FROM usage_record ORDER BY 1");
    fs.appendFileSync(file, Array.from({ length: 3000 }, (_, i) => JSON.stringify(line(i + 2)) + "\n").join(""));
    // SQLite's own limit on the file's pages: a write past it fails with SQLITE_FULL, as on a full disk.
    const pages = ledger.db.pragma("page_count", { simple: true }) as number;
    ledger.db.pragma(`max_page_count = ${pages}`);
    await expect(ledger.ingest()).rejects.toThrow(`cannot write the ledger ${ledger.db.name}: the disk is full`);
    expect(ledger.rows("SELECT request_key FROM usage_record ORDER BY 1")).toEqual(before);
    ledger.db.pragma("max_page_count = 1073741823");
    await ledger.ingest();
    expect(totals(ledger)!.n).toBe(3002);
  });

  it("says the disk is full during a first load, leaves the ledger empty, and loads everything once there is room", async () => {
    const home = tempDir("quartet-home-");
    const file = path.join(home, ".claude", "projects", "-work-project", "s1.jsonl");
    const line = (i: number) =>
      assistantLine({ id: `msg_${i}`, sessionId: "s1", ts: `2026-11-24T10:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:00Z` });
    writeLines(
      file,
      Array.from({ length: 3000 }, (_, i) => line(i)),
    );
    const ledger = testLedger(home, ["claude"]);
    prepareLedger(ledger.db);
    // Room for a few pages more than the empty tables: the load's inserts fail part-way (SQLITE_FULL).
    ledger.db.pragma(`max_page_count = ${(ledger.db.pragma("page_count", { simple: true }) as number) + 4}`);
    await expect(ledger.ingest()).rejects.toThrow(`cannot write the ledger ${ledger.db.name}: the disk is full`);
    expect(ledger.rows("SELECT count(*) AS n FROM usage_record UNION ALL SELECT count(*) FROM ledger_source")).toEqual([
      { n: 0 },
      { n: 0 },
    ]);
    ledger.db.pragma("max_page_count = 1073741823");
    await ledger.ingest();
    expect(totals(ledger)!.n).toBe(3000);
    expect(ledger.rows("SELECT sum(requests) AS n FROM usage_rollup")).toEqual([{ n: 3000 }]);
  });

  it("reads a file again from the start when it was rewritten in place, longer, with the same first lines", async () => {
    const home = tempDir("quartet-home-");
    const file = path.join(home, ".claude", "projects", "-work-project", "s1.jsonl");
    const line = (id: string, minute: number) =>
      assistantLine({ id, sessionId: "s1", ts: `2026-11-24T10:${String(minute).padStart(2, "0")}:00Z` });
    // More than the 4 KiB the head hash covers stays the same; what follows it changes and grows.
    const kept = Array.from({ length: 12 }, (_, i) => line(`msg_k${i}`, i));
    writeLines(file, [...kept, ...[0, 1, 2, 3, 4].map((i) => line(`msg_old${i}`, 20 + i))]);
    expect(JSON.stringify(kept).length).toBeGreaterThan(4096);
    const ledger = testLedger(home, ["claude"]);
    await ledger.ingest();
    expect(totals(ledger)!.n).toBe(17);
    const fd = fs.openSync(file, "r+");
    fs.writeSync(
      fd,
      [...kept, ...Array.from({ length: 9 }, (_, i) => line(`msg_new${i}`, 30 + i))].map((l) => JSON.stringify(l) + "\n").join(""),
      0,
    );
    fs.closeSync(fd);
    const second = await ledger.ingest();
    expect(second.warnings).toEqual([]);
    const keys = ledger.rows("SELECT request_key FROM usage_record").map((r) => String(r.request_key));
    expect(keys.filter((k) => k.startsWith("msg_old"))).toEqual([]);
    expect(keys.filter((k) => k.startsWith("msg_new"))).toHaveLength(9);
    expect(keys).toHaveLength(21);
  });

  it("counts a request copied into another transcript once, keeping the copy with the most tokens", async () => {
    const home = tempDir("quartet-home-");
    const dir = path.join(home, ".claude", "projects", "-work-project");
    const line = assistantLine({ id: "msg_dup", sessionId: "s1", ts: "2026-11-24T10:00:00Z" });
    const copy = (output: number, ts: string) => ({
      ...line,
      timestamp: ts,
      message: { ...line.message, usage: { ...line.message.usage, output_tokens: output } },
    });
    writeLines(path.join(dir, "a.jsonl"), [line]);
    writeLines(path.join(dir, "b.jsonl"), [copy(99, "2026-11-24T10:01:00Z")]);
    // Later copies with fewer tokens, and one with as many (the earlier of equals stays).
    writeLines(path.join(dir, "c.jsonl"), [copy(50, "2026-11-24T10:02:00Z")]);
    writeLines(path.join(dir, "d.jsonl"), [copy(99, "2026-11-24T10:03:00Z")]);
    const ledger = testLedger(home, ["claude"]);
    await ledger.ingest();
    expect(ledger.rows("SELECT request_key, output_tokens, ts FROM usage_record")).toEqual([
      { request_key: "msg_dup:req_msg_dup", output_tokens: 99, ts: Date.parse("2026-11-24T10:01:00Z") },
    ]);
    for (const file of ["c", "d"]) fs.rmSync(path.join(dir, `${file}.jsonl`));
    // The same holds when the copies arrive in separate runs.
    const later = testLedger(home, ["claude"]);
    fs.renameSync(path.join(dir, "b.jsonl"), path.join(dir, "b.hold"));
    await later.ingest();
    fs.renameSync(path.join(dir, "b.hold"), path.join(dir, "b.jsonl"));
    await later.ingest();
    expect(later.rows("SELECT request_key, output_tokens FROM usage_record")).toEqual([
      { request_key: "msg_dup:req_msg_dup", output_tokens: 99 },
    ]);
  });

  it("counts another file's copy of a request once a rewritten transcript no longer holds it, as a clean run does", async () => {
    const home = tempDir("quartet-home-");
    const dir = path.join(home, ".claude", "projects", "-work-project");
    const line = (id: string, output: number, ts: string) => assistantLine({ id, sessionId: "s1", ts, output });
    const kept = line("msg_kept", 5, "2026-11-24T09:00:00Z");
    // a.jsonl holds the stored copy (more tokens); b.jsonl, a resumed session, a copy with fewer.
    writeLines(path.join(dir, "a.jsonl"), [kept, line("msg_dup", 99, "2026-11-24T10:00:00Z")]);
    writeLines(path.join(dir, "b.jsonl"), [line("msg_dup", 50, "2026-11-24T10:01:00Z"), line("msg_b", 1, "2026-11-24T10:02:00Z")]);
    const ledger = testLedger(home, ["claude"]);
    await ledger.ingest();
    const stored = "SELECT request_key, output_tokens FROM usage_record ORDER BY request_key";
    expect(ledger.rows(stored)).toContainEqual({ request_key: "msg_dup:req_msg_dup", output_tokens: 99 });

    // Rewritten with the same request: nothing is lost, and nothing else is read again.
    fs.rmSync(path.join(dir, "a.jsonl"));
    writeLines(path.join(dir, "a.jsonl"), [kept, line("msg_dup", 99, "2026-11-24T10:00:00Z")]);
    expect((await ledger.ingest()).sourcesRead).toBe(1);
    expect(ledger.rows("SELECT * FROM ledger_lost_request")).toEqual([]);

    // Rewritten without it. A run that sees only some logs (the status line's) leaves the request to look for.
    writeLines(path.join(dir, "a.jsonl"), [kept]);
    expect((await ledger.ingest(undefined, { partial: true })).sourcesRead).toBe(1);
    expect(ledger.rows("SELECT * FROM ledger_lost_request")).toEqual([{ runtime: "claude", request_key: "msg_dup:req_msg_dup" }]);
    // A run that sees them all finds b.jsonl's copy, and counts it.
    expect((await ledger.ingest()).sourcesRead).toBe(2);
    const clean = testLedger(home, ["claude"]);
    await clean.ingest();
    expect(ledger.rows(stored)).toEqual(clean.rows(stored));
    expect(ledger.rows(stored)).toContainEqual({ request_key: "msg_dup:req_msg_dup", output_tokens: 50 });
    const usage = "SELECT hour, root_session_id, requests, output FROM usage_rollup ORDER BY hour, root_session_id";
    expect(ledger.rows(usage)).toEqual(clean.rows(usage));
    expect(ledger.rows("SELECT * FROM ledger_lost_request")).toEqual([]);
    expect((await ledger.ingest()).sourcesRead).toBe(0);
  });

  it("sums a bulk load's rollup as SQL would from the records, with copies and conversations that span files", async () => {
    const home = fixtureHome();
    const dir = path.join(home, ".claude", "projects", "-work-project");
    const line = assistantLine({ id: "msg_moved", sessionId: "s1", ts: "2026-11-24T08:00:00Z" });
    writeLines(path.join(dir, "a.jsonl"), [line, assistantLine({ id: "msg_a2", sessionId: "s1", ts: "2026-11-24T10:05:00Z", read: 100 })]);
    // A better copy of the first request, logged in another hour (the first copy's hour ends up empty), and more
    // of the same conversation, which is then analyzed again.
    writeLines(path.join(dir, "b.jsonl"), [
      { ...line, timestamp: "2026-11-24T13:30:00Z", message: { ...line.message, usage: { ...line.message.usage, output_tokens: 99 } } },
      assistantLine({ id: "msg_b2", sessionId: "s1", ts: "2026-11-24T10:07:00Z", read: 50 }),
    ]);
    const ledger = testLedger(home);
    await ledger.ingest();
    const rollup = () => ledger.rows("SELECT * FROM usage_rollup ORDER BY rowid");
    const bulk = rollup();
    expect(bulk.some((r) => r.root_session_id === "s1" && r.hour === Date.parse("2026-11-24T13:00:00Z") / HOUR_MS)).toBe(true);
    rebuildRollup(ledger.db, "all");
    expect(bulk).toEqual(rollup());
  });

  /**
   * A request read in a first run, then a better copy of it (more output tokens) with `changes`, in another
   * file read by a second run. `alongside` are more lines of the first file.
   */
  async function betterCopyLater(changes: Record<string, unknown>, alongside: unknown[] = []) {
    const home = tempDir("quartet-home-");
    const dir = path.join(home, ".claude", "projects", "-work-project");
    const line = assistantLine({ id: "msg_moved", sessionId: "s1", ts: "2026-11-24T08:00:00Z" });
    writeLines(path.join(dir, "a.jsonl"), [line, ...alongside]);
    const ledger = testLedger(home, ["claude"]);
    await ledger.ingest();
    writeLines(path.join(dir, "b.jsonl"), [
      { ...line, ...changes, message: { ...line.message, usage: { ...line.message.usage, output_tokens: 99 } } },
    ]);
    await ledger.ingest();
    return ledger;
  }

  it("rolls up a request in its new hour only, when a better copy logged in another hour replaces it in a later run", async () => {
    const ledger = await betterCopyLater({ timestamp: "2026-11-24T13:30:00Z" });
    const rollup = () => ledger.rows("SELECT hour, requests, output FROM usage_rollup ORDER BY hour");
    expect(rollup()).toEqual([{ hour: Date.parse("2026-11-24T13:00:00Z") / HOUR_MS, requests: 1, output: 99 }]);
  });

  it("moves a request's rollup to another session when a better copy logged under it replaces it in a later run", async () => {
    // A resumed or forked session carries a copy of the request, with more tokens, in the same hour.
    const ledger = await betterCopyLater({ sessionId: "s2" }, [
      assistantLine({ id: "msg_kept", sessionId: "s1", ts: "2026-11-24T08:10:00Z" }),
    ]);
    const rollup = () => ledger.rows("SELECT root_session_id AS root, requests, output FROM usage_rollup ORDER BY hour, root_session_id");
    expect(rollup()).toEqual([
      { root: "s1", requests: 1, output: 7 },
      { root: "s2", requests: 1, output: 99 },
    ]);
    const incremental = rollup();
    rebuildRollup(ledger.db, "all");
    expect(rollup()).toEqual(incremental);
  });

  it("rebuilds only the rollup rows of the sessions a later run touched, as a rebuild of everything would", async () => {
    const home = tempDir("quartet-home-");
    const dir = path.join(home, ".claude", "projects", "-work-project");
    const a = path.join(dir, "a.jsonl");
    writeLines(a, [assistantLine({ id: "msg_a1", sessionId: "s1", ts: "2026-11-24T08:05:00Z" })]);
    writeLines(path.join(dir, "b.jsonl"), [
      assistantLine({ id: "msg_b1", sessionId: "s2", ts: "2026-11-24T08:10:00Z" }),
      assistantLine({ id: "msg_b2", sessionId: "s2", ts: "2026-11-24T09:10:00Z" }),
    ]);
    const ledger = testLedger(home, ["claude"]);
    await ledger.ingest();
    const rollup = () => ledger.rows("SELECT rowid, * FROM usage_rollup ORDER BY hour, root_session_id");
    const before = rollup();
    // s1 grows in the hour it shares with s2, and in an hour of s2's (a copied line keeps an old time).
    fs.appendFileSync(
      a,
      [
        assistantLine({ id: "msg_a2", sessionId: "s1", ts: "2026-11-24T08:20:00Z", read: 100 }),
        assistantLine({ id: "msg_a3", sessionId: "s1", ts: "2026-11-24T09:20:00Z", read: 100 }),
      ]
        .map((l) => JSON.stringify(l))
        .join("\n") + "\n",
    );
    await ledger.ingest();
    const after = rollup();
    // s2's rows were left as they were (same rows, same rowids); s1's were rebuilt and gained its new hour.
    expect(after.filter((r) => r.root_session_id === "s2")).toEqual(before.filter((r) => r.root_session_id === "s2"));
    expect(after.filter((r) => r.root_session_id === "s1").map((r) => [r.hour, r.requests])).toEqual([
      [Date.parse("2026-11-24T08:00:00Z") / HOUR_MS, 2],
      [Date.parse("2026-11-24T09:00:00Z") / HOUR_MS, 1],
    ]);
    const withoutRowid = (rows: Record<string, unknown>[]) => rows.map(({ rowid: _, ...r }) => r);
    rebuildRollup(ledger.db, "all");
    expect(withoutRowid(after)).toEqual(withoutRowid(rollup()));
  });

  it("still rebuilds whole hours marked stale by an earlier quartet", async () => {
    const home = tempDir("quartet-home-");
    const dir = path.join(home, ".claude", "projects", "-work-project");
    writeLines(path.join(dir, "a.jsonl"), [assistantLine({ id: "msg_a1", sessionId: "s1", ts: "2026-11-24T08:05:00Z" })]);
    const ledger = testLedger(home, ["claude"]);
    await ledger.ingest();
    const rollup = () => ledger.rows("SELECT hour, root_session_id, requests, output FROM usage_rollup");
    const good = rollup();
    // What a run of the earlier version killed before settling leaves: a wrong hour and its whole-hour mark.
    ledger.db.exec("UPDATE usage_rollup SET requests = 9, output = 9");
    ledger.db.prepare("INSERT INTO ledger_stale_hour (hour) VALUES (?)").run(Date.parse("2026-11-24T08:00:00Z") / HOUR_MS);
    await ledger.ingest();
    expect(rollup()).toEqual(good);
    expect(ledger.rows("SELECT * FROM ledger_stale_hour")).toEqual([]);
  });

  it("gives the same ledger whether everything is read at once (bulk load) or run by run (upserts)", async () => {
    const home = fixtureHome();
    const once = testLedger(home);
    await once.ingest();
    const stepwise = testLedger(home);
    await stepwise.ingest(["codex"]);
    await stepwise.ingest(["opencode"]);
    await stepwise.ingest();
    const columns =
      "runtime, request_key, root_session_id, conversation_id, ts, input_tokens, cache_read_tokens, cost_usd, expected_read_tokens, shortfall_tokens, cache_break, break_cause, cache_tax_usd";
    const dump = (l: typeof once) => l.rows(`SELECT ${columns} FROM usage_record ORDER BY runtime, request_key`);
    const rollup = (l: typeof once) =>
      l.rows("SELECT hour, runtime, root_session_id, model, requests, input, cr, cost, tax FROM usage_rollup ORDER BY 1, 2, 3, 4");
    expect(dump(stepwise)).toEqual(dump(once));
    expect(rollup(stepwise)).toEqual(rollup(once));
  });

  it("gives the same ledger when a bulk load's filters answer 'maybe, seen' for every request and conversation", async () => {
    const home = fixtureHome();
    const plain = testLedger(home);
    await plain.ingest();
    const doubting = testLedger(home);
    process.env.QUARTET_TEST_FILTER_BYTES = "0";
    try {
      // Every record waits in the copies table and is written from there: each counts once.
      expect((await doubting.ingest()).recordsWritten).toBe(plain.rows("SELECT count(*) AS n FROM usage_record")[0]!.n);
    } finally {
      delete process.env.QUARTET_TEST_FILTER_BYTES;
    }
    for (const table of ["usage_record ORDER BY runtime, request_key", "usage_rollup ORDER BY rowid", "ledger_source ORDER BY id"]) {
      const dump = (l: typeof plain) => l.rows(`SELECT * FROM ${table}`).map((r) => ({ ...r, updated_at: undefined }));
      expect(dump(doubting), table).toEqual(dump(plain));
    }
    expect(doubting.rows("SELECT count(*) AS n FROM usage_record")[0]!.n).toBeGreaterThan(20);
  });

  it("sets V8's heap growth only while ingests run, and gives back the value the process started with, also after a failure", async () => {
    const set = vi.spyOn(v8, "setFlagsFromString");
    const failing = {
      id: "toy",
      logs: {
        discover: () => {
          throw new Error("cannot list");
        },
      },
    } as unknown as RuntimeAdapter;
    try {
      await Promise.all([testLedger(fixtureHome()).ingest(), testLedger(fixtureHome()).ingest()]);
      await expect(ingestOnce([failing]).run).rejects.toThrow("cannot list");
      const calls = set.mock.calls.map(([flag]) => flag);
      expect(calls.length).toBeGreaterThanOrEqual(4);
      // Set when the first ingest starts, given back when the last one ends: never twice in a row.
      calls.forEach((flag, i) => expect(flag).toBe(i % 2 === 0 ? "--heap-growing-percent=25" : "--heap-growing-percent=0"));
    } finally {
      set.mockRestore();
    }
  });

  it("reads a file named twice (by two runtimes, or a runtime and an extra source) once, into an empty ledger and a known one", async () => {
    const home = fixtureHome(["claude"]);
    const claude = RUNTIMES.get("claude")!;
    const twice = {
      ...claude,
      logs: {
        ...claude.logs!,
        discover: (env: Parameters<NonNullable<RuntimeAdapter["logs"]>["discover"]>[0]) => {
          const found = claude.logs!.discover(env);
          return { ...found, sources: [...found.sources, ...found.sources] };
        },
      },
    } as RuntimeAdapter;
    const run = (db: Db, runtime: RuntimeAdapter) =>
      ingest({ db, env: lookupEnv({ home }), pricing: buildPricing(PRICE_TABLE), runtimes: [runtime], workers: 0 });
    const newLedger = () => openDatabase(path.join(tempDir("quartet-ledger-"), "quartet.db"));
    const [plain, doubled] = [newLedger(), newLedger()];
    await run(plain, claude);
    expect((await run(doubled, twice)).warnings).toEqual([]);
    const dump = (db: Db, sql: string) =>
      db
        .prepare(sql)
        .all()
        .map((r) => ({ ...(r as object), updated_at: undefined }));
    for (const sql of ["SELECT * FROM usage_record ORDER BY runtime, request_key", "SELECT * FROM ledger_source ORDER BY path"])
      expect(dump(doubled, sql), sql).toEqual(dump(plain, sql));
    expect(dump(plain, "SELECT * FROM usage_record").length).toBeGreaterThan(10);
    // Known: the second run finds the file unchanged under both names.
    expect(await run(doubled, twice)).toMatchObject({ recordsWritten: 0, sourcesRead: 0, warnings: [] });
  });

  it("reads on into a ledger made before 2026-12-02, whose request index starts with the runtime", async () => {
    const home = tempDir("quartet-home-");
    const file = path.join(home, ".claude", "projects", "-work-project", "s1.jsonl");
    const line = (i: number, read = 0) =>
      assistantLine({ id: `msg_${i}`, sessionId: "s1", ts: `2026-11-24T10:00:${String(i).padStart(2, "0")}Z`, read });
    writeLines(file, [line(0), line(1)]);
    const old = testLedger(home, ["claude"]);
    await old.ingest();
    old.db.exec("DROP INDEX usage_record_key; CREATE UNIQUE INDEX usage_record_key ON usage_record (runtime, request_key);");
    // New requests, and a later copy of one with more tokens, which replaces it through the index's conflict.
    fs.appendFileSync(file, [line(2), line(3), line(1, 500)].map((l) => JSON.stringify(l) + "\n").join(""));
    await old.ingest();
    const fresh = testLedger(home, ["claude"]);
    await fresh.ingest();
    const dump = (l: typeof old) => l.rows("SELECT request_key, cache_read_tokens, cost_usd FROM usage_record ORDER BY request_key");
    expect(dump(old)).toEqual(dump(fresh));
    expect(dump(old)).toHaveLength(4);
    expect(old.rows("SELECT cache_read_tokens AS r FROM usage_record WHERE request_key = 'msg_1:req_msg_1'")).toEqual([{ r: 500 }]);
  });

  it("changes no file of any runtime", async () => {
    const home = fixtureHome();
    const before = snapshotTree(home);
    const ledger = testLedger(home);
    await ledger.ingest();
    await ledger.ingest();
    expect(snapshotTree(home)).toEqual(before);
  });

  it("warns about a file it cannot read and reads the rest", async () => {
    const home = fixtureHome(["claude"]);
    const dir = path.dirname(claudeFiles(home)[0]!);
    const broken = path.join(dir, "broken.jsonl");
    fs.symlinkSync(path.join(dir, "does-not-exist"), broken);
    const ledger = testLedger(home, ["claude"]);
    const result = await ledger.ingest();
    expect(result.warnings).toEqual([expect.objectContaining({ code: "unreadable-file", file: broken })]);
    expect(totals(ledger)!.n).toBeGreaterThan(5);
  });

  it("counts the first request of a file that starts with a byte-order mark", async () => {
    const home = tempDir("quartet-home-");
    const file = path.join(home, ".claude", "projects", "-work-project", "s1.jsonl");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const lines = [1, 2].map((i) => JSON.stringify(assistantLine({ id: `msg_${i}`, sessionId: "s1", ts: `2026-11-24T10:0${i}:00Z` })));
    fs.writeFileSync(file, `\ufeff${lines.join("\n")}\n`);
    const ledger = testLedger(home, ["claude"]);
    expect((await ledger.ingest()).warnings).toEqual([]);
    expect(totals(ledger)!.n).toBe(2);
    expect(ledger.rows("SELECT count(*) AS n FROM ledger_warning")[0]!.n).toBe(0);
  });

  it("warns about a FIFO, socket or link to one named like a log, and never opens it", async () => {
    const home = fixtureHome(["claude"]);
    const dir = path.dirname(claudeFiles(home)[0]!);
    const fifo = path.join(dir, "pipe.jsonl");
    execFileSync("mkfifo", [fifo]);
    const link = path.join(dir, "link-to-pipe.jsonl");
    fs.symlinkSync(fifo, link);
    const socket = path.join(dir, "socket.jsonl");
    const server = net.createServer().listen(socket);
    await once(server, "listening");
    try {
      const ledger = testLedger(home, ["claude"]);
      // Opening the FIFO would block this test until it times out.
      const result = await ledger.ingest();
      expect(result.warnings.sort((a, b) => a.file!.localeCompare(b.file!))).toEqual([
        { code: "not-a-file", message: "not a regular file (a FIFO): not read", file: link },
        { code: "not-a-file", message: "not a regular file (a FIFO): not read", file: fifo },
        { code: "not-a-file", message: "not a regular file (a socket): not read", file: socket },
      ]);
      expect(totals(ledger)!.n).toBeGreaterThan(5);
    } finally {
      server.close();
    }
  });

  it("counts a forked /btw answer's own request once, as a subagent of its session, and skips its <synthetic> copy", async () => {
    // The shape claude 2.1.197 writes when a /btw answer is forked (f): a subagent file named agent-afork-<slug>-<hex>
    // that points at the parent's history, copies the answer as a zero-usage <synthetic> line and then makes its own request.
    const home = tempDir("quartet-home-");
    const session = "f940b5d4-8004-43ef-a132-8c8d6e3c66c0";
    const dir = path.join(home, ".claude", "projects", "-work-project");
    const agentId = "afork-me-question-11f15b2df307b468";
    writeLines(path.join(dir, `${session}.jsonl`), [assistantLine({ id: "msg_main", sessionId: session, ts: "2026-11-24T10:00:00Z" })]);
    const synthetic = assistantLine({ id: "d3625c42-e665-4ee8-8b90-9b6111f7aa43", sessionId: session, ts: "2026-11-24T10:01:00Z" });
    writeLines(path.join(dir, session, "subagents", `agent-${agentId}.jsonl`), [
      { type: "fork-context-ref", agentId, parentSessionId: session, parentLastUuid: "u-msg_main", contextLength: 11 },
      { type: "user", isSidechain: true, agentId, sessionId: session, message: { role: "user", content: "what is 2+2?" } },
      {
        ...synthetic,
        requestId: undefined,
        isSidechain: true,
        agentId,
        message: { ...synthetic.message, model: "<synthetic>", usage: { input_tokens: 0, output_tokens: 0 } },
      },
      { ...assistantLine({ id: "msg_fork", sessionId: session, ts: "2026-11-24T10:02:00Z" }), isSidechain: true, agentId },
    ]);
    const ledger = testLedger(home, ["claude"]);
    await ledger.ingest();
    expect(ledger.rows("SELECT request_key, root_session_id, agent_id, is_subagent FROM usage_record ORDER BY ts")).toEqual([
      { request_key: "msg_main:req_msg_main", root_session_id: session, agent_id: null, is_subagent: 0 },
      { request_key: "msg_fork:req_msg_fork", root_session_id: session, agent_id: agentId, is_subagent: 1 },
    ]);
    expect(ledger.rows("SELECT code, count FROM ledger_warning")).toEqual([{ code: "synthetic", count: 1 }]);
  });

  describe("a subagent's requests quoted in its parent transcript (agent_progress)", () => {
    const session = "parent-session";
    /** The quote Claude Code writes into the parent transcript while the subagent runs. */
    const quote = (id: string, output: number, ts: string) => ({
      parentUuid: "p",
      isSidechain: false,
      cwd: "/work/project",
      sessionId: session,
      version: "2.1.39",
      type: "progress",
      data: {
        message: {
          type: "assistant",
          timestamp: ts,
          message: { ...assistantLine({ id, sessionId: session, ts }).message, usage: { ...usageOf(output) } },
          requestId: `req_${id}`,
          uuid: `q-${id}`,
        },
        normalizedMessages: [],
        type: "agent_progress",
        prompt: "Explore the code",
        agentId: "a2898e3",
      },
      toolUseID: "agent_msg_1",
      parentToolUseID: "toolu_1",
      uuid: `u-${id}`,
      timestamp: ts,
    });
    const usageOf = (output: number) => ({
      input_tokens: 3,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 0,
      output_tokens: output,
    });
    /** The subagent's own transcript line for the same request. */
    const own = (id: string, ts: string) => ({
      ...assistantLine({ id, sessionId: session, ts }),
      isSidechain: true,
      agentId: "a2898e3",
      message: { ...assistantLine({ id, sessionId: session, ts }).message, usage: usageOf(7) },
    });

    it("counts the quotes once each when the subagent's own transcript is missing", async () => {
      const home = tempDir("quartet-home-");
      const dir = path.join(home, ".claude", "projects", "-work-project");
      writeLines(path.join(dir, `${session}.jsonl`), [
        assistantLine({ id: "msg_parent", sessionId: session, ts: "2026-11-24T10:00:00Z" }),
        quote("msg_sub1", 1, "2026-11-24T10:00:05Z"),
        quote("msg_sub1", 7, "2026-11-24T10:00:06Z"),
        quote("msg_sub2", 7, "2026-11-24T10:00:09Z"),
      ]);
      const ledger = testLedger(home, ["claude"]);
      await ledger.ingest();
      expect(
        ledger.rows("SELECT request_key, agent_id, is_subagent, conversation_id, output_tokens FROM usage_record ORDER BY request_key"),
      ).toEqual([
        { request_key: "msg_parent:req_msg_parent", agent_id: null, is_subagent: 0, conversation_id: session, output_tokens: 7 },
        {
          request_key: "msg_sub1:req_msg_sub1",
          agent_id: "a2898e3",
          is_subagent: 1,
          conversation_id: `${session}#a2898e3`,
          output_tokens: 7,
        },
        {
          request_key: "msg_sub2:req_msg_sub2",
          agent_id: "a2898e3",
          is_subagent: 1,
          conversation_id: `${session}#a2898e3`,
          output_tokens: 7,
        },
      ]);
    });

    it("counts them once, from the subagent's own transcript, when it exists: in one run or across runs", async () => {
      const home = tempDir("quartet-home-");
      const dir = path.join(home, ".claude", "projects", "-work-project");
      const parent = path.join(dir, `${session}.jsonl`);
      const child = path.join(dir, session, "subagents", "agent-a2898e3.jsonl");
      writeLines(parent, [quote("msg_sub1", 7, "2026-11-24T10:00:06Z"), quote("msg_sub2", 7, "2026-11-24T10:00:09Z")]);
      writeLines(child, [own("msg_sub1", "2026-11-24T10:00:05.500Z"), own("msg_sub2", "2026-11-24T10:00:08.500Z")]);
      const expected = [
        { request_key: "msg_sub1:req_msg_sub1", ts: Date.parse("2026-11-24T10:00:05.500Z"), output_tokens: 7 },
        { request_key: "msg_sub2:req_msg_sub2", ts: Date.parse("2026-11-24T10:00:08.500Z"), output_tokens: 7 },
      ];
      const dump = (l: ReturnType<typeof testLedger>) =>
        l.rows("SELECT request_key, ts, output_tokens FROM usage_record ORDER BY request_key");
      const once = testLedger(home, ["claude"]);
      await once.ingest();
      expect(dump(once)).toEqual(expected);
      // The subagent's file read first, then the parent's quotes; and the other way round.
      for (const [first, second] of [
        [child, parent],
        [parent, child],
      ] as const) {
        const stepwise = testLedger(home, ["claude"]);
        fs.renameSync(second, `${second}.hold`);
        await stepwise.ingest();
        fs.renameSync(`${second}.hold`, second);
        await stepwise.ingest();
        expect(dump(stepwise), `${path.basename(first)} first`).toEqual(expected);
      }
    });
  });

  it("repairs a ledger an earlier quartet left with records but no rollup (a run killed before it was built)", async () => {
    const home = fixtureHome();
    const good = testLedger(home);
    await good.ingest();
    const rollup = (db: Db) =>
      db.prepare("SELECT hour, runtime, root_session_id, model, requests, cost FROM usage_rollup ORDER BY 1, 2, 3, 4").all();
    // The damaged ledger: the schema before the stale marks, every record and source, and no rollup at all.
    const file = path.join(tempDir("quartet-ledger-"), "quartet.db");
    const old = openDatabase(file);
    migrate(old, "ledger", LEDGER_MIGRATIONS.slice(0, 2));
    old.exec(`ATTACH '${good.db.name}' AS good`);
    for (const table of ["ledger_source", "ledger_source_state", "usage_record", "ledger_meta"]) {
      const columns = (old.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[]).join(", ");
      old.exec(`INSERT INTO ${table} (${columns}) SELECT ${columns} FROM good.${table}`);
    }
    old.exec("DETACH good");
    expect(old.prepare("SELECT count(*) AS n FROM usage_rollup").get()).toEqual({ n: 0 });
    old.close();

    const repaired = openDatabase(file);
    const result = await ingest({
      db: repaired,
      env: lookupEnv({ home }),
      pricing: buildPricing(PRICE_TABLE),
      runtimes: [...RUNTIMES.values()],
    });
    expect(result.sourcesRead).toBe(0);
    expect(rollup(repaired)).toEqual(rollup(good.db));
    expect(rollup(repaired).length).toBeGreaterThan(5);
  });

  it("lists every place it looked, and what it found there", async () => {
    const home = tempDir("quartet-empty-home-");
    const result = await testLedger(home).ingest();
    expect(result.looked.map((l) => [l.runtime, path.relative(home, l.path), l.found])).toEqual([
      ["claude", ".config/claude/projects", false],
      ["claude", ".claude/projects", false],
      ["opencode", ".local/share/opencode/opencode.db", false],
      ["opencode", ".local/share/opencode/storage", false],
      ["codex", ".codex/sessions", false],
      ["codex", ".codex/archived_sessions", false],
    ]);
  });
});

describe("ingest of a home with very many log files", () => {
  it("takes 200,000 sources from one runtime (more than a call's arguments can hold)", async () => {
    const n = 200_000;
    const many = logsOnlyRuntime(
      Array.from({ length: n }, (_, i) => `/nonexistent/quartet/${i}.jsonl`),
      "",
    );
    const r = await ingestOnce([many]).run;
    expect([r.sourcesFound, r.warnings.length, r.warnings[0]?.code]).toEqual([n, n, "unreadable-file"]);
  });
});

describe("a bulk load's side tables", () => {
  /** A toy runtime's parser: each line is one request, with the keys it supersedes. */
  function toyParser(): string {
    const file = path.join(tempDir("quartet-parser-"), "log-parser.mjs");
    fs.writeFileSync(
      file,
      `export const parser = {
        needles: ['"key"'],
        initialState: () => ({}),
        line(v, ctx) {
          ctx.emit({ key: v.key, sessionId: v.session, isSubagent: false, project: "/p", model: "claude-opus-4-8", provider: null,
            ts: Date.parse(v.ts), version: null, supersedes: v.supersedes,
            tokens: { input: 1, output: v.output, reasoning: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 } });
        },
      };\n`,
    );
    return pathToFileURL(file).href;
  }

  it("apply supersedes and copies across files as run-by-run ingests do", async () => {
    const logs = tempDir("quartet-toy-logs-");
    const line = (key: string, output: number, ts: string, supersedes?: string[]) => ({ key, session: "s1", output, ts, supersedes });
    const files: [string, unknown[]][] = [
      ["a.jsonl", [line("m1", 5, "2026-11-24T08:00:00Z"), line("m2", 5, "2026-11-24T09:00:00Z")]],
      // A copy of m1 with fewer tokens, before a later file supersedes m1: it goes too.
      ["a2.jsonl", [line("m1", 3, "2026-11-24T08:00:00Z")]],
      // Supersedes a request of an earlier file, and copies one with more tokens, logged an hour later.
      ["b.jsonl", [line("s1", 9, "2026-11-24T08:10:00Z", ["m1"]), line("m2", 8, "2026-11-24T10:00:00Z")]],
      ["c.jsonl", [line("m2", 6, "2026-11-24T11:00:00Z"), line("m3", 2, "2026-11-24T11:30:00Z")]],
      // m1 again, after the file that superseded it: as a run over this file alone would, it stays.
      ["d.jsonl", [line("m1", 2, "2026-11-24T12:00:00Z")]],
    ];
    const paths = files.map(([name, lines]) => {
      writeLines(path.join(logs, name), lines);
      return path.join(logs, name);
    });
    const parser = toyParser();
    const bulk = ingestOnce([logsOnlyRuntime(paths, parser)]);
    await bulk.run;
    // The same with filters that answer "maybe, seen" to everything: every request goes through the copies table.
    process.env.QUARTET_TEST_FILTER_BYTES = "0";
    const doubting = ingestOnce([logsOnlyRuntime(paths, parser)]);
    try {
      await doubting.run;
    } finally {
      delete process.env.QUARTET_TEST_FILTER_BYTES;
    }
    const stepwise = ingestOnce([logsOnlyRuntime(paths.slice(0, 1), parser)]);
    await stepwise.run;
    for (let n = 2; n <= paths.length; n++)
      await ingest({
        db: stepwise.db,
        env: lookupEnv({ home: tempDir() }),
        pricing: buildPricing(PRICE_TABLE),
        runtimes: [logsOnlyRuntime(paths.slice(0, n), parser)],
        workers: 0,
      });
    const dump = (db: Db) => ({
      records: db.prepare("SELECT request_key, output_tokens, ts, cost_usd, cache_break FROM usage_record ORDER BY request_key").all(),
      rollup: db.prepare("SELECT hour, requests, output, cost FROM usage_rollup ORDER BY hour").all(),
    });
    expect(dump(bulk.db).records.map((r) => (r as { request_key: string }).request_key)).toEqual(["m1", "m2", "m3", "s1"]);
    expect(dump(bulk.db)).toEqual(dump(stepwise.db));
    expect(dump(doubting.db)).toEqual(dump(stepwise.db));
  });
});
