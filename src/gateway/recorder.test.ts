import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { openDatabase } from "../core/db.js";
import { startEndpoint } from "../lab/endpoint.js";
import { startGateway } from "./proxy.js";
import { admit, exchangeOf, MAX_PENDING_BYTES, MAX_PENDING_RECORDS_BYTES, startRecorder, type RecordMessage } from "./recorder.js";
import { openStore } from "./recorder-worker.js";
import { loadRoutes } from "./routes.js";

// From TypeScript sources the recorder stores on the calling thread; the built CLI's thread is checked by
// test/gateway-proxy.test.ts. Either way the store gets the request read from its bytes.
test("the recorder stores each exchange with the request read from its bytes", async () => {
  const dir = tempDir();
  const endpoint = await startEndpoint({
    responder: {
      reply: () => ({
        kind: "message",
        content: [{ type: "text", text: "ok" }],
        usage: { input_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 4000, output_tokens: 2 },
      }),
    },
  });
  const recorder = await startRecorder({ dbFile: path.join(dir, "quartet.db"), noText: true });
  const gateway = await startGateway({
    routes: loadRoutes({ file: path.join(dir, "none.jsonc"), upstream: endpoint.url }),
    sink: recorder,
  });
  const body = JSON.stringify({
    model: "claude-haiku-4-5",
    max_tokens: 10,
    metadata: { user_id: JSON.stringify({ session_id: "s-42" }) },
    messages: [{ role: "user", content: "hi" }],
  });
  expect((await fetch(`${gateway.url}/v1/messages`, { method: "POST", body })).status).toBe(200);
  await gateway.close();
  await recorder.close();
  await endpoint.close();
  const db = openDatabase(path.join(dir, "quartet.db"));
  const rows = db.prepare("SELECT model, session, cache_read_tokens, break_excerpt FROM gateway_request").all();
  db.close();
  expect(rows).toEqual([{ model: "claude-haiku-4-5", session: "s-42", cache_read_tokens: 4000, break_excerpt: null }]);
  expect(fs.readdirSync(dir)).toContain("quartet.db");
});

/** A finished exchange as the proxy hands it over, with a request body of `size` bytes. */
function handedOver(size: number): RecordMessage {
  return {
    exchange: {
      id: "gw_test_1",
      at: Date.parse("2026-11-30T12:00:00Z"),
      firstByteMs: 5,
      durationMs: 20,
      method: "POST",
      path: "/v1/messages",
      route: "default",
      upstream: "http://127.0.0.1:1",
      headers: { "x-claude-code-session-id": "s-behind" },
      status: 200,
      messageId: "msg_behind",
      requestId: "req_behind",
      usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 5000, output_tokens: 20 },
      error: null,
      aborted: false,
    },
    model: "claude-sonnet-4-5",
    body: new Uint8Array(size),
    request: null,
  };
}

test("a recorder that falls behind keeps recording usage without the request, and drops only past a second bound", async () => {
  const m = handedOver(150_000);
  expect(admit(m, 0).kind).toBe("whole");
  const behind = admit(m, MAX_PENDING_BYTES - 1000);
  expect(behind.kind).toBe("undiagnosed");
  expect(behind.kind !== "dropped" && behind.message.body).toBeNull();
  expect(admit(m, MAX_PENDING_RECORDS_BYTES).kind).toBe("dropped");

  // What the store makes of such a message: the request is not there, its usage, model and session are.
  const dir = tempDir();
  const store = await openStore({ dbFile: path.join(dir, "quartet.db"), noText: false });
  store.record(exchangeOf(behind.kind !== "dropped" ? behind.message : m));
  store.close();
  const db = openDatabase(path.join(dir, "quartet.db"));
  const row = db.prepare("SELECT model, session, cache_read_tokens, cost_usd FROM gateway_request").get() as Record<string, unknown>;
  db.close();
  expect(row).toMatchObject({ model: "claude-sonnet-4-5", session: "s-behind", cache_read_tokens: 5000 });
  expect(row.cost_usd).toBeGreaterThan(0);
});
