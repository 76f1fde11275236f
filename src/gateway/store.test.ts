import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AFTER, BEFORE, T0, exchange } from "../../test/gateway-exchanges.js";
import { holdDatabase } from "../../test/hold-database.js";
import { tempDir } from "../../test/helpers.js";
import { openDatabase } from "../core/db.js";
import { buildPricing } from "../core/pricing.js";
import { PRICE_TABLE } from "../core/price-table.js";
import { EXCERPT_CHARS, gatewayBreaks, gatewayRecordsByMessage, gatewaySink } from "./store.js";

const pricing = buildPricing(PRICE_TABLE);
const FIRST = { input_tokens: 6, cache_read_input_tokens: 18_412, cache_creation_input_tokens: 2_106 };
const REWRITE = { input_tokens: 6, cache_creation_input_tokens: 20_930 };
/** Text of the prompts that must never reach the database: the user's task and the Bash tool's description. */
const PROMPT_TEXT = ["Give me a short overview of this project.", "Working directory persists between calls", "(1M context)"];

function dbFile(): string {
  return path.join(tempDir(), "quartet", "quartet.db");
}

/** Every byte the database keeps, WAL included. */
function stored(file: string): string {
  return [file, `${file}-wal`]
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f).toString("latin1"))
    .join("");
}

