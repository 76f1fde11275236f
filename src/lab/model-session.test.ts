import { describe, expect, it } from "vitest";
import type { MessagesRequest } from "./endpoint.js";
import { ModelSession, simulatedClock } from "./model-session.js";
import { loadScenario } from "./scenario.js";

const scenario = loadScenario("explore-edit-test").scenario;
const prompt = (scenario.steps.find((s) => "prompt" in s) as { prompt: string }).prompt;
const MARK = { type: "ephemeral" } as const;
const tools = [
  { name: "Grep", description: "Searches files", input_schema: { type: "object", properties: { pattern: { type: "string" } } } },
  { name: "Read", description: "Reads a file", input_schema: { type: "object", properties: { file_path: { type: "string" } } } },
];
const headers = { "x-claude-code-session-id": "3f1c2a9e-session" };

/** A Claude Code-like request: its system prompt names the model, the last message carries the marker. */
function request(model: string, messages: MessagesRequest["messages"]): MessagesRequest {
  const last = messages[messages.length - 1]!;
  const content = typeof last.content === "string" ? [{ type: "text", text: last.content }] : last.content;
  return {
    model,
    max_tokens: 1000,
    tools,
    system: [
      { type: "text", text: `You are powered by the model ${model}. ${"Follow the house rules. ".repeat(400)}`, cache_control: MARK },
    ],
    messages: [...messages.slice(0, -1), { ...last, content: content.map((c) => ({ ...c, cache_control: MARK })) }],
  } as unknown as MessagesRequest;
}

describe("a lab session", () => {
  it("reports a model switch mid-conversation as a main request with a model-changed break (it was filed as auxiliary)", () => {
    const session = new ModelSession(scenario, "/w", simulatedClock());
    const ask: MessagesRequest["messages"] = [{ role: "user", content: [{ type: "text", text: prompt }] }];
    const first = session.reply(request("claude-sonnet-4-5", ask), { n: 1, headers });
    if (first.kind !== "message") throw new Error("the first request failed");
    const next = [...ask, { role: "assistant", content: first.content }, { role: "user", content: [{ type: "text", text: "go on" }] }];
    const switched = session.reply(request("claude-opus-4-1", next as MessagesRequest["messages"]), { n: 2, headers });
    expect(switched.kind).toBe("message");
    const [, second] = session.requests;
    expect(second).toMatchObject({ kind: "main", conversation: 1, model: "claude-opus-4-1" });
    // The new model's cache is empty: everything the first request cached is written again, and counted.
    expect(second!.usage!.cacheRead).toBe(0);
    expect(second!.expectedRead).toBeGreaterThan(1024);
    expect(second!.break).toMatchObject({ cause: "model-changed", lostTokens: second!.expectedRead });
    expect(second!.usage!.cacheWrite5m).toBeGreaterThanOrEqual(second!.expectedRead!);
  });

  it("still answers a small model's side request that carries no conversation as auxiliary", () => {
    const session = new ModelSession(scenario, "/w", simulatedClock());
    session.reply(request("claude-sonnet-4-5", [{ role: "user", content: prompt }]), { n: 1, headers });
    session.reply(request("claude-haiku-4-5", [{ role: "user", content: "find completeTodo" }]), { n: 2, headers });
    expect(session.requests.map((r) => [r.kind, r.conversation])).toEqual([
      ["main", 1],
      ["auxiliary", null],
    ]);
  });
});
