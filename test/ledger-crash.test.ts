/**
 * Kill the ledger's ingest anywhere, then run again: the report must equal a clean run's, exactly.
 *
 * On a generated corpus of 110 MB, the built CLI is killed with SIGKILL at every named point of an ingest
 * (QUARTET_TEST_KILL_AT, see src/core/crash-point.ts) and at random instants, both during the first bulk
 * load into an empty ledger and during an incremental run that reads appended lines and new files.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PRICE_TABLE } from "../src/core/price-table.js";
import { earlierCopy, generatedHome } from "./corpus.js";
import { fileTempDir, runCli, tempDir, writeLines, type CliResult } from "./helpers.js";
import { assistantLine } from "./ledger.js";

/** The CLI with `home` as HOME (not --home), so the ledger is quartet.db in `data` whatever the home's path. */
function quartet(args: readonly string[], o: { home: string; data: string; env?: NodeJS.ProcessEnv; killAfterMs?: number }) {
  return runCli(args, { dataDir: o.data, env: { HOME: o.home, ...o.env }, killAfterMs: o.killAfterMs });
}

/**
 * Everything a user reads off the ledger: usage by day and by session, and the cache report. Started together,
 * as the board, `ps` and a script may be after a kill: whichever runs first repairs the ledger, and every one of
 * them must report what a clean run does.
 */
async function reports(home: string, data: string): Promise<unknown[]> {
  const commands = [
    ["usage", "--json"],
    ["usage", "--json", "--by", "session"],
    ["cache", "--json", "--limit", "1000"],
  ];
  return Promise.all(
    commands.map(async (args) => {
      const r = await quartet(args, { home, data });
      expect(r.code, r.stderr).toBe(0);
      // Warnings name files under the home, which differs from test to test.
      return JSON.parse(r.stdout.replaceAll(home, "~")) as unknown;
    }),
  );
}

/** The corpus, read by the first loads, each into a ledger of its own (nothing writes to it). */
let full: string;
let cleanFull: unknown[];
/**
 * A copy of the corpus at an earlier moment, and a ledger that holds it (its data folder, never written to
 * again): each incremental test takes the copy back to that moment and starts from a copy of that ledger, as
 * though it had made both itself, without reading the earlier moment once more.
 */
let incremental: { home: string; ledger: string; grow(): void; restore(): void };
/** How long, on this machine, a clean first load takes, and a clean incremental run: the random kills fall within. */
let firstLoadMs: number;
let incrementalMs: number;

beforeAll(async () => {
  full = generatedHome(110);
  const home = fileTempDir("quartet-home-");
  incremental = { home, ledger: fileTempDir("quartet-data-"), ...earlierCopy(full, home) };
  // The clean reports read the ledger the timed first load made.
  const clean = fileTempDir("quartet-data-");
  firstLoadMs = await timed(["usage", "--json"], { home: full, data: clean });
  let first: CliResult;
  [cleanFull, first] = await Promise.all([reports(full, clean), quartet(["usage", "--json"], { home, data: incremental.ledger })]);
  expect(first.code, first.stderr).toBe(0);
  incrementalMs = await timed(["usage", "--json"], { ...grownFromEarlier(), env: SMALL_BATCHES });
}, 120_000);

/** Runs a clean report alone and says how long it took, to the end of the process. */
async function timed(args: readonly string[], o: { home: string; data: string; env?: NodeJS.ProcessEnv }): Promise<number> {
  const started = performance.now();
  const r = await quartet(args, o);
  expect(r.code, r.stderr).toBe(0);
  return performance.now() - started;
}

/** A home grown to the full corpus, and a new copy of the ledger that holds its earlier moment. */
function grownFromEarlier(): { home: string; data: string } {
  incremental.restore();
  const data = tempDir("quartet-data-");
  fs.cpSync(incremental.ledger, data, { recursive: true });
  incremental.grow();
  return { home: incremental.home, data };
}

/** Alone, the longest test here takes up to 16 s; in a full `npm test` on two cores, beside other end-to-end files, 36 s. */
const KILLS_TIMEOUT_MS = 120_000;

const BULK_POINTS = ["ingest:prepared", "ingest:before-indexes", "ingest:before-commit", "ingest:batch-commit", "ingest:before-settle"];
const INCREMENTAL_POINTS = [
  "ingest:batch-commit#1",
  "ingest:batch-commit#2",
  "ingest:batch-commit#4",
  // The last batch, settled and not yet committed.
  "ingest:before-commit",
  "ingest:before-settle",
  "ingest:settled",
];
/** Small batches, so that an incremental run commits several times before it settles. */
const SMALL_BATCHES = { QUARTET_TEST_BATCH_BYTES: String(8 * 1024 * 1024) };