describe("the gateway's store", () => {
  it("continues a conversation across a gateway restart from the stored fingerprints", () => {
    const file = dbFile();
    const first = gatewaySink({ dbFile: file, pricing, now: () => T0 });
    const before = exchange(BEFORE, FIRST);
    first.record(before);
    first.close();
    // A new gateway process, a minute later, sees the next request of the same Claude Code session.
    const second = gatewaySink({ dbFile: file, pricing, now: () => T0 + 60_000 });
    const after = exchange(AFTER, REWRITE, { at: T0 + 60_000 });
    second.record(after);
    const records = gatewayRecordsByMessage(second.db, [before.messageId!, after.messageId!]);
    const [a, b] = [records.get(before.messageId!)!, records.get(after.messageId!)!];
    expect(b.conversation).toBe(a.conversation);
    expect(b.requestKey).toBe(`${after.messageId}:${after.requestId}`);
    expect(b.expectedRead).toBe(20_518);
    // The earlier request's text is gone, its fingerprints still name the block and tell a description change.
    expect(b.break).toMatchObject({ block: "tools[Bash]", cause: "tool-description-changed", lostTokens: 20_518 });
    expect(b.break!.excerpt).toBe("tools[Bash] changed (its earlier text is not kept)");
    second.close();
  });

  it("does not continue conversations older than an hour", () => {
    const file = dbFile();
    const first = gatewaySink({ dbFile: file, pricing, now: () => T0 });
    first.record(exchange(BEFORE, FIRST));
    first.close();
    const later = gatewaySink({ dbFile: file, pricing, now: () => T0 + 61 * 60_000 });
    const after = exchange(AFTER, REWRITE, { at: T0 + 61 * 60_000 });
    later.record(after);
    expect(gatewayRecordsByMessage(later.db, [after.messageId!]).get(after.messageId!)).toMatchObject({ expectedRead: null, break: null });
    later.close();
  });

  it("keeps a bounded diff excerpt for a break, and with noText no text at all", () => {
    for (const noText of [false, true]) {
      const file = dbFile();
      const sink = gatewaySink({ dbFile: file, pricing, noText });
      sink.record(exchange(BEFORE, FIRST));
      const after = exchange(AFTER, REWRITE, { at: T0 + 60_000 });
      sink.record(after);
      const [found] = gatewayBreaks(sink.db, T0);
      expect(found!.break!.block).toBe("tools[Bash]");
      if (noText) expect(found!.break!.excerpt).toBeNull();
      else {
        expect(found!.break!.excerpt).toContain("(1M context)");
        expect(found!.break!.excerpt!.length).toBeLessThanOrEqual(EXCERPT_CHARS);
      }
      sink.close();
      const bytes = stored(file);
      // Never a whole prompt: the description's own words appear in no row; with noText not even the excerpt's.
      expect(bytes).not.toContain(PROMPT_TEXT[0]);
      expect(bytes).not.toContain(PROMPT_TEXT[1]);
      // The scan does see stored text: the excerpt's words are there unless noText.
      if (noText) expect(bytes).not.toContain(PROMPT_TEXT[2]);
      else expect(bytes).toContain(PROMPT_TEXT[2]);
      expect(bytes).not.toContain("claude-cli/2.1.197");
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    }
  });

  it("commits each exchange before record returns, so a killed gateway loses only the request in flight", () => {
    const file = dbFile();
    const sink = gatewaySink({ dbFile: file, pricing });
    const errors: Error[] = [];
    const broken = gatewaySink({ db: sink.db, pricing, onError: (e) => errors.push(e) });
    const e = exchange(BEFORE, FIRST);
    sink.record(e);
    // Another connection (another process) sees the row while the gateway still runs.
    const reader = openDatabase(file);
    expect(reader.prepare("SELECT COUNT(*) AS n FROM gateway_request WHERE exchange_id = ?").get(e.id)).toEqual({ n: 1 });
    // A record that cannot be written is reported, never thrown into the proxy, and leaves no partial row.
    expect(() => broken.record({ ...exchange(BEFORE, FIRST), route: null as unknown as string })).not.toThrow();
    expect(errors[0]?.message).toMatch(/NOT NULL/);
    expect(reader.prepare("SELECT COUNT(*) AS n FROM gateway_request").get()).toEqual({ n: 1 });
    // A body the diagnosis cannot read (messages that are not messages) is still recorded, undiagnosed.
    const odd = exchange({ model: "claude-opus-4-8", tools: "none", messages: [42] }, FIRST);
    broken.record(odd);
    expect(errors[1]?.message).toMatch(new RegExp(`could not diagnose ${odd.id}`));
    const row = reader
      .prepare("SELECT kind, input_tokens AS input, cost_usd AS cost FROM gateway_request WHERE exchange_id = ?")
      .get(odd.id);
    // Its usage and cost are still the API's: the budgets count them.
    expect(row).toEqual({ kind: null, input: 6, cost: expect.any(Number) });
    reader.close();
    sink.close();
  });

  it("keeps a request that waits for a busy database past its timeout, and writes it once the database frees", async () => {
    const file = dbFile();
    const db = openDatabase(file);
    const errors: Error[] = [];
    const notices: string[] = [];
    // Short for the test: the real one is a minute, which a first load of very large logs can outlast.
    db.pragma("busy_timeout = 100");
    const busy: boolean[] = [];
    const sink = gatewaySink({
      db,
      pricing,
      onError: (e) => errors.push(e),
      onNotice: (line) => notices.push(line),
      giveUp: () => false,
      onBusy: (b) => busy.push(b),
    });
    // Another process holds the write lock for over a second, as a long first ingest does.
    const holder = await holdDatabase(file, 1200);
    // A sink nothing could stop waiting (the recorder on the proxy's own thread) fails after the busy timeout.
    const failures: Error[] = [];
    const unstoppable = gatewaySink({ db, pricing, onError: (err) => failures.push(err) });
    unstoppable.record(exchange(BEFORE, FIRST));
    expect(failures.map((f) => (f as Error & { code?: string }).code)).toEqual(["SQLITE_BUSY"]);
    const e = exchange(BEFORE, FIRST);
    sink.record(e);
    expect(db.prepare("SELECT COUNT(*) AS n FROM gateway_request WHERE exchange_id = ?").get(e.id)).toEqual({ n: 1 });
    // Said once, not at every retry; nothing failed.
    expect(notices).toEqual([
      "the database is busy (another quartet process is writing to it): requests wait to be recorded",
      "the database is free again: the requests that waited are being recorded",
    ]);
    expect(errors).toEqual([]);
    expect(busy).toEqual([true, false]);
    await once(holder, "exit");
    sink.close();
    db.close();
  });
});
