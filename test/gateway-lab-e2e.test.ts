/**
 * The gateway's diagnosis of real traffic checked against the lab's own (issue 15, "How it is checked"):
 * the real claude and opencode, each pointed at a started gateway whose upstream is the lab's scripted
 * endpoint, on short cuts of the lab's scenarios. Every request the lab recorded is matched to the gateway's
 * record of the same request, and the two must say the same: main or auxiliary, the read expected, and for a
 * break its block, cause, changed blocks, lost tokens and cost. And the real break of README's "What the lab
 * found" (Claude Code's Bash tool description changing between processes), named from the gateway's data alone.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openDatabase } from "../src/core/db.js";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { round6 } from "../src/core/output.js";
import { buildPricing } from "../src/core/pricing.js";
import { PRICE_TABLE } from "../src/core/price-table.js";
import type { ExchangeSink } from "../src/gateway/exchange.js";
import { startGateway } from "../src/gateway/proxy.js";
import { loadRoutes } from "../src/gateway/routes.js";
import { gatewayBreaks, gatewayRecordsByMessage, gatewaySink, type GatewayRecord, type GatewaySink } from "../src/gateway/store.js";
import { labCacheTax } from "../src/lab/cache-tax.js";
import { startEndpoint } from "../src/lab/endpoint.js";
import { ModelSession, type LabRequest } from "../src/lab/model-session.js";
import { reportOf, type LabReport } from "../src/lab/report.js";
import { runLab } from "../src/lab/runner.js";
import { loadRequests, type LabRun } from "../src/lab/runs.js";
import { durationMs, loadScenario, type Scenario } from "../src/lab/scenario.js";
import { RUNTIMES } from "../src/runtimes/registry.js";
import type { RuntimeId } from "../src/runtimes/types.js";
import { AFTER, BEFORE } from "./gateway-exchanges.js";
import { fileTempDir, tempDir } from "./helpers.js";
import { expectCompleted } from "./lab.js";

const pricing = buildPricing(PRICE_TABLE);
const sinks: GatewaySink[] = [];
afterAll(() => {
  for (const sink of sinks.splice(0)) sink.close();
});

/** What the lab and the gateway each say about one request; the two must be equal. */
interface Verdict {
  kind: "main" | "auxiliary" | null;
  expectedRead: number | null;
  break: {
    block: string | null;
    cause: string;
    detail: string | null;
    changed: string[];
    lostTokens: number;
    costUsd: number | null;
  } | null;
}

interface Traced {
  run: LabRun;
  report: LabReport;
  sink: GatewaySink;
  /** The gateway's own problems, and the sink's. */
  problems: string[];
}

/**
 * Runs a scenario through the runtimes with a gateway between each runtime and the lab's endpoint (one gateway
 * per runtime, as each has its own endpoint), all recording into one database and one diagnosis, as one
 * gateway would for several clients.
 *
 * The lab's `pause` moves its simulated clock; the gateway sees real time. So that both judge a TTL on the same
 * time line, the sink is handed each exchange with its arrival time moved by the pauses the lab had taken when
 * it arrived: the one change made to what the gateway passes on, named here.
 */
