/**
 * `export otlp`: the ledger of the recorded homes (Claude Code, OpenCode, Codex) goes out through the official
 * OTLP/HTTP protobuf exporter to a receiver in this test (node:http, decoding with the otlp-transformer's
 * protobuf reader via otel-decode.ts, which is checked against the official serializers in its own test; the
 * export path does not use it). The receiver gets one log record per ledger request, whose attributes add up
 * to the ledger's own totals (what `usage --json` prints); a second export sends nothing, a new transcript
 * line sends one record, a record the ledger completed goes again under the same id; an endpoint that
 * refuses a batch leaves the cursor where it was.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { totals } from "../src/ledger/query.js";
import { decodeLogsRequest, type OtlpLogRecord } from "../src/team/otel-decode.js";
import { ExportFailedError, exportOtlp, recordId } from "../src/team/otlp-export.js";
import { fixtureHome, runCli, tempDir } from "./helpers.js";
import { testLedger } from "./ledger.js";

interface Collector {
  url: string;
  batches: OtlpLogRecord[][];
  /** The status the next requests get (200 takes them). */
  status: number;
  /** How long the collector takes to answer each request (a slow backend). */
  delayMs: number;
  close(): Promise<void>;
}

const open: Collector[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

async function collector(): Promise<Collector> {
  const c = { batches: [] as OtlpLogRecord[][], status: 200, delayMs: 0 } as Collector;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => setTimeout(answer, c.delayMs));
    const answer = () => {
      expect(req.url).toBe("/v1/logs");
      if (c.status !== 200) {
        res.writeHead(c.status).end("refused by the test");
        return;
      }
      c.batches.push(decodeLogsRequest(Buffer.concat(chunks), req.headers["content-type"] ?? ""));
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    };
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  c.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  c.close = () => new Promise((resolve) => server.close(() => resolve()));
  open.push(c);
  return c;
}

const sum = (records: OtlpLogRecord[], attr: string) => records.reduce((a, r) => a + ((r.attributes[attr] as number | undefined) ?? 0), 0);

