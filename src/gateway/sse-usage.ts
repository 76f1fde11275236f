/**
 * Reading a Messages API response on the side, from a copy of its bytes as they pass through the gateway:
 * the message id, the model, the final usage, an error, and `diagnostics`. The bytes the client gets are never
 * touched; this only looks.
 *
 * A stream (`text/event-stream`) is read incrementally, one event at a time, whatever the chunking (an event,
 * a line or a UTF-8 character may be split across chunks). Usage semantics (reference/gateways.md §4):
 * `message_start.message.usage` holds the cache figures; each `message_delta.usage` is cumulative and its
 * non-null fields replace the start's. Only the event types that carry these are JSON-parsed: the content
 * deltas, which are most of a stream, are skipped by their `event:` line. An `error` event may come after a 200.
 *
 * A JSON body is kept (up to a bound) and parsed at the end. A compressed response is decompressed for reading
 * (gzip, deflate, br) while the compressed bytes go to the client.
 */
import { StringDecoder } from "node:string_decoder";
import zlib from "node:zlib";
import type { WireUsage } from "./exchange.js";

export interface ResponseFacts {
  messageId: string | null;
  model: string | null;
  usage: WireUsage | null;
  error: { type: string; message: string } | null;
  diagnostics?: unknown;
}

/** A JSON body longer than this is passed through unread (no Messages response is anywhere near it). */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
/** The event types whose data the reader parses; every other event is skipped unparsed. */
const READ_EVENTS = new Set(["message_start", "message_delta", "error"]);
const USAGE_FIELDS = ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"] as const;

export class ResponseReader {
  private readonly facts: ResponseFacts = { messageId: null, model: null, usage: null, error: null };
  private readonly decoder = new StringDecoder("utf8");
  private readonly sse: boolean;
  private readonly inflate: zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null;
  private inflated: Promise<void> = Promise.resolve();
  private pending = "";
  private event = "";
  private data: string[] = [];
  private json: Buffer[] = [];
  private jsonBytes = 0;

  constructor(options: { status: number; contentType?: string; contentEncoding?: string }) {
    this.sse = options.status < 300 && /text\/event-stream/i.test(options.contentType ?? "");
    this.inflate = decompressor(options.contentEncoding);
    if (this.inflate) {
      const inflate = this.inflate;
      inflate.on("data", (c: Buffer) => this.read(c));
      this.inflated = new Promise((resolve) => {
        inflate.once("end", resolve);
        // A body that does not decompress is passed through all the same; only the reading stops.
        inflate.once("error", () => resolve());
      });
    }
  }

  /** Reads one chunk of the response body, as it came from the upstream. */
  push(chunk: Buffer): void {
    if (this.inflate) this.inflate.write(chunk);
    else this.read(chunk);
  }

  /** The facts, once the body has ended (or was cut short: what was read so far). */
  async end(): Promise<ResponseFacts> {
    if (this.inflate) {
      this.inflate.end();
      await this.inflated;
    }
    if (this.sse) {
      this.lines(this.decoder.end() + "\n");
      this.dispatch();
    } else if (this.json.length > 0) {
      this.readJson(Buffer.concat(this.json).toString("utf8"));
    }
    return this.facts;
  }

  private read(chunk: Buffer): void {
    if (this.sse) {
      this.lines(this.decoder.write(chunk));
    } else if (this.jsonBytes <= MAX_JSON_BYTES) {
      this.jsonBytes += chunk.length;
      if (this.jsonBytes <= MAX_JSON_BYTES) this.json.push(chunk);
      else this.json = [];
    }
  }

  /** Feeds decoded text; complete lines are handled, a partial last line waits for the next chunk. */
  private lines(text: string): void {
    let start = 0;
    const all = this.pending + text;
    for (let nl = all.indexOf("\n"); nl >= 0; nl = all.indexOf("\n", start)) {
      const end = nl > start && all.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(all.slice(start, end));
      start = nl + 1;
    }
    this.pending = all.slice(start);
  }

  private line(line: string): void {
    if (line === "") return this.dispatch();
    if (line.startsWith("event:")) this.event = line.slice(6).trim();
    else if (line.startsWith("data:")) {
      // A skipped event's data is not kept: content deltas can be long.
      if (this.event === "" || READ_EVENTS.has(this.event)) this.data.push(line.slice(line.charCodeAt(5) === 32 ? 6 : 5));
    }
  }

  private dispatch(): void {
    const data = this.data.join("\n");
    this.event = "";
    this.data = [];
    if (data === "") return;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return;
    }
    if (value.type === "message_start") this.readMessage(value.message);
    else if (value.type === "message_delta") this.mergeUsage(value.usage);
    else if (value.type === "error") this.facts.error = errorOf(value);
  }

  private readJson(text: string): void {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (value?.type === "error") this.facts.error = errorOf(value);
    else if (value?.type === "message") this.readMessage(value);
  }

  private readMessage(message: unknown): void {
    if (!message || typeof message !== "object") return;
    const m = message as Record<string, unknown>;
    if (typeof m.id === "string") this.facts.messageId = m.id;
    if (typeof m.model === "string") this.facts.model = m.model;
    if ("diagnostics" in m) this.facts.diagnostics = m.diagnostics;
    this.mergeUsage(m.usage);
  }

  /** Non-null numeric fields replace what is known; the 5m/1h split only ever comes with message_start. */
  private mergeUsage(usage: unknown): void {
    if (!usage || typeof usage !== "object") return;
    const u = usage as Record<string, unknown>;
    const into: WireUsage = this.facts.usage ?? {
      input_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 0,
    };
    for (const f of USAGE_FIELDS) if (typeof u[f] === "number") into[f] = u[f];
    const split = u.cache_creation as Record<string, unknown> | null | undefined;
    if (split && typeof split.ephemeral_5m_input_tokens === "number" && typeof split.ephemeral_1h_input_tokens === "number")
      into.cache_creation = {
        ephemeral_5m_input_tokens: split.ephemeral_5m_input_tokens,
        ephemeral_1h_input_tokens: split.ephemeral_1h_input_tokens,
      };
    this.facts.usage = into;
  }
}

/** The `{type, message}` of an Anthropic error body or event, or the body's own shape when it is not one. */
export function errorOf(value: unknown): { type: string; message: string } {
  const e = (value as { error?: { type?: unknown; message?: unknown } } | null)?.error;
  return {
    type: typeof e?.type === "string" ? e.type : "error",
    message: typeof e?.message === "string" ? e.message : "",
  };
}

function decompressor(encoding: string | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null {
  switch (encoding?.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return zlib.createGunzip();
    case "deflate":
      return zlib.createInflate();
    case "br":
      return zlib.createBrotliDecompress();
    default:
      return null;
  }
}