async function throughGateway(
  scenario: Scenario,
  file: string,
  runtimes: readonly RuntimeId[],
  options: { model?: string } = {},
): Promise<Traced> {
  const dir = fileTempDir("quartet-gw-lab-");
  const problems: string[] = [];
  const sink = gatewaySink({ dbFile: path.join(dir, "quartet", "quartet.db"), pricing, onError: (e) => problems.push(e.message) });
  sinks.push(sink);
  const shifts: { from: number; by: number }[] = [{ from: 0, by: 0 }];
  const shifted: ExchangeSink = {
    record: (e) => sink.record({ ...e, at: e.at + shifts.findLast((s) => s.from <= e.at)!.by }),
  };
  const pausedBefore = (turn: number) => {
    let paused = 0;
    let prompts = 0;
    for (const step of scenario.steps) {
      if ("prompt" in step && ++prompts === turn) break;
      if ("pause" in step) paused += durationMs(step.pause);
    }
    return paused;
  };
  const run = await runLab({
    scenario,
    scenarioFile: file,
    runtimes: runtimes.map((id) => RUNTIMES.get(id)!),
    dataDir: dir,
    userHome: dir,
    clean: true,
    pricing,
    ...options,
    onTurn: (t) => shifts.push({ from: Date.now(), by: pausedBefore(t.turn) }),
    via: async (endpointUrl) => {
      shifts.push({ from: Date.now(), by: 0 });
      return startGateway({
        routes: loadRoutes({ file: path.join(dir, "no-routes.jsonc"), upstream: endpointUrl }),
        sink: shifted,
        log: (line) => problems.push(line),
      });
    },
  });
  // The sink records an exchange once the response's end is read, which may come after the runtime exited.
  const answered = runtimes.flatMap((rt) => loadRequests(run, rt)).filter((r) => r.usage).length;
  await vi.waitFor(() => expect(recordedExchanges(sink)).toBe(answered));
  return { run, report: reportOf(run, pricing), sink, problems };
}

function recordedExchanges(sink: GatewaySink): number {
  return (sink.db.prepare("SELECT count(*) AS n FROM gateway_request WHERE message_id IS NOT NULL").get() as { n: number }).n;
}

/**
 * A request is matched by its content, the hash of its whole prompt (its last block's prefix hash) and its block
 * count: the lab does not keep the message ids it answered with, and concurrent requests may reach the gateway
 * and the endpoint in different orders.
 */
function keyOf(blocks: readonly { prefixHash: string }[]): string {
  return `${blocks.length}:${blocks.at(-1)?.prefixHash ?? ""}`;
}

/** The gateway's records, read back from its database, by request content, in order of arrival. */
function gatewayRecordsByContent(sink: GatewaySink): Map<string, GatewayRecord[]> {
  const rows = sink.db
    .prepare("SELECT message_id, blocks FROM gateway_request WHERE message_id IS NOT NULL ORDER BY at, length(exchange_id), exchange_id")
    .all() as { message_id: string; blocks: string }[];
  const records = gatewayRecordsByMessage(
    sink.db,
    rows.map((r) => r.message_id),
  );
  const byKey = new Map<string, GatewayRecord[]>();
  for (const r of rows) {
    const key = keyOf(JSON.parse(r.blocks) as { prefixHash: string }[]);
    byKey.set(key, [...(byKey.get(key) ?? []), records.get(r.message_id)!]);
  }
  return byKey;
}

function gatewayVerdict(r: GatewayRecord): Verdict {
  const b = r.break;
  return {
    kind: r.kind,
    expectedRead: r.expectedRead,
    break: b
      ? { block: b.block, cause: b.cause, detail: b.detail, changed: b.changed, lostTokens: b.lostTokens, costUsd: round6(b.costUsd) }
      : null,
  };
}

/** The lab's verdict on a request: its break as recorded, priced as the lab's report prices it (its cache tax). */
function labVerdict(r: LabRequest, summary: LabReport["runtimes"][number]): Verdict {
  const b = r.break;
  return {
    kind: r.kind,
    expectedRead: r.expectedRead ?? null,
    break: b
      ? {
          block: b.block ?? null,
          cause: b.cause,
          detail: b.detail ?? null,
          changed: b.changed ?? [],
          lostTokens: b.lostTokens,
          costUsd: summary.breaks.find((x) => x.n === r.n)!.taxUsd,
        }
      : null,
  };
}

/**
 * Both sides' verdicts on every request of a runtime the endpoint answered, in the lab's order; checks on the
 * way that each request went through the gateway and that the conversations are the same ones.
 */
