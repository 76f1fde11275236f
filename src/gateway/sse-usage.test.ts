import http from "node:http";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEndpoint, type Endpoint } from "../lab/endpoint.js";
import { ResponseReader, type ResponseFacts } from "./sse-usage.js";

const USAGE = { input_tokens: 12, cache_creation_input_tokens: 3400, cache_read_input_tokens: 51200, output_tokens: 87 };

let endpoint: Endpoint;
beforeAll(async () => {
  // The lab endpoint writes the stream: a text block with multi-byte characters, then a tool call.
  endpoint = await startEndpoint({
    responder: {
      reply: () => ({
        kind: "message",
        content: [
          { type: "text", text: "Je lis le fichier — 読みます ✓" },
          { type: "tool_use", id: "toolu_1", name: "Read", input: { file_path: "/tmp/é.txt" } },
        ],
        usage: { ...USAGE, cache_creation: { ephemeral_5m_input_tokens: 3400, ephemeral_1h_input_tokens: 0 } },
      }),
    },
  });
});
afterAll(() => endpoint.close());

/** The raw bytes and headers of one response from the lab endpoint. */
function recorded(stream: boolean): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const body = JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 100, stream, messages: [{ role: "user", content: "read it" }] });
  return new Promise((resolve, reject) => {
    const req = http.request(`${endpoint.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function read(
  chunks: Buffer[],
  options: { status?: number; contentType?: string; contentEncoding?: string } = {},
): Promise<ResponseFacts> {
  const reader = new ResponseReader({
    status: options.status ?? 200,
    contentType: options.contentType ?? "text/event-stream",
    contentEncoding: options.contentEncoding,
  });
  for (const c of chunks) reader.push(c);
  return reader.end();
}

describe("reading a response on the side", () => {
  it("reads id, model and final usage from a recorded stream, however it is split", async () => {
    const { headers, body } = await recorded(true);
    expect(headers["content-type"]).toBe("text/event-stream");
    const whole = await read([body]);
    expect(whole).toEqual({
      messageId: expect.stringMatching(/^msg_lab_/),
      model: "claude-sonnet-4-5",
      usage: { ...USAGE, cache_creation: { ephemeral_5m_input_tokens: 3400, ephemeral_1h_input_tokens: 0 } },
      error: null,
    });
    // Two chunks split at every byte, then one byte at a time: the same facts each time.
    for (let i = 1; i < body.length; i++) expect(await read([body.subarray(0, i), body.subarray(i)])).toEqual(whole);
    expect(await read([...body].map((b) => Buffer.from([b])))).toEqual(whole);
    // CRLF line ends, as some servers write them.
    expect(await read([Buffer.from(body.toString("utf8").replaceAll("\n", "\r\n"))])).toEqual(whole);
  });

  it("reads a compressed stream and a JSON body", async () => {
    const stream = await recorded(true);
    const expected = await read([stream.body]);
    for (const [encoding, packed] of [
      ["gzip", zlib.gzipSync(stream.body)],
      ["deflate", zlib.deflateSync(stream.body)],
      ["br", zlib.brotliCompressSync(stream.body)],
    ] as const) {
      const half = Math.floor(packed.length / 2);
      expect(await read([packed.subarray(0, half), packed.subarray(half)], { contentEncoding: encoding })).toEqual(expected);
    }
    const json = await recorded(false);
    expect(await read([json.body], { contentType: "application/json" })).toEqual({
      messageId: expect.stringMatching(/^msg_lab_/),
      model: "claude-sonnet-4-5",
      usage: { ...USAGE, cache_creation: { ephemeral_5m_input_tokens: 3400, ephemeral_1h_input_tokens: 0 } },
      error: null,
    });
  });

  it("takes message_delta's non-null fields over message_start's, and an error event inside a 200 stream", async () => {
    // The API's own shape: message_start holds the cache figures; message_delta's usage is cumulative and nullable.
    const events = [
      `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01A","type":"message","role":"assistant","model":"claude-opus-4-8","content":[],"usage":{"input_tokens":4,"cache_creation_input_tokens":900,"cache_read_input_tokens":20000,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":900},"output_tokens":1}}}\n\n`,
      `event: ping\ndata: {"type": "ping"}\n\n`,
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"{\\"type\\":\\"message_delta\\"}"}}\n\n`,
      `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":null,"cache_creation_input_tokens":null,"cache_read_input_tokens":21000,"output_tokens":250}}\n\n`,
      `event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n`,
    ];
    expect(await read(events.map((e) => Buffer.from(e)))).toEqual({
      messageId: "msg_01A",
      model: "claude-opus-4-8",
      usage: {
        input_tokens: 4,
        cache_creation_input_tokens: 900,
        cache_read_input_tokens: 21000,
        output_tokens: 250,
        cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 900 },
      },
      error: { type: "overloaded_error", message: "Overloaded" },
    });
  });

  it("reads an error body, `diagnostics`, and leaves a body that is not JSON unread", async () => {
    const error = Buffer.from(`{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`);
    expect((await read([error], { status: 429, contentType: "application/json" })).error).toEqual({
      type: "rate_limit_error",
      message: "slow down",
    });
    const diagnosed = `{"type":"message","id":"msg_2","model":"m","content":[],"usage":{"input_tokens":1,"output_tokens":2},"diagnostics":{"cache_miss_reason":{"type":"tools_changed","cache_missed_input_tokens":4000}}}`;
    expect((await read([Buffer.from(diagnosed)], { contentType: "application/json" })).diagnostics).toEqual({
      cache_miss_reason: { type: "tools_changed", cache_missed_input_tokens: 4000 },
    });
    expect(await read([Buffer.from("<html>Bad gateway</html>")], { status: 502, contentType: "text/html" })).toEqual({
      messageId: null,
      model: null,
      usage: null,
      error: null,
    });
    expect(await read([Buffer.from("not gzip")], { contentType: "application/json", contentEncoding: "gzip" })).toMatchObject({
      usage: null,
    });
  });
});
