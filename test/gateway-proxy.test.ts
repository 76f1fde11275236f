/**
 * The gateway's pass-through proxy against real upstreams: the lab endpoint (the scripted Anthropic-compatible
 * server) for streams and JSON answers, and, where a test needs an upstream the lab cannot be (one that answers
 * 429/529/500 or broken JSON, streams slowly, or shows the raw request it got), a small node:http server named
 * a fake. Byte identity is checked against a direct request to the same upstream in the same test.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openDatabase } from "../src/core/db.js";
import type { Exchange } from "../src/gateway/exchange.js";
import { startGateway, type Gateway, type GatewayOptions } from "../src/gateway/proxy.js";
import { loadRoutes } from "../src/gateway/routes.js";
import { runningGateway } from "../src/gateway/running.js";
import { sessionOf } from "../src/prefix/tracker.js";
import { startEndpoint, type Endpoint, type Reply } from "../src/lab/endpoint.js";
import { ROOT, runCli, tempDir } from "./helpers.js";

const CLIENT_KEY = "sk-ant-api03-client-own-key-7f3a";
const ROUTE_KEY = "sk-route-provider-key-91c2";
const OAUTH = "Bearer sk-ant-oat01-subscription-token-55d1";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

interface Raw {
  status: number;
  rawHeaders: string[];
  body: Buffer;
}

/** One raw HTTP exchange: the status, the headers as sent (names and order) and the body's bytes. */
function send(url: string, o: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: o.method ?? "POST", headers: o.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(o.body);
  });
}

/** The lab endpoint's per-response values (message ids and request ids carry the time), made equal. */
function normalized(r: Raw): { status: number; rawHeaders: string[]; body: string } {
  const rawHeaders = r.rawHeaders.map((v, i) => (i % 2 === 1 && /^(date|request-id)$/i.test(r.rawHeaders[i - 1]!) ? "<varies>" : v));
  return { status: r.status, rawHeaders, body: r.body.toString("latin1").replace(/msg_lab_[0-9a-z_]+/g, "msg_lab_<id>") };
}

/** A Messages request body for the lab endpoint. */
function messages(text: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 256, messages: [{ role: "user", content: text }], ...extra });
}

/** The lab endpoint with a responder whose answer depends only on the request, so two runs of it match. */
async function labUpstream(): Promise<Endpoint> {
  const endpoint = await startEndpoint({
    responder: {
      reply: (request): Reply => {
        const said = JSON.stringify(request.messages.at(-1)?.content);
        return {
          kind: "message",
          content: [
            { type: "text", text: `Vous avez dit ${said} — ${"読みます ✓ ".repeat(40)}` },
            { type: "tool_use", id: "toolu_01", name: "Read", input: { file_path: `/src/${said.length}.ts` } },
          ],
          usage: { input_tokens: said.length, cache_creation_input_tokens: 1200, cache_read_input_tokens: 48000, output_tokens: 64 },
        };
      },
    },
  });
  closers.push(() => endpoint.close());
  return endpoint;
}

async function gatewayTo(
  upstream: string,
  more: Partial<GatewayOptions> = {},
): Promise<{ gateway: Gateway; exchanges: Exchange[]; log: string[] }> {
  const exchanges: Exchange[] = [];
  const log: string[] = [];
  const gateway = await startGateway({
    routes: more.routes ?? loadRoutes({ file: path.join(tempDir(), "no-routes.jsonc"), upstream }),
    sink: { record: (e) => exchanges.push(e) },
    log: (line) => log.push(line),
    env: {},
    ...more,
  });
  closers.push(() => gateway.close());
  return { gateway, exchanges, log };
}