function verdicts(t: Traced, rt: RuntimeId): { lab: Verdict[]; gateway: Verdict[] } {
  const byKey = gatewayRecordsByContent(t.sink);
  const summary = t.report.runtimes.find((r) => r.runtime === rt)!;
  const lab: Verdict[] = [];
  const gateway: Verdict[] = [];
  const conversations = new Map<number, string | null>();
  for (const r of loadRequests(t.run, rt).filter((x) => x.usage)) {
    const seen = byKey.get(keyOf(r.blocks))?.shift();
    expect(seen, `${rt} request ${r.n} passed through the gateway`).toBeDefined();
    lab.push(labVerdict(r, summary));
    gateway.push(gatewayVerdict(seen!));
    // Each of the lab's conversations is one of the gateway's, shared with no other.
    if (r.conversation !== null) {
      if (!conversations.has(r.conversation)) conversations.set(r.conversation, seen!.conversation);
      expect(seen!.conversation, `${rt} request ${r.n}`).toBe(conversations.get(r.conversation));
    }
  }
  expect(new Set(conversations.values()).size).toBe(conversations.size);
  return { lab, gateway };
}

function labBreaks(t: Traced, rt: RuntimeId) {
  return t.report.runtimes.find((r) => r.runtime === rt)!.breaks;
}

/** A built-in scenario cut to some of its steps (each OpenCode turn is a new `opencode run` process of about 8 s). */
function cut(name: string, pick: (prompts: Scenario["steps"], others: Scenario["steps"]) => Scenario["steps"]) {
  const { scenario, file } = loadScenario(name);
  const steps = pick(
    scenario.steps.filter((s) => "prompt" in s),
    scenario.steps.filter((s) => !("prompt" in s)),
  );
  return { scenario: { ...scenario, steps }, file };
}

describe("claude and opencode through the gateway, the project instructions changed between two turns", () => {
  let traced: Traced;
  beforeAll(async () => {
    // The fix (an edit, so the git status Claude Code snapshots changes), the instructions changed, the tests run.
    const { scenario, file } = cut("explore-edit-test-instructions", (prompts, [instructions]) => [
      prompts.at(-2)!,
      instructions!,
      prompts.at(-1)!,
    ]);
    // Each turn has the lab's own limit (180 s), as in the other lab tests: OpenCode's turns take 7-10 s alone, and
    // a limit of 60 s once failed one in a loaded CI run.
    traced = await throughGateway(scenario, file, ["claude", "opencode"]);
  }, 420_000);

  it("passes every turn through: both runtimes complete the scenario, the gateway reports no problem", () => {
    for (const rt of traced.run.runtimes) expectCompleted(rt);
    expect(traced.problems).toEqual([]);
  });

  it("gives the lab its breaks: Claude Code's system[2] (git status and instructions), OpenCode's system[0]", () => {
    // What the comparison below is about: without breaks on the lab's side it would prove little.
    const found = (rt: RuntimeId) => labBreaks(traced, rt).map((b) => [b.turn, b.block, b.cause, b.sections]);
    expect(found("claude")).toEqual([[1, "system[2]", "system-changed", ["git-status", "instructions"]]]);
    expect(found("opencode")).toEqual([[1, "system[0]", "system-changed", ["instructions"]]]);
  });

  it.each(["claude", "opencode"] as const)(
    "diagnoses every %s request as the lab did: kind, expected read, block, cause, tokens and cost",
    (rt) => {
      const { lab, gateway } = verdicts(traced, rt);
      expect(gateway).toEqual(lab);
      expect(lab.filter((v) => v.break)).toHaveLength(labBreaks(traced, rt).length);
    },
  );

  it("records no break the lab did not find, and keeps the two runtimes' conversations apart", () => {
    expect(gatewayBreaks(traced.sink.db, 0)).toHaveLength(labBreaks(traced, "claude").length + labBreaks(traced, "opencode").length);
    const conversations = traced.sink.db
      .prepare("SELECT count(DISTINCT conversation) AS n FROM gateway_request WHERE kind = 'main'")
      .get() as { n: number };
    const labConversations = (["claude", "opencode"] as const).map(
      (rt) => new Set(loadRequests(traced.run, rt).flatMap((r) => (r.kind === "main" && r.usage ? [r.conversation] : []))).size,
    );
    expect(conversations.n).toBe(labConversations[0]! + labConversations[1]!);
  });
});

/**
 * Claude Code alone through the gateway (its turns take about 2 s, OpenCode's 8): every request diagnosed as the
 * lab did, no break the lab did not find. Returns the lab's breaks, for what the run is meant to show.
 */
