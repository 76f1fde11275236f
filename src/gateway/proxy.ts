/**
 * The gateway's pass-through proxy, on node:http (no framework: it sits on every request's path, so its
 * overhead is latency the user feels). Anthropic Messages API in; each request goes, by its model, to the
 * route's upstream. The request body is buffered (the model decides the route) and forwarded byte for byte;
 * the response is piped straight back, status, headers and bytes as the upstream sent them, except the
 * hop-by-hop headers. A copy of the response is read on the side (sse-usage.ts) for the exchange handed to the
 * sink once the response is over.
 *
 * The one change to a request: with `diagnose`, a Messages call to the default (Anthropic) route gets the
 * cache-diagnostics beta and a `diagnostics: {previous_message_id}` body field, so its body is re-serialized.
 * The previous message is the last one of the same thread: same session, same model, and tools or none. A
 * side call (a title on haiku, a tool-less summary) so keeps its own thread and is never the main request's
 * "previous". This is a cheaper stand-in for the conversation tracker (src/prefix/tracker.ts), which needs
 * every block's fingerprint and so runs on the recorder's thread, not on the proxy's.
 */
import crypto from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { BoundedMap } from "../core/bounded-map.js";
import { listenOn } from "../core/listen.js";
import { sessionOf } from "../prefix/tracker.js";
import { applyCredentials } from "./credentials.js";
import { KEPT_HEADERS, type Exchange, type ExchangeSink, type Refusal, type RequestGate } from "./exchange.js";
import { pickRoute, upstreamUrl, type RouteTable } from "./routes.js";
import { ResponseReader, type ResponseFacts } from "./sse-usage.js";

export const DIAGNOSIS_BETA = "cache-diagnosis-2026-04-07";

/** Headers that belong to one connection, never forwarded in either direction (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "proxy-authenticate",
  "proxy-authorization",
]);

export interface GatewayOptions {
  port?: number;
  host?: string;
  routes: RouteTable;
  sink?: ExchangeSink;
  gate?: RequestGate;
  diagnose?: boolean;
  /** Where route keys are read from, at request time. */
  env?: NodeJS.ProcessEnv;
  /** Where the gateway's own problems go (one line each); stderr by default. */
  log?: (line: string) => void;
}

export interface Gateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The largest request body forwarded: Anthropic's documented limit for the Messages and Token Counting APIs
 * (32 MB, answered 413 request_too_large). The body is buffered, so without a bound one request could fill memory.
 */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/** Threads whose last message id the gateway remembers for `--diagnose`; the least recently used are forgotten past this. */
