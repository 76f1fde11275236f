/**
 * OpenTelemetry in, with the real runtimes driven offline against the lab endpoint and their own telemetry
 * exporting OTLP/HTTP protobuf to `quartet otel receive` (the built CLI):
 * - Claude Code 2.1.197 (`claude -p`): its `claude_code.api_request` events and its transcript make one record
 *   per request (what `quartet usage --json` counts), joined by the API request id; without the transcript
 *   the events alone make the same records after a minute, and a transcript arriving later replaces them.
 * - Codex 0.169 (`codex exec`): its `codex.sse_event` response.completed logs join the rollout's records by
 *   session and tokens; alone they make the same totals.
 * Also: Codex-shaped logs sent as OTLP/JSON (built with the official SDK and serializer), one matching a
 * rollout fixture's record and one matching nothing; the receiver refuses web pages and non-OTLP bodies; a
 * partial line left by a killed receiver is skipped and reported.
 */
import fs from "node:fs";
import path from "node:path";
import { JsonLogsSerializer } from "@opentelemetry/otlp-transformer";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/core/db.js";
import { startProcess, type ProcessHandle } from "../src/core/process.js";
import { lookupEnv } from "../src/core/paths.js";
import { PRICE_TABLE } from "../src/core/price-table.js";
import { buildPricing } from "../src/core/pricing.js";
import { startEndpoint, type Endpoint } from "../src/lab/endpoint.js";
import { writeFixtureRepo } from "../src/lab/fixture-repo.js";
import { ModelSession } from "../src/lab/model-session.js";
import { ResponsesSession } from "../src/lab/responses-session.js";
import { loadScenario } from "../src/lab/scenario.js";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { CODEX_LAB_MODEL, labConfigToml } from "../src/runtimes/codex/headless.js";
import { ingest } from "../src/ledger/ingest.js";
import { totals } from "../src/ledger/query.js";
import { storedWarnings } from "../src/ledger/store.js";
import { RUNTIMES } from "../src/runtimes/registry.js";
import type { RuntimeId } from "../src/runtimes/types.js";
import { otelEventsFile } from "../src/team/otel-files.js";
import { storeRequests } from "../src/team/otel-receive.js";
import { otelSources } from "../src/team/otel-source.js";
import { fixtureHome, ROOT, runCli, tempDir } from "./helpers.js";

const scenario = loadScenario("explore-edit-test").scenario;
const prompt = scenario.steps.flatMap((s) => ("prompt" in s ? [s.prompt] : []))[0]!;
const MINUTE = 60_000;

let endpoint: Endpoint;
let receiver: { url: string; process: ProcessHandle };
let lab: ModelSession;
let dataDir: string;
let home: string;

beforeAll(async () => {
  const workspace = tempDir("quartet-otel-work-", "file");
  home = tempDir("quartet-otel-home-", "file");
  dataDir = tempDir("quartet-otel-data-", "file");
  writeFixtureRepo("todo-lib", workspace);
  lab = new ModelSession(scenario, workspace);
  endpoint = await startEndpoint({ responder: lab });
  const proc = startProcess(process.execPath, [path.join(ROOT, "bin", "quartet.js"), "otel", "receive"], {
    env: { PATH: process.env.PATH, HOME: tempDir("quartet-otel-userhome-", "file"), QUARTET_HOME: dataDir },
  });
  const url = await new Promise<string>((resolve) =>
    proc.onLine((l) => /listening on (\S+)/.test(l) && resolve(/listening on (\S+)/.exec(l)![1]!)),
  );
  receiver = { url, process: proc };
  // Claude Code's own telemetry, as its monitoring docs set it up, exported often and given time at exit (2 s
  // by default, which a loaded test machine can need more than).
  const telemetry = {
    CLAUDE_CODE_ENABLE_TELEMETRY: "1",
    OTEL_LOGS_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_LOGS_EXPORT_INTERVAL: "200",
    CLAUDE_CODE_OTEL_SHUTDOWN_TIMEOUT_MS: "20000",
  };
  const claude = startProcess(path.join(ROOT, "node_modules", ".bin", "claude"), ["-p", prompt, "--allowedTools", "Read,Grep,Glob"], {
    cwd: workspace,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      ANTHROPIC_BASE_URL: endpoint.url,
      ANTHROPIC_API_KEY: "sk-ant-test-not-a-key",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      ...telemetry,
    },
  });
  const exit = await claude.exited;
  expect({ code: exit.code, output: claude.tail() }).toMatchObject({ code: 0 });
});

