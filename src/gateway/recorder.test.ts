import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { openDatabase } from "../core/db.js";
import { startEndpoint } from "../lab/endpoint.js";
import { startGateway } from "./proxy.js";
import { startRecorder } from "./recorder.js";
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