const MAX_THREADS = 10_000;

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`quartet gateway: ${line}\n`));
  // Kept-alive connections to each upstream: a new TLS handshake per request would cost more than the proxy itself.
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const lastMessage = new BoundedMap<string, string>(MAX_THREADS);
  // Random bytes beside the start time: two gateways started in the same millisecond (two data folders, one
  // database through sync) must not overwrite each other's records.
  const runId = `gw_${Date.now().toString(36)}${crypto.randomBytes(4).toString("hex")}_`;
  let count = 0;

  const server = http.createServer((req, res) => {
    const at = Date.now();
    const started = performance.now();
    // Decided on the headers, before a byte of the body is buffered: neither a web page nor an oversized body
    // gets that far (neither is the person's traffic, so neither is recorded).
    const foreign = foreignCaller(req.headers);
    if (foreign) return refuseEarly(req, res, { status: 403, type: "permission_error", message: `quartet gateway: ${foreign}` });
    if (Number(req.headers["content-length"] ?? 0) > MAX_REQUEST_BYTES) return refuseEarly(req, res, TOO_LARGE);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_REQUEST_BYTES) return void chunks.push(c);
      chunks.length = 0;
      refuseEarly(req, res, TOO_LARGE);
    });
    req.on(
      "end",
      () =>
        size <= MAX_REQUEST_BYTES &&
        forward({ req, res, at, started, id: runId + (++count).toString(36), body: Buffer.concat(chunks) }).catch((e: unknown) => {
          log(`internal error: ${(e as Error).message ?? String(e)}`);
          if (!res.headersSent) answerError(res, { status: 500, type: "api_error", message: "quartet gateway: internal error" });
          else res.destroy();
        }),
    );
  });

  function finish(request: Record<string, unknown> | null | typeof NOT_READ, body: Buffer, fields: Fields): void {
    if (!options.sink) return;
    const exchange = sealed(fields, body, request);
    try {
      options.sink.record(exchange);
    } catch (e) {
      log(`could not record exchange ${exchange.id}: ${(e as Error).message ?? String(e)}`);
    }
  }

  async function forward(o: {
    req: http.IncomingMessage;
    res: http.ServerResponse;
    at: number;
    started: number;
    id: string;
    body: Buffer;
  }) {
    const { req, res } = o;
    const requestPath = req.url ?? "/";
    const pathname = requestPath.split("?", 1)[0]!;
    const isMessages = req.method === "POST" && pathname === "/v1/messages";
    // The body is read before forwarding only when something decides on it (a route by model, a gate, the
    // diagnosis field); otherwise only when the sink asks for it (sealed()): parsing a 150 KB request costs
    // about half a millisecond, and a sink may read it on another thread.
    const readFirst = options.routes.routes.length > 0 || options.gate !== undefined || options.diagnose === true;
    const request = readFirst ? (parseJson(o.body) ?? null) : NOT_READ;
    const model = request !== NOT_READ && typeof request?.model === "string" ? request.model : null;
    const kept = keptHeaders(req.headers);
    const session = request !== NOT_READ ? sessionOf(kept, request) : null;
    const route = pickRoute(options.routes, model);
    const exchange: Fields = {
      id: o.id,
      at: o.at,
      firstByteMs: null,
      durationMs: 0,
      method: req.method ?? "GET",
      path: requestPath,
      route: route.name,
      upstream: route.baseUrl.href,
      headers: kept,
      status: 0,
      messageId: null,
      requestId: null,
      model,
      usage: null,
      error: null,
      aborted: false,
    };
    const refuse = (refusal: Refusal) => {
      answerError(res, refusal);
      finish(request, o.body, {
        ...exchange,
        status: refusal.status,
        error: { type: refusal.type, message: refusal.message },
        durationMs: performance.now() - o.started,
      });
    };
    const refusal = options.gate?.check({ at: o.at, model, session, route: route.name }) ?? null;
    if (refusal) return refuse(refusal);

    const headers = outgoingHeaders(req);
    const denied = applyCredentials({ route, headers, env });
    if (denied) return refuse(denied);
    const diagnosed = options.diagnose === true && isMessages && route.isDefault && request !== NOT_READ && request !== null;
    const thread = diagnosed && session ? threadOf(session, request) : null;
    const body = diagnosed ? withDiagnostics(request, headers, (thread && lastMessage.get(thread)) ?? null) : o.body;
    headers["content-length"] = String(body.length);
    const target = upstreamUrl(route, requestPath);
    headers.host = target.host;
    relay(
      {
        req,
        res,
        target,
        headers,
        body,
        exchange,
        readUsage: isMessages && (options.sink !== undefined || diagnosed),
        refuseRedirect: !route.isDefault,
        started: o.started,
      },
      (done) => {
        if (thread && done.messageId) lastMessage.touch(thread, done.messageId);
        finish(request, o.body, done);
      },
    );
  }

  /**
   * Sends the request upstream and pipes the answer back; `done` gets the exchange's fields once, when the
   * response has ended, was cut, or the client left.
   */
  function relay(
    o: {
      req: http.IncomingMessage;
      res: http.ServerResponse;
      target: URL;
      headers: http.OutgoingHttpHeaders;
      body: Buffer;
      exchange: Fields;
      /** Read the response on the side: a Messages call whose exchange someone will see. */
      readUsage: boolean;
      /**
       * Answer a redirect with a 502: a client following it to another host would send its own credentials
       * there (a provider's route exists so that they never leave for anyone but Anthropic).
       */
      refuseRedirect: boolean;
      started: number;
    },
    done: (fields: Fields) => void,
  ): void {
    const { res, target, exchange } = o;
    const secure = target.protocol === "https:";
    const upstream = (secure ? https : http).request(target, {
      method: o.req.method,
      headers: o.headers,
      agent: secure ? agents.https : agents.http,
    });
    let reader: ResponseReader | null = null;
    let settled = false;
    const settle = async (over: Partial<Fields>) => {
      if (settled) return;
      settled = true;
      const facts: ResponseFacts | null = reader ? await reader.end() : null;
      done({ ...exchange, ...factsOf(facts, exchange), ...over, durationMs: performance.now() - o.started });
    };

    // The client went away before the whole response was written: the upstream request goes too.
    res.on("close", () => {
      if (res.writableFinished || settled) return;
      void settle({ aborted: true });
      upstream.destroy();
    });
    // The upstream failed after the response began: the client must see the cut, not a response that looks complete.
    const cut = (e: NodeJS.ErrnoException) => {
      if (settled) return;
      void settle({ error: { type: "api_error", message: `quartet gateway: upstream connection lost: ${e.code ?? e.message}` } });
      res.destroy();
    };
    upstream.on("error", (e: NodeJS.ErrnoException) => {
      if (settled) return;
      if (res.headersSent) return cut(e);
      const refusal = { status: 502, type: "api_error", message: `quartet gateway: cannot reach ${target.host}: ${e.code ?? e.message}` };
      answerError(res, refusal);
      void settle({ status: 502, error: { type: refusal.type, message: refusal.message } });
    });
    upstream.on("response", (up) => {
      exchange.firstByteMs = performance.now() - o.started;
      exchange.status = up.statusCode ?? 502;
      exchange.requestId = headerValue(up.headers["request-id"]);
      if (o.refuseRedirect && exchange.status >= 300 && exchange.status < 400 && exchange.status !== 304) {
        up.resume();
        const where = headerValue(up.headers.location);
        const refusal = {
          status: 502,
          type: "api_error",
          message:
            `quartet gateway: ${target.host} answered ${exchange.status}, a redirect${where ? ` to ${redirectTarget(where, target)}` : ""}, ` +
            `which the gateway does not pass on: a client following it would send its own credentials to another host. ` +
            `Put the final URL in the route's "baseUrl".`,
        };
        answerError(res, refusal);
        void settle({ status: 502, error: { type: refusal.type, message: refusal.message } });
        return;
      }
      if (o.readUsage) {
        reader = new ResponseReader({
          status: exchange.status,
          contentType: up.headers["content-type"],
          contentEncoding: headerValue(up.headers["content-encoding"]) ?? undefined,
        });
        const r = reader;
        up.on("data", (c: Buffer) => r.push(c));
      }
      res.writeHead(exchange.status, up.statusMessage, incomingHeaders(up));
      up.pipe(res);
      up.on("end", () => void settle({}));
      up.on("error", cut);
      up.on("close", () => {
        if (!up.complete) cut(Object.assign(new Error("closed before the response ended"), { code: "ECONNRESET" }));
      });
    });
    upstream.end(o.body);
  }

  /**
   * Why a request is not from a program on this machine talking to the gateway, or null. A web page can make
   * the browser send a request here (and spend a route's key): browsers name the page in Origin, and a page
   * reaching 127.0.0.1 through its own domain name (DNS rebinding) names that domain in Host.
   */
  function foreignCaller(headers: http.IncomingHttpHeaders): string | null {
    if (headers.origin !== undefined) return "requests from a web page (with an Origin header) are refused";
    const host = headers.host ?? "";
    const port = (server.address() as AddressInfo).port;
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}` && host !== `${options.host ?? "127.0.0.1"}:${port}`)
      return `this gateway answers only on its loopback address, not as "${host}"`;
    return null;
  }

  const port = await listenOn(server, options.port, options.host);
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agents.http.destroy();
        agents.https.destroy();
      }),
  };
}

/** The thread a request continues for `--diagnose`: its session, its model, and whether it sends tools. */
function threadOf(session: string, request: Record<string, unknown>): string {
  const tools = Array.isArray(request.tools) && request.tools.length > 0;
  return JSON.stringify([session, typeof request.model === "string" ? request.model : null, tools]);
}

/** The request with Anthropic's cache-diagnosis field, its beta named in the headers (appended to any there). */
function withDiagnostics(request: Record<string, unknown>, headers: http.OutgoingHttpHeaders, previous: string | null): Buffer {
  const beta = headers["anthropic-beta"];
  headers["anthropic-beta"] = typeof beta === "string" && beta.trim() !== "" ? `${beta},${DIAGNOSIS_BETA}` : DIAGNOSIS_BETA;
  return Buffer.from(JSON.stringify({ ...request, diagnostics: { previous_message_id: previous } }));
}

/** An exchange while its request is under way: everything but the request body it will be handed with. */
type Fields = Omit<Exchange, "request">;

const NOT_READ = Symbol("not read");

/** The bodies of exchanges whose request nobody has read yet, for a sink that reads them on another thread. */
const unread = new WeakMap<Exchange, { body: Buffer; model: string | null }>();

/**
 * The exchange handed to the sink. A request body not read yet is read when the sink first asks for
 * `request` (or for `model`, when the response named none), so a sink that never does costs nothing.
 */
function sealed(fields: Fields, body: Buffer, request: Record<string, unknown> | null | typeof NOT_READ): Exchange {
  if (request !== NOT_READ) return { ...fields, request };
  const exchange = { ...fields } as Exchange;
  let parsed: Record<string, unknown> | null | typeof NOT_READ = NOT_READ;
  const read = () => (parsed === NOT_READ ? (parsed = parseJson(body) ?? null) : parsed);
  const known = fields.model;
  Object.defineProperty(exchange, "request", { enumerable: true, configurable: true, get: read });
  Object.defineProperty(exchange, "model", {
    enumerable: true,
    configurable: true,
    get: () => known ?? (typeof read()?.model === "string" ? (read()!.model as string) : null),
  });
  unread.set(exchange, { body, model: known });
  return exchange;
}

/**
 * The request's bytes, and the model the response named, of an exchange whose request was not read yet; for a
 * sink that reads them elsewhere (the recorder's thread), so reading `request` here is never paid for.
 */
export function unreadRequest(exchange: Exchange): { body: Buffer; model: string | null } | undefined {
  return unread.get(exchange);
}

/** What the response said, merged over what the request said (the response's model wins). */
function factsOf(facts: ResponseFacts | null, exchange: Fields): Partial<Fields> {
  const out: Partial<Fields> = {};
  if (facts) {
    out.messageId = facts.messageId;
    out.model = facts.model ?? exchange.model;
    out.usage = facts.usage;
    out.error = facts.error;
    if (facts.diagnostics !== undefined) out.diagnostics = facts.diagnostics;
  }
  if (exchange.status >= 400 && !out.error) out.error = { type: "api_error", message: `HTTP ${exchange.status}` };
  return out;
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return undefined;
  try {
    const value = JSON.parse(body.toString("utf8")) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function headerValue(v: string | string[] | undefined): string | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? v.join(", ") : v;
}

function keptHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const v = headerValue(headers[name]);
    if (v !== null) out[name] = v;
  }
  return out;
}

/** The names a `connection` header lists are hop-by-hop for this message too. */
function connectionListed(value: string | string[] | undefined): Set<string> {
  const listed = new Set<string>();
  for (const part of (headerValue(value) ?? "").split(",")) if (part.trim()) listed.add(part.trim().toLowerCase());
  return listed;
}

/** The client's request headers for the upstream: all but the hop-by-hop ones; `host` is set by the caller. */
function outgoingHeaders(req: http.IncomingMessage): http.OutgoingHttpHeaders {
  const listed = connectionListed(req.headers.connection);
  const out: http.OutgoingHttpHeaders = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || listed.has(name) || name === "host" || name === "content-length") continue;
    const prev = out[name];
    out[name] = prev === undefined ? raw[i + 1]! : `${String(prev)}, ${raw[i + 1]!}`;
  }
  return out;
}

/** The upstream's response headers for the client, as sent (names, case and repeats), minus the hop-by-hop ones. */
function incomingHeaders(up: http.IncomingMessage): string[] {
  const listed = connectionListed(up.headers.connection);
  const out: string[] = [];
  const raw = up.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name) && !listed.has(name)) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** Where a redirect points, without its query (which might carry a token). */
function redirectTarget(location: string, base: URL): string {
  try {
    const u = new URL(location, base);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "an unreadable location";
  }
}

const TOO_LARGE: Refusal = {
  status: 413,
  type: "request_too_large",
  message: `quartet gateway: the request is larger than ${MAX_REQUEST_BYTES / 1024 / 1024} MB, Anthropic's limit for a Messages request`,
};

/**
 * Answers before the body is read, and closes the connection after it; the rest of the body is read and
 * dropped meanwhile, so the client, still sending, sees the answer rather than a reset.
 */
function refuseEarly(req: http.IncomingMessage, res: http.ServerResponse, refusal: Refusal): void {
  res.shouldKeepAlive = false;
  answerError(res, refusal);
  req.removeAllListeners("data");
  req.resume();
}

/** An Anthropic-shaped error answer from the gateway itself. */
function answerError(res: http.ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({ type: "error", error: { type: refusal.type, message: refusal.message } });
  res.writeHead(refusal.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "x-quartet-gateway": "refused",
  });
  res.end(body);
}
