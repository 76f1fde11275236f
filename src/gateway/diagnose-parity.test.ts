/**
 * The gateway and the lab share one engine: the lab's ModelSession (the scripted upstream with its simulated
 * cache) and the gateway's Diagnoser, fed the same requests with the usage the lab answered, find the same
 * conversations and the same breaks (block, cause, tokens).
 */
import { describe, expect, it } from "vitest";
import { AFTER, BEFORE, T0, exchange } from "../../test/gateway-exchanges.js";
import { buildPricing } from "../core/pricing.js";
import { PRICE_TABLE } from "../core/price-table.js";
import type { MessagesRequest } from "../lab/endpoint.js";
import { ModelSession } from "../lab/model-session.js";
import { loadScenario } from "../lab/scenario.js";
import { Diagnoser } from "./diagnose.js";

describe("the gateway's diagnosis and the lab's report", () => {
  it("agree request by request on a Bash description change, a model switch and a side request", () => {
    let now = T0;
    const clock = { now: () => now, advance: (ms: number) => (now += ms) };
    const lab = new ModelSession(loadScenario("explore-edit-test").scenario, "/w", clock);
    const gateway = new Diagnoser({ pricing: buildPricing(PRICE_TABLE) });
    const side = {
      model: "claude-haiku-4-5",
      tools: BEFORE.tools,
      system: "You find files.",
      messages: [{ role: "user", content: "find x" }],
      metadata: BEFORE.metadata,
    };
    const bodies = [BEFORE, AFTER, { ...AFTER, model: "claude-sonnet-4-5" }, side, AFTER];
    const seen = bodies.map((body) => {
      clock.advance(30_000);
      const reply = lab.reply(body as unknown as MessagesRequest, { n: 0, headers: {} });
      if (reply.kind !== "message") throw new Error(`the lab refused request ${JSON.stringify(reply)}`);
      return gateway.diagnose(exchange(body, reply.usage, { at: now, model: body.model }))!;
    });
    const labView = lab.requests.map((r) => ({
      kind: r.kind,
      conversation: r.conversation,
      break: r.break
        ? { block: r.break.block ?? null, cause: r.break.cause, changed: r.break.changed ?? [], lostTokens: r.break.lostTokens }
        : null,
    }));
    const gatewayView = seen.map((d) => ({
      kind: d.kind,
      conversation: d.conversation && Number(/-c(\d+)$/.exec(d.conversation)![1]),
      break: d.break && { block: d.break.block, cause: d.break.cause, changed: d.break.changed, lostTokens: d.break.lostTokens },
    }));
    expect(gatewayView).toEqual(labView);
    expect(labView.map((r) => r.break?.cause ?? null)).toEqual([null, "tool-description-changed", "model-changed", null, null]);
    expect(labView[3]).toMatchObject({ kind: "auxiliary", conversation: null });
    // Back on the first model, whose cache still holds the prompt: no break.
    expect(labView[4]).toMatchObject({ kind: "main", conversation: 1 });
  });

  it("agree on a prompt below the model's minimum cacheable length", () => {
    const lab = new ModelSession(loadScenario("explore-edit-test").scenario, "/w");
    const gateway = new Diagnoser({ pricing: buildPricing(PRICE_TABLE) });
    const tools = [{ name: "Read", description: "Reads a file", input_schema: { type: "object" } }];
    const marked = (text: string) => ({ role: "user", content: [{ type: "text", text, cache_control: { type: "ephemeral" } }] });
    const turns = [
      [marked("first")],
      [{ role: "user", content: "first" }, { role: "assistant", content: "ok" }, marked("next")],
      [
        { role: "user", content: "first" },
        { role: "assistant", content: "ok" },
        { role: "user", content: "next" },
        { role: "assistant", content: "ok" },
        marked("last"),
      ],
    ];
    const session = { user_id: JSON.stringify({ session_id: "small" }) };
    const bodies = turns.map((messages) => ({ model: "claude-opus-4-8", max_tokens: 100, tools, metadata: session, messages }));
    const verdicts = bodies.map((body) => {
      const reply = lab.reply(body as unknown as MessagesRequest, { n: 0, headers: {} });
      if (reply.kind !== "message") throw new Error("the lab refused a request");
      const d = gateway.diagnose(exchange(body, reply.usage))!;
      return [d.break?.cause ?? null, d.break?.lostTokens ?? null];
    });
    expect(verdicts).toEqual(lab.requests.map((r) => [r.break?.cause ?? null, r.break?.lostTokens ?? null]));
    // Nothing was cached, so the gateway expects the marked prefix in real tokens, scaled from the estimate.
    expect(verdicts).toEqual([
      [null, null],
      ["below-minimum", 35],
      ["below-minimum", 60],
    ]);
  });
});
