import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { describeBudgets, runtimeOfHeaders, withBudgets } from "./gateway-budget.js";
import { NO_HOOKS, type GatewayHookOptions } from "./gateway.js";
import { loadRoutes } from "../gateway/routes.js";

test("a request's runtime is the registry's, by the user-agents the real runtimes send", () => {
  expect(runtimeOfHeaders({ "user-agent": "claude-cli/2.1.197 (external, sdk-cli)" })).toBe("claude");
  expect(runtimeOfHeaders({ "user-agent": "opencode/1.18.33 ai-sdk/provider-utils/4.0.46 runtime/bun/1.3.14" })).toBe("opencode");
  expect(runtimeOfHeaders({ "user-agent": "curl/8.5.0" })).toBeNull();
  expect(runtimeOfHeaders({})).toBeNull();
});

test("the gateway's hooks gain the budgets only when the config sets one", async () => {
  const dataDir = tempDir();
  const options: GatewayHookOptions = {
    dataDir,
    dbFile: path.join(dataDir, "quartet.db"),
    configDir: dataDir,
    noText: false,
    diagnose: false,
    routes: loadRoutes({ file: path.join(dataDir, "none.jsonc") }),
  };
  const lines: string[] = [];
  const none = withBudgets(NO_HOOKS, { cwd: tempDir(), log: (l) => lines.push(l) });
  expect(await none.makeGate(options)).toBeUndefined();
  expect(await none.makeSink(options)).toBeUndefined();

  fs.writeFileSync(
    path.join(dataDir, "config.jsonc"),
    JSON.stringify({ gateway: { budgets: { dailyUsd: 20, hitRateFloor: { claude: 0.8 }, hardLimit: true } } }),
  );
  const hooks = withBudgets(NO_HOOKS, { cwd: tempDir(), log: (l) => lines.push(l) });
  const gate = await hooks.makeGate(options);
  const sink = await hooks.makeSink(options);
  expect(gate?.value.check({ at: Date.now(), model: null, session: null, route: "default" })).toBeNull();
  expect(sink?.value).toBeDefined();
  expect(lines).toEqual([
    "quartet gateway: budgets: $20.00 a day, cache hit rate claude ≥ 80.0% over the last 20 requests; hard limit: requests past a budget are refused",
  ]);
  await gate!.close();
  await sink!.close();

  // Alerts only: nothing to refuse, so no gate (a gate makes the proxy read every body before forwarding it).
  fs.writeFileSync(path.join(dataDir, "config.jsonc"), JSON.stringify({ gateway: { budgets: { dailyUsd: 20, hitRateFloor: 0.5 } } }));
  const alertsOnly = withBudgets(NO_HOOKS, { cwd: tempDir(), log: (l) => lines.push(l) });
  expect(await alertsOnly.makeGate(options)).toBeUndefined();
  const counting = await alertsOnly.makeSink(options);
  expect(counting?.value).toBeDefined();
  await counting!.close();
  expect(
    describeBudgets({
      dailyUsd: null,
      sessionUsd: 5,
      hitRateFloor: {},
      hitRateWindow: 20,
      hardLimit: false,
      origin: { dailyUsd: null, sessionUsd: null },
    }),
  ).toBe("budgets: $5.00 a session; alerts only");
});
