import { afterEach, describe, expect, it } from "vitest";
import { cacheableTokens } from "../prefix/openai-cache.js";
import { startEndpoint, type Endpoint } from "./endpoint.js";
import { ModelSession } from "./model-session.js";
import { buildPricing } from "../core/pricing.js";
import { PRICE_TABLE } from "../core/price-table.js";
import { labBillsWrites } from "./price-rule.js";
import { ResponsesSession } from "./responses-session.js";
import { loadScenario } from "./scenario.js";

const scenario = loadScenario("explore-edit-test").scenario;
const prompts = scenario.steps.filter((s) => "prompt" in s).map((s) => (s as { prompt: string }).prompt);

/** The shape Codex 0.169 sends: function tools, the freeform apply_patch, messages and tool outputs. */
function codexRequest(o: { description?: string; instructions?: string; extra?: Record<string, unknown>[] } = {}) {
  return {
    model: "gpt-5.5",
    stream: true,
    instructions: o.instructions ?? "You are Codex. ".repeat(400),
    tools: [
      {
        type: "function",
        name: "exec_command",
        description: o.description ?? "Runs a command in a PTY.",
        parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] },
      },
      { type: "custom", name: "apply_patch", description: "Edit files with a patch.", format: { type: "grammar" } },
    ],
    input: [
      { type: "message", id: "msg_1", role: "developer", content: [{ type: "input_text", text: "<permissions instructions>" }] },
      { type: "message", id: "msg_2", role: "user", content: [{ type: "input_text", text: prompts[4]! }] },
      ...(o.extra ?? []),
    ],
    prompt_cache_key: "thread-1",
  };
}

interface SseEvent {
  type: string;
  [k: string]: unknown;
}