interface FakeRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A fake upstream: answers with `answer`, records each raw request; `closed` counts responses whose connection closed early. */
async function fakeUpstream(answer: (req: FakeRequest, res: http.ServerResponse) => void) {
  const received: FakeRequest[] = [];
  const state = { closedEarly: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      received.push(r);
      res.on("close", () => {
        if (!res.writableFinished) state.closedEarly++;
      });
      answer(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, state };
}

describe("the gateway passes bytes through", () => {
  it("a stream, a JSON answer, count_tokens and HEAD / arrive as a direct request gets them, and the stream's usage is recorded", async () => {
    const lab = await labUpstream();
    const { gateway, exchanges } = await gatewayTo(lab.url);
    const headers = { "content-type": "application/json", "x-api-key": CLIENT_KEY, "anthropic-version": "2023-06-01" };
    for (const [p, body] of [
      ["/v1/messages?beta=true", messages("stream it", { stream: true })],
      ["/v1/messages", messages("as JSON")],
      ["/v1/messages/count_tokens", messages("count")],
    ] as const) {
      const direct = await send(lab.url + p, { headers, body });
      const through = await send(gateway.url + p, { headers, body });
      expect(direct.status).toBe(200);
      expect(normalized(through)).toEqual(normalized(direct));
    }
    expect(normalized(await send(gateway.url + "/", { method: "HEAD" }))).toEqual(
      normalized(await send(lab.url + "/", { method: "HEAD" })),
    );
    // The upstream got the path with its query, and the client's key (the lab redacts it in its record).
    expect(lab.requests.filter((r) => r.path === "/v1/messages?beta=true")).toHaveLength(2);
    expect(lab.requests.every((r) => r.method === "HEAD" || r.headers["x-api-key"] === "[redacted]")).toBe(true);

    await expect.poll(() => exchanges.length).toBe(4);
    const [stream, json, count, head] = exchanges;
    const streamed = lab.requests.find((r) => r.path === "/v1/messages?beta=true" && r.n % 2 === 0)!;
    expect(stream).toMatchObject({
      method: "POST",
      path: "/v1/messages?beta=true",
      route: "default",
      status: 200,
      model: "claude-sonnet-4-5",
      messageId: expect.stringMatching(/^msg_lab_/),
      requestId: expect.stringMatching(/^req_lab_/),
      usage: { input_tokens: '"stream it"'.length, cache_creation_input_tokens: 1200, cache_read_input_tokens: 48000, output_tokens: 64 },
      error: null,
      aborted: false,
      headers: { "anthropic-version": "2023-06-01" },
    });
    expect(streamed.body).toEqual(stream!.request);
    expect(stream!.firstByteMs).toBeGreaterThan(0);
    expect(json!.usage?.input_tokens).toBe('"as JSON"'.length);
    expect([count!.usage, head!.usage, head!.method]).toEqual([null, null, "HEAD"]);
    expect(JSON.stringify(exchanges)).not.toContain(CLIENT_KEY);
  });

  it("50 concurrent streams arrive byte-identical to 50 direct ones", async () => {
    const lab = await labUpstream();
    const { gateway, exchanges } = await gatewayTo(lab.url);
    const headers = { "content-type": "application/json", "x-api-key": CLIENT_KEY };
    const ids = Array.from({ length: 50 }, (_, i) => i);
    const [direct, through] = await Promise.all([
      Promise.all(ids.map((i) => send(`${lab.url}/v1/messages`, { headers, body: messages(`stream ${i}`, { stream: true }) }))),
      Promise.all(ids.map((i) => send(`${gateway.url}/v1/messages`, { headers, body: messages(`stream ${i}`, { stream: true }) }))),
    ]);
    for (const i of ids) expect(normalized(through[i]!)).toEqual(normalized(direct[i]!));
    await expect.poll(() => exchanges.length).toBe(50);
    expect(new Set(exchanges.map((e) => e.messageId)).size).toBe(50);
    expect(exchanges.every((e) => e.usage?.cache_read_input_tokens === 48000 && !e.aborted)).toBe(true);
  });

  it("forwards the request's own bytes and headers, minus the hop-by-hop ones, with host set to the upstream's", async () => {
    const fake = await fakeUpstream((_, res) => res.writeHead(204).end());
    const { gateway } = await gatewayTo(`${fake.url}/prefix/`);
    // Spacing and key order a re-serialization would change.
    const body = `{ "model" : "claude-haiku-4-5",\n "max_tokens":1, "messages":[{"role":"user","content":"é"}] }`;
    await send(`${gateway.url}/v1/messages?beta=true`, {
      headers: {
        "content-type": "application/json",
        "x-api-key": CLIENT_KEY,
        "anthropic-beta": "a,b",
        "keep-alive": "timeout=5",
        "x-custom": "1",
      },
      body,
    });
    const got = fake.received[0]!;
    expect(got.url).toBe("/prefix/v1/messages?beta=true");
    expect(got.body.equals(Buffer.from(body))).toBe(true);
    expect(got.headers).toMatchObject({ "x-api-key": CLIENT_KEY, "anthropic-beta": "a,b", "x-custom": "1", host: new URL(fake.url).host });
    expect(got.headers["keep-alive"]).toBeUndefined();
  });
});

describe("errors, aborts and refusals", () => {
  it("429, 529, 500 and a malformed JSON body reach the client unchanged, and are recorded as errors", async () => {
    const answers: Record<string, [number, Record<string, string>, string]> = {
      "rate-limited": [
        429,
        { "retry-after": "7", "content-type": "application/json" },
        `{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}`,
      ],
      overloaded: [
        529,
        { "content-type": "application/json" },
        `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`,
      ],
      broken: [500, { "content-type": "text/html" }, "<html><body>upstream exploded</body></html>"],
      malformed: [200, { "content-type": "application/json" }, `{"type":"message","id":"msg_x","usage":{"input_tokens":`],
    };
    // The fake sets its own date, so the direct and the proxied answers are the same bytes.
    const fake = await fakeUpstream((req, res) => {
      const [status, headers, body] = answers[(JSON.parse(req.body.toString()) as { model: string }).model]!;
      res.writeHead(status, { ...headers, date: "Mon, 30 Nov 2026 12:00:00 GMT", "request-id": `req_${status}` }).end(body);
    });
    const { gateway, exchanges } = await gatewayTo(fake.url);
    for (const model of Object.keys(answers)) {
      const body = JSON.stringify({ model, max_tokens: 1, messages: [] });
      const direct = await send(`${fake.url}/v1/messages`, { headers: { "content-type": "application/json" }, body });
      const through = await send(`${gateway.url}/v1/messages`, { headers: { "content-type": "application/json" }, body });
      expect(through).toEqual(direct);
      expect(through.status).toBe(answers[model]![0]);
    }
    await expect.poll(() => exchanges.length).toBe(4);
    expect(exchanges.map((e) => [e.status, e.error?.type ?? null, e.requestId])).toEqual([
      [429, "rate_limit_error", "req_429"],
      [529, "overloaded_error", "req_529"],
      [500, "api_error", "req_500"],
      [200, null, "req_200"],
    ]);
    expect(exchanges[3]!.usage).toBeNull();
  });

  it("a client that leaves mid-stream aborts the upstream request", async () => {
    // A fake upstream that starts a stream and then waits: only the gateway closing it ends the response.
    const fake = await fakeUpstream((_, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(
        `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_slow","model":"claude-opus-4-8","usage":{"input_tokens":3,"cache_creation_input_tokens":0,"cache_read_input_tokens":9000,"output_tokens":1}}}\n\n`,
      );
    });
    const { gateway, exchanges } = await gatewayTo(fake.url);
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${gateway.url}/v1/messages`, { method: "POST" }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" ? undefined : reject(e)));
      req.end(messages("slow", { stream: true }));
    });
    await expect.poll(() => fake.state.closedEarly).toBe(1);
    await expect.poll(() => exchanges.length).toBe(1);
    expect(exchanges[0]).toMatchObject({ aborted: true, status: 200, messageId: "msg_slow", usage: { cache_read_input_tokens: 9000 } });
  });

  it("an unreachable upstream is a 502 Anthropic-shaped error; web pages are refused; a gate's refusal is answered with its status; a failing sink breaks nothing", async () => {
    const closed = await fakeUpstream(() => undefined);
    const gone = closed.url;
    await closers.pop()!();
    const unreachable = await gatewayTo(gone);
    const r = await send(`${unreachable.gateway.url}/v1/messages`, { body: messages("hi") });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body.toString())).toEqual({
      type: "error",
      error: { type: "api_error", message: `quartet gateway: cannot reach ${new URL(gone).host}: ECONNREFUSED` },
    });

    const lab = await labUpstream();
    // A web page cannot use the gateway (and its routes' keys): by its Origin, or through a rebound domain name.
    const open = await gatewayTo(lab.url);
    const fromPage = await send(`${open.gateway.url}/v1/messages`, { headers: { origin: "https://evil.example" }, body: messages("hi") });
    const rebound = await send(`${open.gateway.url}/v1/messages`, {
      headers: { host: `evil.example:${open.gateway.port}` },
      body: messages("hi"),
    });
    expect([fromPage.status, rebound.status]).toEqual([403, 403]);
    expect(JSON.parse(rebound.body.toString()).error.message).toContain(`not as "evil.example:${open.gateway.port}"`);
    const gated = await gatewayTo(lab.url, {
      gate: {
        check: (req) =>
          req.session === "over-budget"
            ? { status: 429, type: "rate_limit_error", message: "quartet budget: daily limit $5.00 reached" }
            : null,
      },
      sink: {
        record: () => {
          throw new Error("disk full");
        },
      },
    });
    const refused = await send(`${gated.gateway.url}/v1/messages`, {
      headers: { "x-claude-code-session-id": "over-budget" },
      body: messages("hi"),
    });
    expect([refused.status, JSON.parse(refused.body.toString())]).toEqual([
      429,
      { type: "error", error: { type: "rate_limit_error", message: "quartet budget: daily limit $5.00 reached" } },
    ]);
    expect(lab.requests).toHaveLength(0);
    const allowed = await send(`${gated.gateway.url}/v1/messages`, {
      headers: { "x-claude-code-session-id": "fine" },
      body: messages("hi"),
    });
    expect(allowed.status).toBe(200);
    await expect.poll(() => gated.log.length).toBe(2);
    expect(gated.log[0]).toMatch(/^could not record exchange gw_[0-9a-z]+_1: disk full$/);
  });
});

describe("exchange ids", () => {
  it("two gateways started in the same millisecond give their exchanges different ids", async () => {
    const lab = await labUpstream();
    vi.useFakeTimers({ toFake: ["Date"], now: Date.UTC(2026, 10, 30, 12) });
    const [a, b] = await Promise.all([gatewayTo(lab.url), gatewayTo(lab.url)]).finally(() => vi.useRealTimers());
    for (const g of [a, b]) await send(`${g.gateway.url}/v1/messages`, { body: messages("id") });
    await expect.poll(() => a.exchanges.length + b.exchanges.length).toBe(2);
    expect(a.exchanges[0]!.id).toMatch(/^gw_[0-9a-z]+_1$/);
    expect(a.exchanges[0]!.id).not.toBe(b.exchanges[0]!.id);
  });
});

describe("what is refused before the body is read", () => {
  it("a body over 32 MB is answered 413, declared or streamed, and never forwarded; a web page is refused on its headers", async () => {
    const upstream = await fakeUpstream((_, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    const { gateway, exchanges } = await gatewayTo(upstream.url);
    const big = Buffer.alloc(32 * 1024 * 1024 + 1, 0x20);
    const declared = await send(`${gateway.url}/v1/messages`, { body: big });
    expect([declared.status, JSON.parse(declared.body.toString()).error.type]).toEqual([413, "request_too_large"]);
    // Streamed in chunks with no length announced: counted as it arrives.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${gateway.url}/v1/messages`, { method: "POST" }, (res) => (res.resume(), resolve(res.statusCode!)));
      req.on("error", reject);
      for (let i = 0; i < 33; i++) req.write(big.subarray(0, 1024 * 1024));
      req.end();
    });
    expect(streamed).toBe(413);
    // A web page's request is refused however large its body, before the body is read.
    const fromPage = await send(`${gateway.url}/v1/messages`, { headers: { origin: "https://evil.example" }, body: big });
    expect(fromPage.status).toBe(403);
    expect((await send(`${gateway.url}/v1/messages`, { body: messages("small") })).status).toBe(200);
    expect(upstream.received).toHaveLength(1);
    await expect.poll(() => exchanges.length).toBe(1);
  });
});