afterAll(async () => {
  receiver?.process.cancel();
  await endpoint?.close();
});

/** A ledger of its own reading `home`'s logs and what the receiver stored, as `quartet usage` does. */
function ledger(o: { home: string; runtimes: RuntimeId[] }) {
  const db = openDatabase(path.join(tempDir("quartet-otel-ledger-"), "quartet.db"));
  const pricing = buildPricing(PRICE_TABLE);
  return {
    db,
    ingest: (now = Date.now()) =>
      ingest({
        db,
        env: lookupEnv({ home: o.home }),
        pricing,
        runtimes: o.runtimes.map((r) => RUNTIMES.get(r)!),
        extraSources: otelSources({ db, dataDir, now: () => now }),
        workers: 0,
      }),
    keys: () => (db.prepare("SELECT request_key FROM usage_record ORDER BY ts").pluck().all() as string[]).map((k) => k.split(":")[0]!),
  };
}

function storedClaude(): { requestId: string; tokens: Record<string, number> }[] {
  return fs
    .readFileSync(path.join(dataDir, "otel", "claude.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { requestId: string; tokens: Record<string, number> });
}

describe("quartet otel receive with the real claude", () => {
  it("stores one request per API call, joined with the transcript: each counted once", async () => {
    await expect.poll(() => (fs.existsSync(otelEventsFile(dataDir, "claude")) ? storedClaude().length : 0)).toBe(lab.requests.length);
    const events = storedClaude();
    expect(fs.statSync(path.join(dataDir, "otel", "claude.jsonl")).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, "otel")).mode & 0o777).toBe(0o700);
    expect(events.map((e) => e.requestId)).toEqual(expect.arrayContaining([expect.stringMatching(/^req_lab_/)]));

    const withTranscripts = ledger({ home, runtimes: ["claude"] });
    await withTranscripts.ingest();
    const t = totals(withTranscripts.db, {});
    expect(t.requests).toBe(lab.requests.length);
    expect(withTranscripts.keys().every((k) => k.startsWith("msg_"))).toBe(true);
    // The same tokens either way: the events say what the transcript says.
    expect(t.outputTokens).toBe(events.reduce((a, e) => a + e.tokens.output!, 0));
    expect(t.cacheReadTokens).toBe(events.reduce((a, e) => a + e.tokens.cacheRead!, 0));
  });

  it("quartet usage --json counts each request once: the transcript and the event joined", async () => {
    const r = await runCli(["usage", "--json", "--by", "runtime"], { dataDir, env: { HOME: home } });
    expect(r).toMatchObject({ code: 0 });
    const usage = JSON.parse(r.stdout) as { totals: { requests: number; outputTokens: number; reportedCostUsd: number | null } };
    expect(usage.totals.requests).toBe(lab.requests.length);
    expect(usage.totals.outputTokens).toBe(storedClaude().reduce((a, e) => a + e.tokens.output!, 0));
    // The transcript's records stand: the cost Claude Code reported in its events is not in them.
    expect(usage.totals.reportedCostUsd).toBeNull();
  });

  it("counts the events alone when there is no transcript, after a minute, and lets a late transcript replace them", async () => {
    const bare = tempDir("quartet-otel-bare-");
    const l = ledger({ home: bare, runtimes: ["claude"] });
    const received = Date.now();
    await l.ingest(received);
    expect(totals(l.db, {}).requests).toBe(0); // held: the transcript may still come
    await l.ingest(received + 2 * MINUTE);
    const alone = totals(l.db, {});
    expect(alone.requests).toBe(lab.requests.length);
    expect(l.keys().every((k) => k === "otel")).toBe(true);

    fs.cpSync(path.join(home, ".claude"), path.join(bare, ".claude"), { recursive: true });
    await l.ingest(received + 3 * MINUTE);
    const joined = totals(l.db, {});
    expect(joined.requests).toBe(lab.requests.length);
    expect(l.keys().every((k) => k.startsWith("msg_"))).toBe(true);
    // The same figures; only the cost Claude Code reported itself is in the events and not in the transcript.
    expect(alone.reportedCostUsd).toBeCloseTo(alone.costUsd!, 9);
    expect(joined).toEqual({ ...alone, reportedCostUsd: null });
  });
});

