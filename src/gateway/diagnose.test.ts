import { describe, expect, it } from "vitest";
import { AFTER, BEFORE, T0, exchange } from "../../test/gateway-exchanges.js";
import { buildPricing } from "../core/pricing.js";
import { PRICE_TABLE } from "../core/price-table.js";
import { Diagnoser, usageOf } from "./diagnose.js";

const pricing = buildPricing(PRICE_TABLE);
/** The first process's last request wrote its prompt through the last marker (the final message's marker). */
const FIRST = { input_tokens: 6, cache_read_input_tokens: 18_412, cache_creation_input_tokens: 2_106, output_tokens: 300 };

describe("the gateway's break diagnosis", () => {
  it("names a Bash description change between two Claude Code processes as a break at tools[Bash], from gateway data alone", () => {
    const d = new Diagnoser({ pricing });
    const first = d.diagnose(exchange(BEFORE, FIRST))!;
    expect(first).toMatchObject({ kind: "main", break: null, expectedRead: null });
    expect(first.session).toBe("99fe1ab8-0330-4dd4-83ea-4e9883ff5543");
    // The new process re-wrote everything: the tools come first and the Bash tool's description changed.
    const second = d.diagnose(
      exchange(AFTER, { input_tokens: 6, cache_read_input_tokens: 0, cache_creation_input_tokens: 20_930 }, { at: T0 + 60_000 }),
    )!;
    expect(second.conversation).toBe(first.conversation);
    expect(second.expectedRead).toBe(18_412 + 2_106);
    expect(second.break).toMatchObject({
      block: "tools[Bash]",
      cause: "tool-description-changed",
      detail: "Bash",
      lostTokens: 20_518,
    });
    expect(second.break!.excerpt).toContain("[-(1M context) -]");
    // The main prompt (system[2]) changed too; the lab lists the same blocks.
    expect(second.break!.changed).toEqual(["tools[Bash]", "system[2]"]);
    // Re-written at claude-opus-4-8's 5-minute write price instead of read: 20,518 × (6.25 − 0.50) per million.
    expect(second.break!.costUsd).toBeCloseTo((20_518 * (6.25 - 0.5)) / 1e6, 10);
    // The simulator, fed the same blocks, predicted the miss too: no disagreement.
    expect(second.predicted!.cacheRead).toBe(0);
    expect(second.disagreement).toBeNull();
    expect(second.blocks.find((b) => b.id === "tools[Bash]")).toMatchObject({ marker: null, description: expect.any(String) });
  });

  it("finds no break when the real read covers what was cached, and lists where the real cache beat the rules", () => {
    const d = new Diagnoser({ pricing });
    d.diagnose(exchange(BEFORE, FIRST));
    const again = d.diagnose(exchange(BEFORE, { input_tokens: 6, cache_read_input_tokens: 20_518 }, { at: T0 + 1000 }))!;
    expect(again.break).toBeNull();
    expect(again.predicted!.cacheRead).toBeGreaterThan(0);
    expect(again.disagreement).toBeNull();
    // The same prompt after the gateway's simulator was emptied (a cold start) but the API still had it.
    const cold = new Diagnoser({ pricing });
    const hit = cold.diagnose(exchange(BEFORE, { input_tokens: 6, cache_read_input_tokens: 20_518 }))!;
    expect(hit.disagreement).toBe("the rules predict no cache read; 100% was read");
  });

  it("reports a TTL expiry from the time gap, and the API's own reason with --diagnose", () => {
    const d = new Diagnoser({ pricing });
    d.diagnose(exchange(BEFORE, FIRST));
    const late = d.diagnose(
      exchange(
        BEFORE,
        { input_tokens: 6, cache_creation_input_tokens: 20_518 },
        {
          at: T0 + 6 * 60_000,
          diagnostics: { cache_miss_reason: { type: "unavailable" } },
        },
      ),
    )!;
    expect(late.break).toMatchObject({ cause: "ttl-expired", detail: "5m", lostTokens: 20_518, block: null });
    expect(late.apiReason).toBe("unavailable");
  });

  it("follows a model switch as a break of the same conversation, and ignores what is not a Messages request", () => {
    const d = new Diagnoser({ pricing });
    const first = d.diagnose(exchange(BEFORE, FIRST))!;
    const switched = d.diagnose(
      exchange({ ...BEFORE, model: "claude-sonnet-4-5" }, { input_tokens: 6, cache_creation_input_tokens: 20_518 }),
    )!;
    expect(switched).toMatchObject({
      kind: "main",
      conversation: first.conversation,
      break: { cause: "model-changed", lostTokens: 20_518 },
    });
    expect(d.diagnose(exchange(BEFORE, null, { status: 529 }))).toBeNull();
    expect(d.diagnose(exchange(BEFORE, FIRST, { path: "/v1/messages/count_tokens" }))).toBeNull();
  });

  it("names a conversation after the gateway run that opened it, so names never repeat across runs", () => {
    const d = new Diagnoser({ pricing });
    expect(d.diagnose(exchange(BEFORE, FIRST, { id: "gw_mwuu8men_1a" }))!.conversation).toBe("gw_mwuu8men-c1");
    expect(d.diagnose(exchange(AFTER, FIRST, { id: "gw_mwuv0000_2" }))!.conversation).toBe("gw_mwuu8men-c1");
  });

  it("reads the 5-minute and 1-hour parts of a cache write", () => {
    expect(
      usageOf({
        input_tokens: 1,
        cache_read_input_tokens: 2,
        cache_creation_input_tokens: 30,
        output_tokens: 4,
        cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 },
      }),
    ).toEqual({ input: 1, cacheRead: 2, cacheWrite5m: 10, cacheWrite1h: 20, output: 4 });
  });
});

describe("a long-running gateway's diagnosis", () => {
  it("follows only the last hour's conversations and keeps no dead cache entries", () => {
    const d = new Diagnoser({ pricing });
    const tools = [{ name: "Read", description: "Reads a file", input_schema: { type: "object" } }];
    // 300 sessions, one a minute for five hours, each a first prompt that gets cached.
    for (let i = 0; i < 300; i++) {
      const body = {
        model: "claude-opus-4-8",
        tools,
        system: [{ type: "text", text: `Project ${i}. ${"Rules. ".repeat(800)}`, cache_control: { type: "ephemeral" } }],
        messages: [{ role: "user", content: `task ${i}` }],
        metadata: { user_id: JSON.stringify({ session_id: `s${i}` }) },
      };
      d.diagnose(exchange(body, { input_tokens: 5, cache_creation_input_tokens: 1_500 }, { at: T0 + i * 60_000 }));
    }
    expect(d.size.conversations).toBeGreaterThan(55);
    expect(d.size.conversations).toBeLessThanOrEqual(61);
    // Only the entries of the last five minutes (their TTL) are still alive.
    expect(d.size.cacheEntries).toBeLessThanOrEqual(7);
  });
});