describe("sessions", () => {
  it("the gate is asked about the session the budgets and the store file the request under", async () => {
    const lab = await labUpstream();
    const asked: (string | null)[] = [];
    const { gateway, exchanges } = await gatewayTo(lab.url, { gate: { check: (r) => (asked.push(r.session), null) } });
    // OpenCode's session header, and another session in metadata.user_id: the header wins everywhere.
    const metadata = { user_id: JSON.stringify({ session_id: "from-metadata" }) };
    await send(`${gateway.url}/v1/messages`, { headers: { "x-session-id": "ses_header" }, body: messages("hi", { metadata }) });
    await send(`${gateway.url}/v1/messages`, { body: messages("hi", { metadata }) });
    await expect.poll(() => exchanges.length).toBe(2);
    expect(asked).toEqual(["ses_header", "from-metadata"]);
    expect(exchanges.map((e) => sessionOf(e.headers, e.request))).toEqual(asked);
  });
});

describe("routes and credentials", () => {
  async function routed() {
    const anthropic = await fakeUpstream((_, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    const provider = await fakeUpstream((_, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    const file = path.join(tempDir(), "gateway-routes.jsonc");
    fs.writeFileSync(
      file,
      JSON.stringify({
        default: { baseUrl: anthropic.url },
        routes: [
          { name: "provider", models: ["deepseek-*"], baseUrl: `${provider.url}/anthropic`, keyEnv: "PROVIDER_KEY", auth: "bearer" },
          { name: "keyless", models: ["local-*"], baseUrl: provider.url },
        ],
      }),
    );
    const { gateway, exchanges } = await gatewayTo(anthropic.url, { routes: loadRoutes({ file }), env: { PROVIDER_KEY: ROUTE_KEY } });
    const call = (model: string, headers: Record<string, string | string[]>) =>
      send(`${gateway.url}/v1/messages`, { headers, body: JSON.stringify({ model, max_tokens: 1, messages: [] }) });
    return { anthropic, provider, exchanges, call };
  }

  it("a provider's route gets the route's key and never the client's; the default gets the client's own", async () => {
    const { anthropic, provider, exchanges, call } = await routed();
    await call("deepseek-chat", { "x-api-key": CLIENT_KEY, authorization: OAUTH });
    await call("claude-opus-4-8", { "x-api-key": CLIENT_KEY });
    expect(provider.received[0]!.url).toBe("/anthropic/v1/messages");
    expect(provider.received[0]!.headers).toMatchObject({ authorization: `Bearer ${ROUTE_KEY}` });
    expect(provider.received[0]!.headers["x-api-key"]).toBeUndefined();
    expect(anthropic.received[0]!.headers["x-api-key"]).toBe(CLIENT_KEY);
    await expect.poll(() => exchanges.map((e) => e.route)).toEqual(["provider", "default"]);
    const recorded = JSON.stringify(exchanges);
    for (const secret of [CLIENT_KEY, ROUTE_KEY, OAUTH]) expect(recorded).not.toContain(secret);
  });

  it("a subscription token is refused for a route to another provider, and never sent", async () => {
    const { provider, exchanges, call } = await routed();
    const r = await call("local-llama", { authorization: OAUTH });
    expect(r.status).toBe(401);
    const error = (JSON.parse(r.body.toString()) as { error: { type: string; message: string } }).error;
    expect(error.type).toBe("authentication_error");
    expect(error.message).toMatch(/a Claude subscription \(OAuth\) token.*never relays an Anthropic credential/);
    expect(provider.received).toHaveLength(0);
    await expect.poll(() => exchanges[0]?.status).toBe(401);
  });

  it("a default upstream moved off Anthropic (--upstream) refuses the client's Anthropic credentials before connecting", async () => {
    // Port 9 of a documentation address: were the request forwarded, it would fail with a 502, not a 401.
    const { gateway, exchanges } = await gatewayTo("https://192.0.2.1:9/anthropic");
    for (const headers of [{ authorization: OAUTH }, { "x-api-key": CLIENT_KEY }] as Record<string, string>[]) {
      const r = await send(`${gateway.url}/v1/messages`, { headers, body: messages("hi") });
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body.toString()).error.message).toContain("the default upstream goes to 192.0.2.1:9, not Anthropic");
    }
    await expect.poll(() => exchanges.map((e) => e.status)).toEqual([401, 401]);
  });

  it("a provider's redirect is answered with a 502 saying why, never passed on to the client; the default's passes", async () => {
    const elsewhere = "https://elsewhere.example/v1/messages";
    const redirecting = await fakeUpstream((_, res) => res.writeHead(307, { location: `${elsewhere}?token=abc` }).end());
    const file = path.join(tempDir(), "gateway-routes.jsonc");
    const route = { name: "provider", models: ["deepseek-*"], baseUrl: redirecting.url, keyEnv: "PROVIDER_KEY" };
    fs.writeFileSync(file, JSON.stringify({ default: { baseUrl: redirecting.url }, routes: [route] }));
    const { gateway, exchanges } = await gatewayTo(redirecting.url, { routes: loadRoutes({ file }), env: { PROVIDER_KEY: ROUTE_KEY } });
    const body = (model: string) => JSON.stringify({ model, max_tokens: 1, messages: [] });
    const r = await send(`${gateway.url}/v1/messages`, { headers: { "x-api-key": CLIENT_KEY }, body: body("deepseek-chat") });
    expect(r.status).toBe(502);
    const message = (JSON.parse(r.body.toString()) as { error: { message: string } }).error.message;
    expect(message).toContain(`answered 307, a redirect to ${elsewhere}, which the gateway does not pass on`);
    expect(message).not.toContain("token=abc");
    expect(r.rawHeaders.map((h) => h.toLowerCase())).not.toContain("location");
    await expect.poll(() => exchanges.map((e) => e.status)).toEqual([502]);
    const direct = await send(`${gateway.url}/v1/messages`, { headers: { "x-api-key": CLIENT_KEY }, body: body("claude-opus-4-8") });
    expect(direct.status).toBe(307);
  });

  it("an Anthropic credential hidden in a repeated header is found, and a keyed route drops every copy", async () => {
    const { provider, call } = await routed();
    // Each array is sent as repeated header lines, which the gateway receives joined with ", ".
    for (const headers of [
      { "x-api-key": ["x", CLIENT_KEY] } as Record<string, string | string[]>,
      { authorization: ["Bearer ", OAUTH] },
      { authorization: `Bearer , ${OAUTH.slice(7)}` },
    ]) {
      const r = await call("local-llama", headers);
      expect(r.status).toBe(401);
      expect(r.body.toString()).toContain("never relays an Anthropic credential");
    }
    expect(provider.received).toHaveLength(0);
    expect((await call("deepseek-chat", { "x-api-key": ["x", CLIENT_KEY], authorization: ["Bearer a", OAUTH] })).status).toBe(200);
    expect(provider.received[0]!.headers.authorization).toBe(`Bearer ${ROUTE_KEY}`);
    expect(provider.received[0]!.headers["x-api-key"]).toBeUndefined();
  });
});

describe("--diagnose", () => {
  it("asks for the API's cache diagnosis with the session's previous message id", async () => {
    const lab = await labUpstream();
    const { gateway, exchanges } = await gatewayTo(lab.url, { diagnose: true });
    const headers = { "anthropic-beta": "prompt-caching-scope-2026-01-05", "x-claude-code-session-id": "s1" };
    await send(`${gateway.url}/v1/messages`, { headers, body: messages("one", { stream: true }) });
    await expect.poll(() => exchanges.length).toBe(1);
    await send(`${gateway.url}/v1/messages`, { headers, body: messages("two", { stream: true }) });
    await send(`${gateway.url}/v1/messages`, { headers: { "x-claude-code-session-id": "s2" }, body: messages("other") });
    expect(lab.requests.map((r) => (r.body as { diagnostics?: unknown }).diagnostics)).toEqual([
      { previous_message_id: null },
      { previous_message_id: exchanges[0]!.messageId },
      { previous_message_id: null },
    ]);
    expect(lab.requests.map((r) => r.headers["anthropic-beta"])).toEqual([
      "prompt-caching-scope-2026-01-05,cache-diagnosis-2026-04-07",
      "prompt-caching-scope-2026-01-05,cache-diagnosis-2026-04-07",
      "cache-diagnosis-2026-04-07",
    ]);
  });

  it("a side call on another model, or without tools, is never the next main request's previous", async () => {
    const lab = await labUpstream();
    const { gateway, exchanges } = await gatewayTo(lab.url, { diagnose: true });
    const headers = { "x-claude-code-session-id": "s1" };
    const tools = [{ name: "Read", description: "read a file", input_schema: { type: "object" } }];
    const call = async (body: string) => {
      const before = exchanges.length;
      await send(`${gateway.url}/v1/messages`, { headers, body });
      await expect.poll(() => exchanges.length).toBe(before + 1);
      return exchanges.at(-1)!.messageId;
    };
    const main1 = await call(messages("main one", { tools }));
    await call(messages("a title", { model: "claude-haiku-4-5" }));
    await call(messages("a tool-less summary"));
    await call(messages("main two", { tools }));
    expect(
      lab.requests.map((r) => (r.body as { diagnostics?: { previous_message_id: unknown } }).diagnostics?.previous_message_id),
    ).toEqual([null, null, null, main1]);
  });
});

describe("quartet gateway (the command)", () => {
  it("listens, passes a request through, announces itself (gateway env), leaves no key anywhere, and withdraws on SIGTERM", async () => {
    const lab = await labUpstream();
    const provider = await fakeUpstream((_, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    const dataDir = tempDir("quartet-data-");
    fs.writeFileSync(
      path.join(dataDir, "gateway-routes.jsonc"),
      `// a provider route, its key in the environment\n{ "routes": [ { "name": "p", "models": ["deepseek-*"], "baseUrl": "${provider.url}", "keyEnv": "PROVIDER_KEY" } ] }\n`,
    );
    const child = spawn(process.execPath, [path.join(ROOT, "bin", "quartet.js"), "gateway", "--port", "0", "--upstream", lab.url], {
      env: { PATH: process.env.PATH, HOME: tempDir(), QUARTET_HOME: dataDir, NO_COLOR: "1", PROVIDER_KEY: ROUTE_KEY },
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (c) => {
        stdout += c;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.on("exit", () => reject(new Error(`gateway exited: ${stderr}`)));
    });
    expect(stdout).toMatch(/Routes: p → http:\/\/127\.0\.0\.1:\d+ \(\$PROVIDER_KEY\); everything else → http:\/\/127\.0\.0\.1/);
    expect(stdout).toContain(`Claude Code: eval "$(quartet gateway env claude)"`);
    expect(runningGateway(dataDir)).toMatchObject({ pid: child.pid, url });
    const env = await runCli(["gateway", "env", "claude"], { dataDir });
    expect([env.code, env.stdout]).toEqual([0, `export ANTHROPIC_BASE_URL='${url}'\n`]);

    const r = await send(`${url}/v1/messages`, {
      headers: { "x-api-key": CLIENT_KEY },
      body: messages("through the command", { stream: true, metadata: { user_id: JSON.stringify({ session_id: "sess-1" }) } }),
    });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toContain("through the command");
    const p = await send(`${url}/v1/messages`, {
      headers: { authorization: OAUTH },
      body: JSON.stringify({ model: "deepseek-v3", max_tokens: 1, messages: [] }),
    });
    expect(p.status).toBe(200);
    expect(provider.received[0]!.headers["x-api-key"]).toBe(ROUTE_KEY);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // Both requests were stored by the recorder's thread, which read the request bodies: the session from the
    // first's metadata, the model from the second's body (its answer named none).
    const db = openDatabase(path.join(dataDir, "quartet.db"));
    const rows = db.prepare("SELECT route, message_id, model, session FROM gateway_request ORDER BY at").all();
    db.close();
    expect(rows).toEqual([
      { route: "default", message_id: expect.stringMatching(/^msg_lab_/), model: "claude-sonnet-4-5", session: "sess-1" },
      { route: "p", message_id: null, model: "deepseek-v3", session: null },
    ]);
    expect(fs.existsSync(path.join(dataDir, "gateway.json"))).toBe(false);
    // What the recorder stored is what `gateway breaks` reads.
    const report = await runCli(["gateway", "breaks", "--json"], { dataDir });
    expect(report.code).toBe(0);
    // The lab's answer reads 48,000 tokens from a cache the documented rules say is empty: a disagreement, no break.
    expect(JSON.parse(report.stdout)).toMatchObject({
      breaks: [],
      disagreements: [
        { session: "sess-1", model: "claude-sonnet-4-5", disagreement: expect.stringContaining("the rules predict no cache read") },
      ],
    });
    const none = await runCli(["gateway", "env", "opencode"], { dataDir });
    expect([none.code, none.stderr]).toEqual([
      1,
      expect.stringContaining("no gateway is running for this data folder: start one with `quartet gateway`"),
    ]);
    const written = fs
      .readdirSync(dataDir, { recursive: true })
      .map((f) => path.join(dataDir, String(f)))
      .filter((f) => fs.statSync(f).isFile())
      .map((f) => fs.readFileSync(f, "latin1"));
    for (const secret of [CLIENT_KEY, ROUTE_KEY, OAUTH.slice(7)]) {
      for (const text of [...written, stdout, stderr]) expect(text).not.toContain(secret);
    }
  });
});
