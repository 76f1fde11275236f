/**
 * The endpoint's clock control (`lab serve --clock-control`): a real HTTP client moves the ModelSession's
 * simulated clock past the 5-minute TTL and the next request reads nothing from cache, recorded as a
 * `ttl-expired` break; only a loopback client may move it, and without a clock the path says how to get one.
 */
import os from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { CLOCK_PATH, isLoopback, startEndpoint, type Endpoint } from "./endpoint.js";
import { ModelSession } from "./model-session.js";
import { loadScenario } from "./scenario.js";

const scenario = loadScenario("explore-edit-test").scenario;
const prompt = (scenario.steps.find((s) => "prompt" in s) as { prompt: string }).prompt;

let endpoint: Endpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

/** A Claude Code-shaped request: a cached system prompt (above Sonnet 4.5's 1,024-token minimum), a tool, the prompt. */
function request(extra: { role: string; content: string }[] = []) {
  return {
    model: "claude-sonnet-4-5",
    max_tokens: 100,
    system: [{ type: "text", text: "You are a careful coding agent. ".repeat(300), cache_control: { type: "ephemeral" } }],
    tools: [{ name: "Read", input_schema: { type: "object", properties: { file_path: { type: "string" } } } }],
    messages: [{ role: "user", content: prompt }, ...extra],
  };
}

async function ask(url: string, body: unknown): Promise<{ cache_read_input_tokens: number; cache_creation_input_tokens: number }> {
  const res = await fetch(`${url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { usage: { cache_read_input_tokens: number; cache_creation_input_tokens: number } }).usage;
}

const clock = (url: string, body: unknown) =>
  fetch(`${url}${CLOCK_PATH}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("the clock control", () => {
  it("moves the simulated time: after 6 minutes the same prefix is no longer read, and the break is a TTL expiry", async () => {
    const model = new ModelSession(scenario, "/w");
    endpoint = await startEndpoint({ responder: model, clock: model.clock });
    const first = await ask(endpoint.url, request());
    expect(first.cache_creation_input_tokens).toBeGreaterThan(1024);
    // Within the TTL the next request reads what the first one wrote.
    const second = await ask(
      endpoint.url,
      request([
        { role: "assistant", content: "Looking." },
        { role: "user", content: "Go on." },
      ]),
    );
    expect(second.cache_read_input_tokens).toBe(first.cache_creation_input_tokens);

    const before = model.clock.now();
    const moved = await clock(endpoint.url, { advance: "6m" });
    expect(moved.status).toBe(200);
    const now = Date.parse(((await moved.json()) as { now: string }).now);
    expect(now - before).toBeGreaterThanOrEqual(360_000);
    expect(now - before).toBeLessThan(370_000);

    const third = await ask(
      endpoint.url,
      request([
        { role: "assistant", content: "Looking." },
        { role: "user", content: "And now?" },
      ]),
    );
    expect(third.cache_read_input_tokens).toBe(0);
    const record = model.requests.at(-1)!;
    expect(record.break).toMatchObject({ cause: "ttl-expired", lostTokens: first.cache_creation_input_tokens });
    expect(record.at - model.requests[1]!.at).toBeGreaterThanOrEqual(360_000);
  });

  it("refuses a duration it cannot read, and a client on another interface even when the endpoint listens on all", async () => {
    const model = new ModelSession(scenario, "/w");
    endpoint = await startEndpoint({ responder: model, clock: model.clock, host: "0.0.0.0" });
    const start = model.clock.now();
    const bad = await clock(endpoint.url, { advance: "six minutes" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "advance: a duration such as 30s, 6m or 1h" },
    });
    // This machine's own non-loopback address: the request leaves through that interface, not through lo.
    const address = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
    expect(address, "the test needs a non-loopback IPv4 interface").toBeDefined();
    const remote = await clock(`http://${address}:${endpoint.port}`, { advance: "6m" });
    expect(remote.status).toBe(403);
    expect(((await remote.json()) as { error: { message: string } }).error.message).toBe(
      `the clock control answers only loopback clients (this request came from ${address})`,
    );
    expect(model.clock.now() - start).toBeLessThan(60_000);
  });

  it("is off without a clock, and says how to turn it on", async () => {
    endpoint = await startEndpoint({ responder: new ModelSession(scenario, "/w") });
    const off = await clock(endpoint.url, { advance: "6m" });
    expect(off.status).toBe(404);
    expect(((await off.json()) as { error: { message: string } }).error.message).toMatch(/start quartet lab serve with --clock-control/);
  });

  it("knows the loopback addresses in every form Node reports them", () => {
    expect(["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"].map(isLoopback)).toEqual([true, true, true, true]);
    expect(["192.0.2.2", "::ffff:10.0.0.1", "fe80::1", "1270.0.0.1", "", undefined].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