describe("a ledger killed during its first bulk load", { timeout: KILLS_TIMEOUT_MS }, () => {
  it.each(BULK_POINTS)("reports exactly what a clean run does after a kill at %s", async (point) => {
    const data = tempDir("quartet-data-");
    const killed = await quartet(["usage", "--json"], { home: full, data, env: { QUARTET_TEST_KILL_AT: point } });
    expect(killed.signal, `${point} was never reached: ${killed.stderr}`).toBe("SIGKILL");
    expect(await reports(full, data)).toEqual(cleanFull);
  });

  it("reports exactly what a clean run does after SIGKILL at random instants", async () => {
    for (let i = 0; i < 3; i++) {
      const data = tempDir("quartet-data-");
      const at = Math.floor(Math.random() * firstLoadMs);
      await quartet(["usage", "--json"], { home: full, data, killAfterMs: at });
      expect(await reports(full, data), `killed after ${at} of ${Math.round(firstLoadMs)} ms`).toEqual(cleanFull);
    }
  });
});

describe("a ledger killed during an incremental run", { timeout: KILLS_TIMEOUT_MS }, () => {
  it.each(INCREMENTAL_POINTS)("reports exactly what a clean run does after a kill at %s", async (point) => {
    const { home, data } = grownFromEarlier();
    const killed = await quartet(["usage", "--json"], { home, data, env: { ...SMALL_BATCHES, QUARTET_TEST_KILL_AT: point } });
    expect(killed.signal, `${point} was never reached: ${killed.stderr}`).toBe("SIGKILL");
    expect(await reports(home, data)).toEqual(cleanFull);
  });

  it("costs every request at the next run's prices after a kill of a run with other prices (--pricing)", async () => {
    const { home, data } = grownFromEarlier();
    // A batch of records costed at these prices commits before the kill; the ledger's were costed at the built-in ones.
    const tripled = path.join(tempDir("quartet-prices-"), "tripled.json");
    fs.writeFileSync(tripled, JSON.stringify(PRICE_TABLE.map((r) => ({ ...r, input: r.input * 3, output: r.output * 3 }))));
    const killed = await quartet(["usage", "--json", "--pricing", tripled], {
      home,
      data,
      env: { ...SMALL_BATCHES, QUARTET_TEST_KILL_AT: "ingest:batch-commit#2" },
    });
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    expect(await reports(home, data)).toEqual(cleanFull);
  });

  it("reports exactly what a clean run does after SIGKILL at random instants", async () => {
    for (let i = 0; i < 3; i++) {
      const { home, data } = grownFromEarlier();
      const at = Math.floor(Math.random() * incrementalMs);
      await quartet(["usage", "--json"], { home, data, env: SMALL_BATCHES, killAfterMs: at });
      expect(await reports(home, data), `killed after ${at} of ${Math.round(incrementalMs)} ms`).toEqual(cleanFull);
    }
  });
});

describe("a ledger killed after a rewritten transcript dropped a request that another transcript holds a copy of", () => {
  it("looks for that request's copies at the next run and reports exactly what a clean run does", async () => {
    const home = tempDir("quartet-home-");
    const dir = path.join(home, ".claude", "projects", "-work-project");
    const line = (id: string, output: number, minute: number) =>
      assistantLine({ id, sessionId: "s1", ts: `2026-11-24T10:${String(minute).padStart(2, "0")}:00Z`, output });
    // a.jsonl holds the stored copy of msg_dup (more tokens); b.jsonl, a resumed session, a copy with fewer.
    writeLines(path.join(dir, "a.jsonl"), [line("msg_kept", 5, 0), line("msg_dup", 99, 1)]);
    writeLines(path.join(dir, "b.jsonl"), [line("msg_dup", 50, 2), line("msg_b", 1, 3)]);
    const data = tempDir("quartet-data-");
    const first = await quartet(["usage", "--json"], { home, data });
    expect(first.code, first.stderr).toBe(0);
    writeLines(path.join(dir, "a.jsonl"), [line("msg_kept", 5, 0)]);
    // Each file in a transaction of its own: a.jsonl's new content is committed before the kill.
    const killed = await quartet(["usage", "--json"], {
      home,
      data,
      env: { QUARTET_TEST_BATCH_BYTES: "1", QUARTET_TEST_KILL_AT: "ingest:before-copies" },
    });
    expect(killed.signal, `ingest:before-copies was never reached: ${killed.stderr}`).toBe("SIGKILL");
    const clean = await reports(home, tempDir("quartet-data-"));
    expect(JSON.stringify(clean)).toContain('"outputTokens":56');
    expect(await reports(home, data)).toEqual(clean);
  });
});
