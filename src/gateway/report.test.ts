import path from "node:path";
import { describe, expect, it } from "vitest";
import { AFTER, BEFORE, T0, exchange } from "../../test/gateway-exchanges.js";
import { tempDir } from "../../test/helpers.js";
import { buildPricing } from "../core/pricing.js";
import { PRICE_TABLE } from "../core/price-table.js";
import { gatewayBreaksReport, withGatewayRecords, type JoinableRow } from "./report.js";
import { gatewaySink } from "./store.js";

const FIRST = { input_tokens: 6, cache_read_input_tokens: 18_412, cache_creation_input_tokens: 2_106 };

describe("quartet gateway breaks", () => {
  it("lists the recorded breaks with block, cause, tokens, cost and the API's reason, then the disagreements", async () => {
    const sink = gatewaySink({ dbFile: path.join(tempDir(), "quartet.db"), pricing: buildPricing(PRICE_TABLE) });
    // A cold gateway meets a prompt the API still had cached: the rules predict no read, a disagreement.
    sink.record(exchange(BEFORE, FIRST));
    sink.record(
      exchange(
        AFTER,
        { input_tokens: 6, cache_creation_input_tokens: 20_930 },
        { at: T0 + 60_000, diagnostics: { cache_miss_reason: { type: "tools_changed", cache_missed_input_tokens: 20_518 } } },
      ),
    );
    const json = JSON.parse(await gatewayBreaksReport(sink.db, { since: T0, format: "json" })) as {
      breaks: { at: string; apiReason: string; break: { block: string; cause: string; lostTokens: number } }[];
      disagreements: { disagreement: string }[];
    };
    expect(json.breaks).toHaveLength(1);
    expect(json.breaks[0]).toMatchObject({
      at: new Date(T0 + 60_000).toISOString(),
      apiReason: "tools_changed",
      break: { block: "tools[Bash]", cause: "tool-description-changed", lostTokens: 20_518 },
    });
    expect(json.disagreements.map((d) => d.disagreement)).toEqual(["the rules predict no cache read; 90% was read"]);
    const text = await gatewayBreaksReport(sink.db, { since: T0, format: "table" });
    expect(text).toContain("1 cache break, 20.5k tokens not read from cache");
    expect(text).toContain("tool description changed at tools[Bash] (Bash)");
    expect(text).toContain("tools_changed");
    expect(text).toMatch(/tools\[Bash\] .*\[-\(1M context\) -\]/);
    expect(await gatewayBreaksReport(sink.db, { since: T0 + 120_000, format: "table" })).toMatch(
      /^No cache break recorded by the gateway since/,
    );
    sink.close();
  });
});

describe("the join of ledger requests whose key names no response (OpenCode)", () => {
  it("takes the nearest record of the same session, model and usage within seconds, each record once", () => {
    const sink = gatewaySink({ dbFile: path.join(tempDir(), "quartet.db"), pricing: buildPricing(PRICE_TABLE) });
    const usage = { input_tokens: 6, cache_creation_input_tokens: 2_106 };
    const seen = [T0, T0 + 2_000, T0 + 60_000].map((at) => exchange(BEFORE, usage, { at, headers: { "x-session-id": "ses_A" } }));
    // A response that called a tool: OpenCode stamps its step once the tool has run, minutes later.
    const withTool = exchange(BEFORE, { ...usage, input_tokens: 7 }, { at: T0 + 100_000, headers: { "x-session-id": "ses_A" } });
    for (const e of [...seen, withTool]) sink.record(e);
    const row = (key: string, ts: number, over: Partial<JoinableRow> = {}): JoinableRow => ({
      requestKey: key,
      sessionId: "ses_A",
      model: BEFORE.model,
      ts,
      input: 6,
      cacheRead: 0,
      cacheWrite5m: 2_106,
      cacheWrite1h: 0,
      output: 120,
      ...over,
    });
    const rows = [
      row("prt:late", T0 + 2_900), // the second exchange's end
      row("prt:early", T0 + 1_000), // the first's
      row("prt:between", T0 + 30_000), // no exchange ran near then
      row("prt:after-tool", T0 + 100_000 + 4 * 60_000, { input: 7 }),
      row("prt:other-model", T0 + 60_900, { model: "claude-haiku-4-5" }),
      row("prt:other-session", T0 + 60_900, { sessionId: "ses_B" }),
      row("prt:other-usage", T0 + 60_900, { output: 121 }),
      // The third record matches, but the row whose key names its response has it.
      row("prt:third", T0 + 61_000),
      row(`${seen[2]!.messageId}:${seen[2]!.requestId}`, T0, { sessionId: "whatever" }),
    ];
    const joined = withGatewayRecords(sink.db, rows).map((r) => [
      r.requestKey.startsWith("prt:") ? r.requestKey.slice(4) : "keyed",
      r.gateway?.exchangeId ?? null,
    ]);
    expect(joined).toEqual([
      ["late", seen[1]!.id],
      ["early", seen[0]!.id],
      ["between", null],
      ["after-tool", withTool.id],
      ["other-model", null],
      ["other-session", null],
      ["other-usage", null],
      ["third", null],
      ["keyed", seen[2]!.id],
    ]);
    sink.close();
  });
});
