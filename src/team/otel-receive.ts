/**
 * `quartet otel receive`: an OTLP/HTTP logs endpoint on 127.0.0.1 for Claude Code's and Codex's own
 * telemetry. It keeps only API requests (otel-events.ts), one JSON line each, in
 * `<data dir>/otel/<runtime>.jsonl` (0600); the ledger reads those files as a source (otel-source.ts).
 *
 * A batch is answered 200 only after its lines are written, so a sender whose batch was not stored retries
 * it; a batch written but whose answer was lost comes again and is stored twice, which the ledger absorbs
 * (the same request id is one record). Requests from a web page (an Origin header) are refused: a page in
 * the user's browser must not be able to write usage into their ledger, nor can one reaching it by a domain name.
 */
import fs from "node:fs";
import http from "node:http";
import { privateDir } from "../core/files.js";
import { listenOn } from "../core/listen.js";
import { decodeLogsRequest, OtlpDecodeError } from "./otel-decode.js";
import { requestOf, type OtelRequest } from "./otel-events.js";
import { otelDir, otelEventsFile } from "./otel-files.js";

/** Larger bodies are refused (413): telemetry batches are a few kilobytes. */
const MAX_BODY = 16 * 1024 * 1024;

/** Appends requests as whole lines, one write per file, so a line is never interleaved with another writer's. */
export function storeRequests(dataDir: string, requests: readonly OtelRequest[]): void {
  const byRuntime = new Map<string, string>();
  for (const r of requests) byRuntime.set(r.runtime, (byRuntime.get(r.runtime) ?? "") + `${JSON.stringify(r)}\n`);
  if (byRuntime.size === 0) return;
  privateDir(otelDir(dataDir));
  for (const [runtime, text] of byRuntime) {
    const fd = fs.openSync(otelEventsFile(dataDir, runtime as OtelRequest["runtime"]), "a+", 0o600);
    try {
      // A receiver killed mid-write left a partial last line: start on a line of our own.
      const { size } = fs.fstatSync(fd);
      const lead = size > 0 && !endsWithNewline(fd, size) ? "\n" : "";
      fs.writeSync(fd, lead + text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}

function endsWithNewline(fd: number, size: number): boolean {
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, size - 1);
  return b[0] === 0x0a;
}

export interface Receiver {
  port: number;
  url: string;
  close(): Promise<void>;
}

export interface ReceiveOptions {
  dataDir: string;
  port?: number;
  /** Called after each batch that held requests. */
  onStored?(requests: readonly OtelRequest[]): void;
}

function readBody(req: http.IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function answer(res: http.ServerResponse, status: number, json: boolean, message?: string): void {
  // An empty ExportLogsServiceResponse is an empty protobuf message, or {} in JSON.
  if (status === 200) {
    res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
    res.end(json ? "{}" : "");
    return;
  }
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ code: status, message: message ?? "" }));
}

export async function startReceiver(o: ReceiveOptions): Promise<Receiver> {
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      // 503, which OTLP senders retry (they drop a batch answered 500): the batch was not stored.
      if (!res.headersSent) answer(res, 503, true, (e as Error).message);
      else res.destroy();
    });
  });
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const type = req.headers["content-type"] ?? "";
    const json = type.startsWith("application/json");
    if (req.headers.origin !== undefined) return answer(res, 403, true, "requests from web pages are refused");
    // A page reaching 127.0.0.1 through its own domain name (DNS rebinding) names that domain in Host.
    const port = (server.address() as { port: number }).port;
    if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`)
      return answer(res, 403, true, `this receiver answers only on its loopback address, not as "${req.headers.host ?? ""}"`);
    const route = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "POST") return answer(res, 405, true, "OTLP/HTTP takes POST");
    // Metrics and traces are not read, but taken, so a runtime exporting them too does not retry forever.
    if (route === "/v1/metrics" || route === "/v1/traces") return answer(res, 200, json);
    if (route !== "/v1/logs") return answer(res, 404, true, `no ${route} here: OTLP logs go to /v1/logs`);
    if (req.headers["content-encoding"] && req.headers["content-encoding"] !== "identity")
      return answer(res, 415, true, `content-encoding ${req.headers["content-encoding"]} is not supported: send it uncompressed`);
    const body = await readBody(req);
    if (!body) return answer(res, 413, true, "body too large");
    let requests: OtelRequest[];
    try {
      requests = decodeLogsRequest(body, type)
        .map(requestOf)
        .filter((r): r is OtelRequest => r !== null);
    } catch (e) {
      if (OtlpDecodeError.isInstance(e)) return answer(res, 400, json, e.message);
      throw e;
    }
    storeRequests(o.dataDir, requests);
    if (requests.length > 0) o.onStored?.(requests);
    answer(res, 200, json);
  }
  const port = await listenOn(server, o.port);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