describe("quartet export otlp", () => {
  it("sends one record per request with the GenAI attributes, then only what is new", async () => {
    const home = fixtureHome();
    const ledger = testLedger(home);
    await ledger.ingest();
    const c = await collector();
    const first = await exportOtlp({ db: ledger.db, endpoint: c.url, version: "test", machineId: "m-1" });
    const records = c.batches.flat();
    const t = totals(ledger.db, {});
    expect(t.requests).toBeGreaterThan(10);
    expect(first.sent).toBe(t.requests);
    expect(records).toHaveLength(t.requests);

    // Every request exactly once, by the id a backend dedupes on.
    const rows = ledger.rows("SELECT runtime, request_key, ts, model FROM usage_record") as {
      runtime: string;
      request_key: string;
      ts: number;
      model: string;
    }[];
    const byId = new Map(rows.map((r) => [recordId(r.runtime, r.request_key), r]));
    expect(new Set(records.map((r) => r.attributes["quartet.record_id"])).size).toBe(rows.length);
    for (const r of records) {
      const row = byId.get(r.attributes["quartet.record_id"] as string)!;
      expect(row).toBeDefined();
      expect(r.timeMs).toBe(row.ts);
      expect(r.attributes["gen_ai.request.model"]).toBe(row.model);
      expect(r.attributes["quartet.runtime"]).toBe(row.runtime);
      expect(r.attributes["quartet.machine_id"]).toBe("m-1");
      if (row.runtime === "claude") expect(r.attributes["gen_ai.provider.name"]).toBe("anthropic");
    }

    // The totals of `usage --json`, from the attributes; input_tokens includes the cache, as the convention says.
    expect(sum(records, "gen_ai.usage.cache_read.input_tokens")).toBe(t.cacheReadTokens);
    expect(sum(records, "gen_ai.usage.cache_creation.input_tokens")).toBe(t.cacheWriteTokens);
    expect(sum(records, "gen_ai.usage.input_tokens")).toBe(t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens);
    expect(sum(records, "gen_ai.usage.output_tokens")).toBe(t.outputTokens);
    expect(sum(records, "quartet.cost_usd")).toBeCloseTo(t.costUsd ?? Number.NaN, 9);
    expect(sum(records, "quartet.cache_tax_usd")).toBeCloseTo(t.cacheTaxUsd ?? Number.NaN, 9);

    // Nothing new: nothing sent.
    const again = await exportOtlp({ db: ledger.db, endpoint: c.url, version: "test" });
    expect(again.sent).toBe(0);
    expect(c.batches.flat()).toHaveLength(t.requests);

    // One more request in a transcript: only it goes out.
    const transcript = path.join(home, ".claude/projects/-tmp-quartet-fx-claude-Yu23OY-project/760df7a1-bd13-4b2f-83c9-6f50a6d30986.jsonl");
    const last = fs
      .readFileSync(transcript, "utf8")
      .trimEnd()
      .split("\n")
      .filter((l) => l.includes('"usage"'))
      .at(-1)!;
    const line = JSON.parse(last) as { message: { id: string }; requestId: string; timestamp: string };
    line.message.id = "msg_new_one";
    line.requestId = "req_new_one";
    line.timestamp = new Date(Date.parse(line.timestamp) + 60_000).toISOString();
    fs.appendFileSync(transcript, `${JSON.stringify(line)}\n`);
    await ledger.ingest();
    c.batches.length = 0;
    const third = await exportOtlp({ db: ledger.db, endpoint: c.url, version: "test" });
    expect(third.sent).toBe(1);
    expect(c.batches.flat().map((r) => r.attributes["quartet.request_key"])).toEqual(["msg_new_one:req_new_one"]);

    // The same request again with more output (a streaming partial, then the complete copy): the ledger keeps
    // the complete one, and it goes out again under the same record id with its new figures.
    const complete = JSON.parse(JSON.stringify(line)) as typeof line & { message: { usage: { output_tokens: number } } };
    complete.message.usage.output_tokens += 100;
    fs.appendFileSync(transcript, `${JSON.stringify(complete)}\n`);
    await ledger.ingest();
    c.batches.length = 0;
    expect((await exportOtlp({ db: ledger.db, endpoint: c.url, version: "test" })).sent).toBe(1);
    const [resent] = c.batches.flat();
    expect(resent!.attributes["quartet.record_id"]).toBe(recordId("claude", "msg_new_one:req_new_one"));
    expect(resent!.attributes["gen_ai.usage.output_tokens"]).toBe(complete.message.usage.output_tokens);
  });

  it("leaves the cursor where it was when the endpoint refuses, and sends it all once it takes them", async () => {
    const ledger = testLedger(fixtureHome(["claude"]));
    await ledger.ingest();
    const c = await collector();
    c.status = 400;
    const failed = exportOtlp({ db: ledger.db, endpoint: c.url, version: "test" });
    await expect(failed).rejects.toThrow(ExportFailedError);
    await expect(failed).rejects.toThrow(/did not take the records/);
    expect(c.batches).toHaveLength(0);
    c.status = 200;
    const sent = await exportOtlp({ db: ledger.db, endpoint: c.url, version: "test" });
    expect(sent.sent).toBe(totals(ledger.db, {}).requests);
    expect(c.batches.flat()).toHaveLength(sent.sent);
  });

  it("sends the headers of OTEL_EXPORTER_OTLP_HEADERS, never taking credentials in the URL", async () => {
    const ledger = testLedger(fixtureHome(["claude"]));
    await ledger.ingest();
    const seen: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers["x-api-key"] as string | undefined);
      req.resume().on("end", () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = "x-api-key=secret-from-env";
    try {
      await exportOtlp({ db: ledger.db, endpoint: url, version: "test" });
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
      await new Promise((resolve) => server.close(resolve));
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((v) => v === "secret-from-env")).toBe(true);
    await expect(exportOtlp({ db: ledger.db, endpoint: "http://user:pw@127.0.0.1:1", version: "test" })).rejects.toThrow(
      /credentials do not go in the endpoint URL/,
    );
  });

  it("as a command: exits 1 with the endpoint's reason, 2 without an endpoint, and sends once it is taken", async () => {
    const home = fixtureHome(["claude"]);
    const dataDir = tempDir("quartet-otel-export-data-");
    const c = await collector();
    c.status = 400;
    const refused = await runCli(["export", "otlp", "--endpoint", c.url, "--json"], { dataDir, env: { HOME: home } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/did not take the records/);
    expect((await runCli(["export", "otlp"], { dataDir, env: { HOME: home } })).code).toBe(2);
    c.status = 200;
    const sent = await runCli(["export", "otlp", "--endpoint", c.url, "--json"], { dataDir, env: { HOME: home } });
    expect(sent.code).toBe(0);
    const result = JSON.parse(sent.stdout) as { sent: number; url: string };
    expect(result).toMatchObject({ url: `${c.url}/v1/logs` });
    expect(c.batches.flat()).toHaveLength(result.sent);
    expect(result.sent).toBeGreaterThan(0);
  });

  it("sends each record once when two exports to one endpoint start together", async () => {
    const home = fixtureHome(["claude"]);
    const dataDir = tempDir("quartet-otel-export-twice-data-");
    const c = await collector();
    // A slow backend: without the endpoint's lock, the second export read the cursor while the first waited for
    // its answer, and sent every record again.
    c.delayMs = 400;
    const run = () => runCli(["export", "otlp", "--endpoint", c.url, "--json"], { dataDir, env: { HOME: home } });
    const [a, b] = await Promise.all([run(), run()]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const sent = [a, b].map((r) => (JSON.parse(r.stdout) as { sent: number }).sent).sort((x, y) => x - y);
    const ids = c.batches.flat().map((r) => r.attributes["quartet.record_id"]);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    expect(sent).toEqual([0, ids.length]);
  });
});
