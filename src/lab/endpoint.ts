/**
 * A local endpoint that speaks the Anthropic Messages API: `POST /v1/messages` (SSE streaming and plain
 * JSON), `POST /v1/messages/count_tokens`, and `HEAD /` / `GET /`, on 127.0.0.1; and, given a Responses
 * responder, the OpenAI Responses API on `POST /v1/responses` (responses-wire.ts), for Codex.
 *
 * What it answers is decided by a Responder (the lab's scripted model, or a test's script); the endpoint
 * does the wire format: request validation with Anthropic-shaped 400 errors, the SSE event sequence
 * (message_start with usage, content blocks, message_delta with the final usage, message_stop), and a
 * record of every request with its credentials redacted. It is the test double every end-to-end test uses
 * to drive the real runtimes offline.
 *
 * Given a clock (`lab serve --clock-control`), `POST /_quartet/clock {"advance":"6m"}` moves the simulated
 * time forward, so a client can test a TTL expiry without waiting; only a loopback client may move it, even
 * when the endpoint listens on every interface.
 */
import http from "node:http";
import { z } from "zod";
import { listenOn } from "../core/listen.js";
import { estimateJsonTokens } from "../core/tokens.js";
import type { Clock } from "./model-session.js";
import { Duration, durationMs } from "./scenario.js";
import { openaiError, parseResponsesRequest, writeResponse, type ResponsesReply, type ResponsesResponder } from "./responses-wire.js";

/** The parts of a Messages request the lab reads; everything else is kept as sent. */
export const MessagesRequest = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z.array(
    z.looseObject({
      role: z.enum(["user", "assistant", "system"]),
      content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]),
    }),
  ),
  system: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
  tools: z.array(z.looseObject({ name: z.string() })).optional(),
  stream: z.boolean().optional(),
  metadata: z.looseObject({ user_id: z.string().optional() }).optional(),
});
export type MessagesRequest = z.infer<typeof MessagesRequest>;

export type ContentBlock = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export interface Usage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

export type Reply =
  | { kind: "message"; content: ContentBlock[]; usage: Usage; model?: string }
  | { kind: "error"; status: number; type: string; message: string };

export interface RecordedRequest {
  /** 1-based order of arrival. */
  n: number;
  at: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  reply?: Reply | ResponsesReply;
}

export interface Responder {
  reply(request: MessagesRequest, context: { n: number; headers: Record<string, string> }): Reply | Promise<Reply>;
}

/** The simulated time a client may move: the ModelSession's clock. */
export type ClockControl = Clock;

/** The path of the clock control; `_quartet` keeps it apart from every API path. */
export const CLOCK_PATH = "/_quartet/clock";

const ClockRequest = z.object({ advance: Duration }).strict();

