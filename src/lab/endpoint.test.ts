import { afterEach, describe, expect, it } from "vitest";
import { startEndpoint, type Endpoint, type Reply } from "./endpoint.js";

const usage = {
  input_tokens: 3,
  cache_creation_input_tokens: 1200,
  cache_read_input_tokens: 800,
  output_tokens: 9,
  cache_creation: { ephemeral_5m_input_tokens: 1200, ephemeral_1h_input_tokens: 0 },
};
const toolReply: Reply = {
  kind: "message",
  content: [
    { type: "text", text: "Reading." },
    { type: "tool_use", id: "toolu_1", name: "Read", input: { file_path: "/a" } },
  ],
  usage,
};

let endpoint: Endpoint;
afterEach(async () => endpoint?.close());

async function start(reply: Reply = toolReply) {
  endpoint = await startEndpoint({ responder: { reply: () => reply } });
  return endpoint;
}

const body = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "hi" }], ...over });
const post = (path: string, payload: string, headers: Record<string, string> = {}) =>
  fetch(`${endpoint.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "sk-ant-secret", authorization: "Bearer secret", ...headers },
    body: payload,
  });

/** The events of a server-sent-event stream, in order. */
function events(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .trim()
    .split("\n\n")
    .map((chunk) => {
      const event = /^event: (.*)$/m.exec(chunk)![1]!;
      return { event, data: JSON.parse(/^data: (.*)$/m.exec(chunk)![1]!) as Record<string, unknown> };
    });
}

describe("the lab endpoint (Anthropic Messages API)", () => {
  it("answers HEAD / and GET / for health checks", async () => {
    await start();
    expect((await fetch(endpoint.url, { method: "HEAD" })).status).toBe(200);
    expect(await (await fetch(endpoint.url)).text()).toContain("quartet lab");
  });

  it("streams the message as message_start, content blocks, message_delta and message_stop", async () => {
    await start();
    const res = await post("/v1/messages?beta=true", body({ stream: true }));
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const evs = events(await res.text());
    expect(evs.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect((evs[0]!.data.message as { usage: unknown }).usage).toMatchObject({
      cache_read_input_tokens: 800,
      cache_creation: { ephemeral_5m_input_tokens: 1200 },
    });
    expect(evs[5]!.data.delta).toEqual({ type: "input_json_delta", partial_json: '{"file_path":"/a"}' });
    expect(evs[7]!.data).toMatchObject({ delta: { stop_reason: "tool_use" }, usage: { output_tokens: 9, cache_read_input_tokens: 800 } });
  });

  it("answers without streaming when not asked to stream", async () => {
    await start({ kind: "message", content: [{ type: "text", text: "hello" }], usage });
    const json = (await (await post("/v1/messages", body())).json()) as Record<string, unknown>;
    expect(json).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      stop_reason: "end_turn",
      content: [{ type: "text", text: "hello" }],
      usage,
    });
  });

  it("counts tokens", async () => {
    await start();
    const json = (await (await post("/v1/messages/count_tokens", body())).json()) as { input_tokens: number };
    expect(json.input_tokens).toBeGreaterThan(0);
  });

  it("rejects malformed requests with Anthropic-shaped errors", async () => {
    await start();
    const notJson = await post("/v1/messages", "{not json");
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "request body is not a JSON object" },
    });
    const noModel = await post("/v1/messages", JSON.stringify({ max_tokens: 5, messages: [] }));
    expect(noModel.status).toBe(400);
    expect(((await noModel.json()) as { error: { message: string } }).error.message).toMatch(/^model:/);
    expect((await post("/v1/complete", body())).status).toBe(404);
  });

  it("passes the responder's errors on, and records every request with its credentials removed", async () => {
    await start({ kind: "error", status: 529, type: "overloaded_error", message: "Overloaded" });
    const res = await post("/v1/messages", body());
    expect(res.status).toBe(529);
    expect(await res.json()).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    const recorded = endpoint.requests.at(-1)!;
    expect(recorded.headers["x-api-key"]).toBe("[redacted]");
    expect(recorded.headers.authorization).toBe("[redacted]");
    expect(JSON.stringify(endpoint.requests)).not.toContain("sk-ant-secret");
  });
});