async function post(endpoint: Endpoint, body: unknown): Promise<SseEvent[]> {
  const res = await fetch(`${endpoint.url}/v1/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((chunk) => chunk.includes("data: "))
    .map((chunk) => JSON.parse(chunk.slice(chunk.indexOf("data: ") + 6)) as SseEvent);
}

let endpoint: Endpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

async function start() {
  const model = new ModelSession(scenario, "/w");
  const responses = new ResponsesSession(scenario, "/w", model.clock, model.requests, () => false);
  endpoint = await startEndpoint({ responder: model, responses });
  return { endpoint, responses };
}

describe("the Responses endpoint with the scripted model", () => {
  it("streams the scenario's next action as a function call, then the usage in response.completed", async () => {
    const { endpoint } = await start();
    const events = await post(endpoint, codexRequest());
    expect(events.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.output_item.done",
      "response.completed",
    ]);
    // "Fix completeTodo" starts with a read: Codex has no read tool, so it is a shell command.
    expect(events[4]!.item).toMatchObject({
      type: "function_call",
      name: "exec_command",
      arguments: JSON.stringify({ cmd: "cat src/todos.js" }),
    });
    const usage = (events[5]!.response as { usage: Record<string, unknown> }).usage;
    expect(usage).toMatchObject({ input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } });
    expect(usage.total_tokens).toBe((usage.input_tokens as number) + (usage.output_tokens as number));
  });

  it("answers the edit with an apply_patch custom tool call, and reads the prefix the previous request cached", async () => {
    const { endpoint, responses } = await start();
    await post(endpoint, codexRequest());
    const read = [
      { type: "function_call", id: "fc", call_id: "c1", name: "exec_command", arguments: "{}" },
      { type: "function_call_output", call_id: "c1", output: "const todo = todos[id];" },
    ];
    const events = await post(endpoint, codexRequest({ extra: read }));
    expect(events.find((e) => e.type === "response.output_item.done")!.item).toMatchObject({
      type: "custom_tool_call",
      name: "apply_patch",
      input: [
        "*** Begin Patch",
        "*** Update File: src/todos.js",
        "@@",
        "-  const todo = todos[id];",
        "+  const todo = todos.find((t) => t.id === id);",
        "*** End Patch",
      ].join("\n"),
    });
    const [first, second] = responses.requests;
    const cached = (events.at(-1)!.response as { usage: { input_tokens_details: { cached_tokens: number } } }).usage.input_tokens_details;
    // Everything the first request cached (its prompt rounded down to 1,024 + 128-token steps) is read.
    expect(cached.cached_tokens).toBe(cacheableTokens(first!.promptTokens));
    expect(second!.usage!.cacheRead).toBe(cached.cached_tokens);
    expect(second!.break).toBeUndefined();
  });

  it("names the block that broke the prefix: a changed tool description, or changed instructions", async () => {
    const { endpoint, responses } = await start();
    await post(endpoint, codexRequest());
    await post(endpoint, codexRequest({ description: "Runs a command in a PTY, now differently." }));
    await post(
      endpoint,
      codexRequest({ description: "Runs a command in a PTY, now differently.", instructions: "You are Codex! ".repeat(400) }),
    );
    const [, tool, instructions] = responses.requests;
    expect(tool!.break).toMatchObject({ cause: "tool-description-changed", block: "tools[exec_command]", detail: "exec_command" });
    expect(instructions!.break).toMatchObject({ cause: "system-changed", block: "instructions" });
    // Instructions come first: nothing is left to read, and all the previous request cached is lost.
    expect(instructions!.usage!.cacheRead).toBe(0);
    expect(instructions!.break!.lostTokens).toBe(cacheableTokens(tool!.promptTokens));
    // The tools come after the instructions, so those were still read.
    expect(tool!.usage!.cacheRead).toBeGreaterThan(0);
  });

  it("rejects a request without input as the API does", async () => {
    const { endpoint } = await start();
    const res = await fetch(`${endpoint.url}/v1/responses`, { method: "POST", body: JSON.stringify({ model: "gpt-5.5" }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string; message: string } }).error).toMatchObject({ type: "invalid_request_error" });
  });
});

describe("a request shorter than what its conversation cached", () => {
  it("expects to read only its cacheable part (1,024 + whole 128-token steps): no break", () => {
    const model = new ModelSession(scenario, "/w");
    const responses = new ResponsesSession(scenario, "/w", model.clock, model.requests, () => false);
    const output = [
      { type: "function_call", id: "fc", call_id: "c1", name: "exec_command", arguments: "{}" },
      { type: "function_call_output", call_id: "c1", output: "line of output\n".repeat(600) },
    ];
    responses.reply(codexRequest({ extra: output }) as never, { n: 1, headers: {} });
    responses.reply(codexRequest() as never, { n: 2, headers: {} });
    const [first, second] = responses.requests;
    // The second prompt is a prefix of the first, shorter than what the first cached, and not on a 128-token step.
    expect(second!.promptTokens).toBeLessThan(cacheableTokens(first!.promptTokens));
    expect(cacheableTokens(second!.promptTokens)).toBeLessThan(second!.promptTokens);
    expect(second!.usage!.cacheRead).toBe(cacheableTokens(second!.promptTokens));
    expect(second!.expectedRead).toBe(cacheableTokens(second!.promptTokens));
    expect(second!.break).toBeUndefined();
  });
});

describe("whether cache writes are billed apart", () => {
  const reply = (billsWrites: ConstructorParameters<typeof ResponsesSession>[4]) => {
    const model = new ModelSession(scenario, "/w");
    const responses = new ResponsesSession(scenario, "/w", model.clock, model.requests, billsWrites);
    responses.reply(codexRequest() as never, { n: 1, headers: {} });
    return responses.requests[0]!.usage!;
  };

  it("follows the lab's pricing: --price-as a model with a write price bills the main requests' writes", () => {
    const pricing = buildPricing(PRICE_TABLE);
    expect(reply(labBillsWrites(pricing, null)).cacheWrite5m).toBe(0);
    expect(reply(labBillsWrites(pricing, "claude-sonnet-4-5")).cacheWrite5m).toBeGreaterThan(1000);
  });

  it("follows the user's price override file, at the request's (simulated) time", () => {
    const row = PRICE_TABLE.find((r) => r.model === "gpt-5.5")!;
    const pricing = buildPricing(PRICE_TABLE, [{ ...row, tiers: [], cacheWrite5m: 6.25 }]);
    expect(reply(labBillsWrites(pricing, null)).cacheWrite5m).toBeGreaterThan(1000);
  });
});
