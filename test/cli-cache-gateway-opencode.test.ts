/**
 * `quartet cache <session>` for OpenCode behind the gateway: OpenCode keeps no id of the API's response, so its
 * requests join the gateway's records by session, model, usage tokens and time (withGatewayRecords). The real
 * pinned `opencode` runs one turn through a real gateway (startGateway + gatewaySink into quartet's database)
 * whose upstream is the lab's scripted endpoint; in that turn the model rewrites AGENTS.md, which OpenCode
 * puts in its system prompt, so the next request's prefix breaks where only the gateway can say what changed.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { expect, it, vi } from "vitest";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { homeLedgerFile } from "../src/core/paths.js";
import { buildPricing } from "../src/core/pricing.js";
import { PRICE_TABLE } from "../src/core/price-table.js";
import { startGateway } from "../src/gateway/proxy.js";
import { loadRoutes } from "../src/gateway/routes.js";
import { gatewaySink } from "../src/gateway/store.js";
import { startEndpoint } from "../src/lab/endpoint.js";
import { ModelSession } from "../src/lab/model-session.js";
import { parseScenario } from "../src/lab/scenario.js";
import { ROOT, runCli, tempDir } from "./helpers.js";

const SCENARIO = `
name: opencode-instructions
description: The model rewrites the instructions file in the middle of a turn.
model: claude-sonnet-4-5
steps:
  - prompt: Make the instructions terse.
    actions:
      - bash: echo "Answer tersely." > AGENTS.md
      - say: Done.
`;

interface CacheJson {
  session: string;
  runtime: string;
  summary: { requests: number };
  requests: {
    requestKey: string;
    breakSource: string | null;
    gateway: { exchangeId: string; session: string; break: { block: string; cause: string; excerpt: string } | null } | null;
  }[];
}

it("joins OpenCode's requests to the gateway's records and shows the gateway's block, cause and diff", async () => {
  const home = tempDir("quartet-home-");
  const data = tempDir("quartet-data-");
  const workspace = tempDir("quartet-ws-");
  fs.writeFileSync(path.join(workspace, "AGENTS.md"), "Be helpful.\n");
  const model = new ModelSession(parseScenario(SCENARIO, "opencode-instructions.yaml"), workspace);
  const endpoint = await startEndpoint({ responder: model });
  const problems: string[] = [];
  const sink = gatewaySink({
    dbFile: homeLedgerFile(data, home),
    pricing: buildPricing(PRICE_TABLE),
    onError: (e) => problems.push(e.message),
  });
  const gateway = await startGateway({
    routes: loadRoutes({ file: path.join(data, "no-routes.jsonc"), upstream: endpoint.url }),
    sink,
    log: (line) => problems.push(line),
  });
  try {
    fs.writeFileSync(
      path.join(workspace, "opencode.json"),
      JSON.stringify({
        provider: { anthropic: { options: { baseURL: `${gateway.url}/v1`, apiKey: LAB_API_KEY } } },
        model: "anthropic/claude-sonnet-4-5",
        autoupdate: false,
        share: "disabled",
        permission: { bash: "allow", edit: "allow", read: "allow" },
      }),
    );
    // stdin closed: `opencode run` reads a piped stdin as more prompt. No models.dev fetch and no default plugins:
    // offline they only add seconds at start (22 s to 17 s for this test here).
    const opencode = spawn(
      path.join(ROOT, "node_modules", ".bin", "opencode"),
      ["run", "--model", "anthropic/claude-sonnet-4-5", "--", "Make the instructions terse."],
      {
        cwd: workspace,
        env: {
          PATH: process.env.PATH,
          HOME: home,
          LANG: "C.UTF-8",
          OPENCODE_DISABLE_MODELS_FETCH: "1",
          OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
        },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    opencode.stderr.on("data", (c) => (stderr += c));
    const [code] = (await once(opencode, "close")) as [number | null];
    expect(code, stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspace, "AGENTS.md"), "utf8")).toBe("Answer tersely.\n");
    // The sink records an exchange once the response's end is read, which may come after OpenCode exited.
    const answered = model.requests.filter((r) => r.usage).length;
    await vi.waitFor(() =>
      expect((sink.db.prepare("SELECT count(*) AS n FROM gateway_request WHERE message_id IS NOT NULL").get() as { n: number }).n).toBe(
        answered,
      ),
    );
  } finally {
    await gateway.close();
    await endpoint.close();
    sink.close();
  }
  expect(problems).toEqual([]);

  const list = await runCli(["cache", "--home", home, "--json"], { dataDir: data });
  expect(list.code, list.stderr).toBe(0);
  const [listed] = (JSON.parse(list.stdout) as { sessions: { session: string; runtime: string }[] }).sessions;
  expect(listed!.runtime).toBe("opencode");

  const json = await runCli(["cache", listed!.session, "--home", home, "--json"], { dataDir: data });
  expect(json.code, json.stderr).toBe(0);
  const report = JSON.parse(json.stdout) as CacheJson;
  // Two main requests in the ledger (OpenCode's title request is not in its database); each joined, to a
  // different record of this session, and the gateway's third record (the title) added to no count.
  expect(report.summary.requests).toBe(2);
  expect(report.requests.map((r) => r.requestKey.split(":")[0])).toEqual(["prt", "prt"]);
  expect(report.requests.map((r) => r.gateway?.session)).toEqual([report.session, report.session]);
  expect(new Set(report.requests.map((r) => r.gateway!.exchangeId)).size).toBe(2);
  expect(report.requests.map((r) => r.breakSource)).toEqual([null, "gateway"]);
  expect(report.requests[1]!.gateway!.break).toMatchObject({ block: "system[0]", cause: "system-changed" });
  expect(report.requests[1]!.gateway!.break!.excerpt).toContain("[-Be helpful-]{+Answer tersely+}");

  const text = await runCli(["cache", listed!.session, "--home", home], { dataDir: data, env: { COLUMNS: "250" } });
  expect(text.code, text.stderr).toBe(0);
  expect(text.stdout).toMatch(/system prompt changed at system\[0\].* \[gateway\]/);
  expect(text.stdout).toMatch(/#2 system\[0\] .*\[-Be helpful-\]\{\+Answer tersely\+\}/);
}, 240_000);
