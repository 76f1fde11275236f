/**
 * The gateway's break diagnosis on real traffic: the real Claude Code (2.1.197, its default model) runs
 * `claude -p` then `claude -p --continue` through the real gateway, whose upstream is the lab's scripted
 * endpoint with its simulated cache. The second process's Bash tool description differs from the first's
 * (observed.md), so its first request re-writes the prompt: the gateway, from its own records alone, names
 * the break `tools[Bash]`, tool-description-changed, with the same tokens as the lab's own record of it.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPricing } from "../src/core/pricing.js";
import { PRICE_TABLE } from "../src/core/price-table.js";
import { startGateway, type Gateway } from "../src/gateway/proxy.js";
import { loadRoutes } from "../src/gateway/routes.js";
import { gatewayBreaks, gatewaySink, type GatewaySink } from "../src/gateway/store.js";
import { startEndpoint, type Endpoint } from "../src/lab/endpoint.js";
import { writeFixtureRepo } from "../src/lab/fixture-repo.js";
import { ModelSession } from "../src/lab/model-session.js";
import { loadScenario } from "../src/lab/scenario.js";
import { ROOT, tempDir } from "./helpers.js";

const scenario = loadScenario("explore-edit-test").scenario;
const prompts = scenario.steps.filter((s): s is Extract<typeof s, { prompt: string }> => "prompt" in s).map((s) => s.prompt);

let endpoint: Endpoint;
let gateway: Gateway;
let sink: GatewaySink;
let lab: ModelSession;
let workspace: string;
let home: string;

beforeAll(async () => {
  workspace = tempDir("quartet-gw-work-", "file");
  home = tempDir("quartet-gw-home-", "file");
  writeFixtureRepo("todo-lib", workspace);
  lab = new ModelSession(scenario, workspace);
  endpoint = await startEndpoint({ responder: lab });
  sink = gatewaySink({ dbFile: path.join(tempDir("quartet-gw-data-", "file"), "quartet.db"), pricing: buildPricing(PRICE_TABLE) });
  gateway = await startGateway({
    routes: loadRoutes({ file: path.join(home, "no-routes.jsonc"), upstream: endpoint.url }),
    sink,
    env: {},
    log: () => {},
  });
});

afterAll(async () => {
  await gateway?.close();
  await endpoint?.close();
  sink?.close();
});

/** One `claude -p` process pointed at the gateway; resolves with its exit code. */
function claude(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(path.join(ROOT, "node_modules", ".bin", "claude"), ["-p", ...args, "--allowedTools", "Read,Grep,Glob"], {
    cwd: workspace,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      ANTHROPIC_BASE_URL: gateway.url,
      ANTHROPIC_API_KEY: "sk-ant-test-not-a-key",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

describe("the gateway on a real Claude Code --continue", () => {
  it("names the Bash description break from its own records, as the lab's record does", async () => {
    expect(await claude([prompts[0]!])).toMatchObject({ code: 0 });
    expect(await claude(["--continue", prompts[1]!])).toMatchObject({ code: 0 });
    const labBreaks = lab.requests.filter((r) => r.break);
    expect(labBreaks.map((r) => [r.break!.block, r.break!.cause])).toContainEqual(["tools[Bash]", "tool-description-changed"]);
    const found = gatewayBreaks(sink.db, 0);
    expect(found.map((r) => ({ block: r.break!.block, cause: r.break!.cause, lostTokens: r.break!.lostTokens }))).toEqual(
      labBreaks.map((r) => ({ block: r.break!.block ?? null, cause: r.break!.cause, lostTokens: r.break!.lostTokens })),
    );
    const bash = found.find((r) => r.break!.block === "tools[Bash]")!;
    expect(bash.break!.excerpt).toContain("(1M context)");
    expect(bash.break!.costUsd).toBeGreaterThan(0);
    // Every request the lab answered was diagnosed, in as many conversations as the lab followed.
    const rows = sink.db.prepare("SELECT kind, conversation FROM gateway_request WHERE kind IS NOT NULL").all() as {
      kind: string;
      conversation: string | null;
    }[];
    expect(rows.map((r) => r.kind)).toEqual(lab.requests.map((r) => r.kind));
    expect(new Set(rows.map((r) => r.conversation)).size).toBe(new Set(lab.requests.map((r) => r.conversation)).size);
  }, 60_000);
});