describe("quartet otel receive with the real codex", () => {
  it("joins each response.completed with the rollout's record by session and tokens; alone, they make the same totals", async () => {
    const workspace = tempDir("quartet-otel-cx-work-");
    const codexHome = tempDir("quartet-otel-cx-home-");
    writeFixtureRepo("todo-lib", workspace);
    const model = new ModelSession(scenario, workspace);
    const responses = new ResponsesSession(scenario, workspace, model.clock, model.requests, () => false);
    const codexEndpoint = await startEndpoint({ responder: model, responses });
    try {
      // The lab's own Codex config, with Codex's OTLP/HTTP log exporter pointed at the receiver.
      const config = labConfigToml({ endpointUrl: codexEndpoint.url, model: CODEX_LAB_MODEL }).replace(
        'exporter = "none"',
        `exporter = { otlp-http = { endpoint = "${receiver.url}/v1/logs", protocol = "binary" } }`,
      );
      fs.mkdirSync(path.join(codexHome, ".codex"), { recursive: true });
      fs.writeFileSync(path.join(codexHome, ".codex", "config.toml"), config);
      const codex = startProcess(path.join(ROOT, "node_modules", ".bin", "codex"), ["exec", "--json", "--", prompt], {
        cwd: workspace,
        env: { PATH: process.env.PATH, HOME: codexHome, CODEX_HOME: path.join(codexHome, ".codex"), QUARTET_LAB_API_KEY: LAB_API_KEY },
      });
      expect({ code: (await codex.exited).code, output: codex.tail() }).toMatchObject({ code: 0 });
    } finally {
      await codexEndpoint.close();
    }
    const stored = () =>
      fs.existsSync(otelEventsFile(dataDir, "codex"))
        ? fs.readFileSync(otelEventsFile(dataDir, "codex"), "utf8").trim().split("\n").length
        : 0;
    await expect.poll(stored).toBe(model.requests.length);

    const joined = ledger({ home: codexHome, runtimes: ["codex"] });
    await joined.ingest();
    const t = totals(joined.db, {});
    expect(t.requests).toBe(model.requests.length);
    expect(joined.keys().includes("otel")).toBe(false);

    const alone = ledger({ home: tempDir("quartet-otel-cx-bare-"), runtimes: ["codex"] });
    await alone.ingest(Date.now() + 2 * MINUTE);
    expect(alone.keys().every((k) => k === "otel")).toBe(true);
    const a = totals(alone.db, {});
    expect([a.requests, a.inputTokens, a.cacheReadTokens, a.outputTokens]).toEqual([
      t.requests,
      t.inputTokens,
      t.cacheReadTokens,
      t.outputTokens,
    ]);
  });
});

