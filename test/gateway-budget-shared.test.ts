/**
 * Two gateways on one data folder (one restarted while the old one still drains its requests, say) share one
 * daily budget: each reads the spend the other's recorder stored before it lets a request through. Real
 * proxies with `quartet gateway`'s own hooks (the recorder, the budgets from config.jsonc, real SQLite), the lab
 * endpoint as the upstream, requests sent alternately to each.
 */
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { withBudgets } from "../src/cli/gateway-budget.js";
import { GATEWAY_HOOKS, type GatewayHookOptions } from "../src/cli/gateway.js";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { startGateway } from "../src/gateway/proxy.js";
import { loadRoutes } from "../src/gateway/routes.js";
import { parseScenario, startLabEndpoint } from "../src/lab/lab.js";
import { tempDir } from "./helpers.js";

const SCENARIO = parseScenario(
  "name: budget\ndescription: answers\nsteps:\n  - prompt: Say hello.\n    actions:\n      - say: Hello.\n",
  "inline",
);

function ask(url: string, session: string) {
  return fetch(`${url}/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": LAB_API_KEY,
      "anthropic-version": "2023-06-01",
      "x-claude-code-session-id": session,
    },
    body: JSON.stringify({
      model: "claude-sonnet-4-5",
      max_tokens: 10,
      messages: [{ role: "user", content: `Say hello. ${"Words to count. ".repeat(2000)}` }],
    }),
  });
}

test(
  "two gateways on one data folder share the daily budget: a limit of about two requests lets two through, not two each",
  { timeout: 20_000 },
  async () => {
    const dataDir = tempDir();
    const alerts = path.join(dataDir, "alerts.log");
    const upstream = await startLabEndpoint({ scenario: SCENARIO, workspace: tempDir() });
    // What one request costs, asked of the upstream directly: the limit is one and a half of it.
    const probe = (await (await ask(upstream.url, "probe")).json()) as { usage: { input_tokens: number; output_tokens: number } };
    const cost = (probe.usage.input_tokens * 3 + probe.usage.output_tokens * 15) / 1e6;
    expect(cost).toBeGreaterThan(0.01);
    fs.writeFileSync(
      path.join(dataDir, "config.jsonc"),
      JSON.stringify({
        gateway: { budgets: { dailyUsd: cost * 1.5, hardLimit: true } },
        sessions: { notify: { bell: false, desktop: false, command: `printf '%s\\n' "$QUARTET_ALERT" >> ${alerts}` } },
      }),
    );
    const [dbFile, routes] = [
      path.join(dataDir, "quartet.db"),
      loadRoutes({ file: path.join(dataDir, "none.jsonc"), upstream: upstream.url }),
    ];
    const options: GatewayHookOptions = { dataDir, dbFile, configDir: dataDir, noText: false, diagnose: false, routes };
    const log: string[] = [];
    const start = async () => {
      const hooks = withBudgets(GATEWAY_HOOKS, { cwd: tempDir(), log: (l) => log.push(l) });
      const [sink, gate] = await Promise.all([hooks.makeSink(options), hooks.makeGate(options)]);
      const gateway = await startGateway({ routes: options.routes, sink: sink!.value, gate: gate!.value, log: (l) => log.push(l) });
      return { url: gateway.url, close: async () => (await gateway.close(), await gate!.close(), await sink!.close()) };
    };
    const gateways = [await start(), await start()];
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await ask(gateways[i % 2]!.url, `s-${i}`);
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 400, 400, 400, 400]);
      expect(upstream.model.requests.length).toBe(3);
      // The request that crossed the limit is alerted, by its gateway alone.
      await expect.poll(() => (fs.existsSync(alerts) ? fs.readFileSync(alerts, "utf8") : ""), { timeout: 5_000 }).toBe("daily-limit\n");
    } finally {
      for (const g of gateways) await g.close();
      await upstream.close();
    }
  },
);