async function claudeThroughGateway(cutScenario: { scenario: Scenario; file: string }, options: { model?: string } = {}) {
  const traced = await throughGateway(cutScenario.scenario, cutScenario.file, ["claude"], options);
  expectCompleted(traced.run.runtimes[0]!);
  expect(traced.problems).toEqual([]);
  const { lab, gateway } = verdicts(traced, "claude");
  expect(gateway).toEqual(lab);
  expect(gatewayBreaks(traced.sink.db, 0)).toHaveLength(labBreaks(traced, "claude").length);
  return labBreaks(traced, "claude");
}

describe("claude through the gateway, a pause past the cache's TTL between two turns", () => {
  it("finds the lab's TTL break once the lab's pause reaches the gateway's clock", async () => {
    // The TTL rule does not depend on the runtime: Claude Code alone.
    const found = await claudeThroughGateway(cut("explore-edit-test-pause", (prompts, [pause]) => [prompts[0]!, pause!, prompts[1]!]));
    expect(found.map((b) => [b.turn, b.cause, b.detail])).toEqual([[1, "ttl-expired", "5m"]]);
  }, 240_000);
});

describe("a Claude Code request pair whose Bash tool description changes between processes", () => {
  it("is found in the real claude's traffic on its default model, as the lab finds it", async () => {
    // README's "What the lab found": on the model Claude Code picks itself, the Bash tool's description names it
    // with "(1M context)" in the first process and without it after `--continue`.
    const found = await claudeThroughGateway(
      cut("explore-edit-test", (prompts) => [prompts[0]!, prompts[1]!]),
      { model: "default" },
    );
    expect(found.map((b) => [b.turn, b.block, b.cause])).toEqual([[1, "tools[Bash]", "tool-description-changed"]]);
  }, 240_000);

  it("is named tools[Bash] from the gateway's data alone, with the lab's lost tokens and cache tax", async () => {
    const dir = tempDir();
    const { scenario } = loadScenario("explore-edit-test");
    const model = new ModelSession(scenario, dir);
    const endpoint = await startEndpoint({ responder: model });
    const dbFile = path.join(dir, "quartet", "quartet.db");
    const recorder = gatewaySink({ dbFile, pricing });
    const gateway = await startGateway({
      routes: loadRoutes({ file: path.join(dir, "no-routes.jsonc"), upstream: endpoint.url }),
      sink: recorder,
    });
    try {
      // The last request of a `claude -p` process and the first of the `--continue` process after it (real
      // Claude Code 2.1.197 on its default model, test/fixtures/requests), sent as Claude Code sends them.
      for (const body of [BEFORE, AFTER]) {
        const res = await fetch(`${gateway.url}/v1/messages?beta=true`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": LAB_API_KEY, "anthropic-version": "2023-06-01" },
          body: JSON.stringify(body),
        });
        expect(res.status).toBe(200);
        await res.text();
      }
      await vi.waitFor(() => expect(recordedExchanges(recorder)).toBe(2));
    } finally {
      await gateway.close();
      await endpoint.close();
      recorder.close();
    }
    // Read back by another connection, as `quartet cache` would: no request body is left, only the store speaks.
    const db = openDatabase(dbFile);
    const found = gatewayBreaks(db, 0);
    db.close();
    expect(found).toHaveLength(1);
    expect(found[0]!.break).toMatchObject({ block: "tools[Bash]", cause: "tool-description-changed", detail: "Bash" });
    expect(found[0]!.break!.excerpt).toContain("(1M context)");
    // The lab's own analysis of the same two requests on its simulated cache: the same tokens, the same price.
    const labBreak = model.requests[1]!.break!;
    expect(labBreak.block).toBe("tools[Bash]");
    expect(found[0]!.break!.lostTokens).toBeGreaterThan(0);
    expect(found[0]!.break!.lostTokens).toBe(labBreak.lostTokens);
    const tax = labCacheTax({ requests: model.requests, pricing, priceModel: (m) => m }).byRequest.get(2)!;
    expect(found[0]!.break!.costUsd).toBeGreaterThan(0);
    expect(found[0]!.break!.costUsd).toBeCloseTo(tax, 12);
  });
});