/** True for an address of this machine's loopback interface (127.0.0.0/8, ::1, and IPv4 in IPv6 form). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return address === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

export interface Endpoint {
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const SECRET_HEADERS = new Set(["x-api-key", "authorization", "proxy-authorization", "cookie"]);

function redact(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k] = SECRET_HEADERS.has(k) ? "[redacted]" : Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function anthropicError(res: http.ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json", "request-id": `req_lab_error` });
  res.end(JSON.stringify({ type: "error", error: { type, message } }));
}

let messageCounter = 0;

function messageId(): string {
  messageCounter++;
  return `msg_lab_${Date.now().toString(36)}_${messageCounter.toString(36)}`;
}

function stopReason(content: ContentBlock[]): "tool_use" | "end_turn" {
  return content.some((c) => c.type === "tool_use") ? "tool_use" : "end_turn";
}

function writeStream(res: http.ServerResponse, model: string, reply: Extract<Reply, { kind: "message" }>, requestId: string): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": requestId });
  const send = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const id = messageId();
  send("message_start", {
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...reply.usage, output_tokens: 1 },
    },
  });
  reply.content.forEach((block, index) => {
    if (block.type === "text") {
      send("content_block_start", { index, content_block: { type: "text", text: "" } });
      send("content_block_delta", { index, delta: { type: "text_delta", text: block.text } });
    } else {
      send("content_block_start", { index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } });
      send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } });
    }
    send("content_block_stop", { index });
  });
  const { cache_creation: _split, ...cumulative } = reply.usage;
  send("message_delta", { delta: { stop_reason: stopReason(reply.content), stop_sequence: null }, usage: cumulative });
  send("message_stop", {});
  res.end();
}

export async function startEndpoint(options: {
  responder: Responder;
  /** Answers `POST /v1/responses`; without it that path is a 404. */
  responses?: ResponsesResponder;
  port?: number;
  host?: string;
  /** Lets loopback clients move this clock (`POST /_quartet/clock`); without it that path says how to turn it on. */
  clock?: ClockControl;
}): Promise<Endpoint> {
  const requests: RecordedRequest[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void handle(req, res, Buffer.concat(chunks).toString("utf8")).catch((e: unknown) => {
        if (!res.headersSent) anthropicError(res, 500, "api_error", (e as Error).message ?? String(e));
        else res.end();
      });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, text: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const headers = redact(req.headers);
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const recorded: RecordedRequest = {
      n: ++n,
      at: Date.now(),
      method: req.method ?? "GET",
      path: url.pathname + url.search,
      headers,
      body,
    };
    requests.push(recorded);
    if (req.method === "HEAD" || (req.method === "GET" && url.pathname === "/")) {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(req.method === "HEAD" ? undefined : "quartet lab endpoint\n");
      return;
    }
    if (url.pathname === CLOCK_PATH) return answerClock(req, res, body);
    if (req.method === "POST" && url.pathname === "/v1/responses" && options.responses) {
      return answerResponses(options.responses, res, recorded, body);
    }
    if (req.method !== "POST" || !url.pathname.startsWith("/v1/messages")) {
      return anthropicError(res, 404, "not_found_error", `no route for ${req.method} ${url.pathname}`);
    }
    if (typeof body !== "object" || body === null)
      return anthropicError(res, 400, "invalid_request_error", "request body is not a JSON object");
    if (url.pathname === "/v1/messages/count_tokens") {
      const b = body as Record<string, unknown>;
      const tokens = estimateJsonTokens(b.messages ?? []) + estimateJsonTokens(b.system ?? "") + estimateJsonTokens(b.tools ?? []);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ input_tokens: tokens }));
      return;
    }
    if (url.pathname !== "/v1/messages") return anthropicError(res, 404, "not_found_error", `no route for POST ${url.pathname}`);
    const parsed = MessagesRequest.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return anthropicError(res, 400, "invalid_request_error", `${issue.path.join(".") || "body"}: ${issue.message}`);
    }
    const reply = await options.responder.reply(parsed.data, { n: recorded.n, headers });
    recorded.reply = reply;
    if (reply.kind === "error") return anthropicError(res, reply.status, reply.type, reply.message);
    const model = reply.model ?? parsed.data.model;
    const requestId = `req_lab_${recorded.n.toString().padStart(6, "0")}_${Date.now().toString(36)}`;
    if (parsed.data.stream) return writeStream(res, model, reply, requestId);
    res.writeHead(200, { "content-type": "application/json", "request-id": requestId });
    res.end(
      JSON.stringify({
        id: messageId(),
        type: "message",
        role: "assistant",
        model,
        content: reply.content,
        stop_reason: stopReason(reply.content),
        stop_sequence: null,
        usage: reply.usage,
      }),
    );
  }

  function answerClock(req: http.IncomingMessage, res: http.ServerResponse, body: unknown): void {
    const from = req.socket.remoteAddress;
    if (!isLoopback(from))
      return anthropicError(
        res,
        403,
        "permission_error",
        `the clock control answers only loopback clients (this request came from ${from})`,
      );
    const clock = options.clock;
    if (!clock)
      return anthropicError(res, 404, "not_found_error", "the clock control is off: start quartet lab serve with --clock-control");
    if (req.method === "POST") {
      const parsed = ClockRequest.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return anthropicError(res, 400, "invalid_request_error", `${issue.path.join(".") || "body"}: ${issue.message}`);
      }
      clock.advance(durationMs(parsed.data.advance));
    } else if (req.method !== "GET") {
      return anthropicError(res, 405, "invalid_request_error", `${CLOCK_PATH} takes GET (the time) or POST {"advance":"6m"}`);
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ now: new Date(clock.now()).toISOString() }));
  }

  async function answerResponses(responder: ResponsesResponder, res: http.ServerResponse, recorded: RecordedRequest, body: unknown) {
    const parsed = parseResponsesRequest(body);
    if (!parsed.ok) return openaiError(res, 400, "invalid_request_error", parsed.message);
    const reply = await responder.reply(parsed.request, { n: recorded.n, headers: recorded.headers });
    recorded.reply = reply;
    if (reply.kind === "error") return openaiError(res, reply.status, reply.type, reply.message);
    const responseId = `resp_lab_${recorded.n.toString().padStart(6, "0")}_${Date.now().toString(36)}`;
    writeResponse(res, { model: parsed.request.model, reply, responseId, stream: parsed.request.stream === true });
  }

  const port = await listenOn(server, options.port, options.host);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