/** Codex `sse_event` logs as the official SDK writes them, with the attribute names in the pinned codex binary. */
function codexPayload(events: { session: string; model: string; ts: number; input: number; cached: number; output: number }[]): Uint8Array {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const logger = provider.getLogger("codex_otel");
  for (const e of events) {
    logger.emit({
      timestamp: e.ts,
      attributes: { "event.name": "codex.sse_event", "event.kind": "response.created", "conversation.id": e.session },
    });
    logger.emit({
      timestamp: e.ts,
      attributes: {
        "event.name": "codex.sse_event",
        "event.kind": "response.completed",
        "event.timestamp": new Date(e.ts).toISOString(),
        "conversation.id": e.session,
        model: e.model,
        "app.version": "0.0.0-test",
        input_token_count: e.input,
        cached_token_count: e.cached,
        output_token_count: e.output,
        reasoning_token_count: 0,
        tool_token_count: 0,
      },
    });
  }
  return JsonLogsSerializer.serializeRequest(memory.getFinishedLogRecords())!;
}

describe("quartet otel receive with Codex's logs as OTLP/JSON", () => {
  it("joins an sse_event with the rollout record of the same session and tokens; an unmatched one counts alone", async () => {
    const codexHome = fixtureHome(["codex"]);
    const l = ledger({ home: codexHome, runtimes: ["codex"] });
    await l.ingest();
    const before = totals(l.db, {});
    const row = l.db
      .prepare(
        "SELECT session_id, model, ts, input_tokens + cache_read_tokens AS input, cache_read_tokens, output_tokens FROM usage_record LIMIT 1",
      )
      .get() as { session_id: string; model: string; ts: number; input: number; cache_read_tokens: number; output_tokens: number };
    const body = codexPayload([
      {
        session: row.session_id,
        model: row.model,
        ts: row.ts + 1500,
        input: row.input,
        cached: row.cache_read_tokens,
        output: row.output_tokens,
      },
      { session: "elsewhere", model: row.model, ts: row.ts, input: 1000, cached: 0, output: 7 },
    ]);
    const res = await fetch(`${receiver.url}/v1/logs`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(200);
    await l.ingest(Date.now());
    const after = totals(l.db, {});
    expect(after.requests).toBe(before.requests + 1);
    expect(after.inputTokens).toBe(before.inputTokens + 1000);
    expect(after.outputTokens).toBe(before.outputTokens + 7);
  });

  it("refuses web pages, other hosts and bodies that are not OTLP", async () => {
    const post = (headers: Record<string, string>, body: string | Uint8Array = "{}") =>
      fetch(`${receiver.url}/v1/logs`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    expect((await post({ origin: "https://example.com" })).status).toBe(403);
    expect((await post({}, "{not json")).status).toBe(400);
    expect((await post({ "content-type": "text/plain" })).status).toBe(400);
    expect((await post({})).status).toBe(200);
  });
});

describe("the receiver's store after a kill", () => {
  it("starts a new line after a partial one, which the ledger reports and skips", async () => {
    const data = tempDir("quartet-otel-killed-");
    const file = path.join(data, "otel", "claude.jsonl");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"runtime":"claude","id":"cut-sh');
    const r = {
      runtime: "claude" as const,
      id: "req_1",
      requestId: "req_1",
      sessionId: "s-1",
      model: "claude-sonnet-4-5",
      ts: Date.now() - 5 * MINUTE,
      version: null,
      costUsd: null,
    };
    storeRequests(data, [{ ...r, tokens: { input: 10, output: 5, reasoning: 0, cacheRead: 100, cacheWrite5m: 0, cacheWrite1h: 0 } }]);
    const db = openDatabase(path.join(tempDir("quartet-otel-ledger-"), "quartet.db"));
    await ingest({
      db,
      env: lookupEnv({ home: tempDir("quartet-otel-nohome-") }),
      pricing: buildPricing(PRICE_TABLE),
      runtimes: [RUNTIMES.get("claude")!],
      extraSources: otelSources({ db, dataDir: data }),
      workers: 0,
    });
    expect(totals(db, {})).toMatchObject({ requests: 1, inputTokens: 10, cacheReadTokens: 100, outputTokens: 5 });
    expect(storedWarnings(db)).toContainEqual(expect.objectContaining({ code: "invalid-record", file, line: 1 }));
  });
});
