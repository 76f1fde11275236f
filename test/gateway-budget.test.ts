/**
 * Budgets end to end: the real pinned `claude -p` through the real gateway proxy, with the lab endpoint as the
 * upstream and the budgets as `quartet gateway` wires them (config from the user's config.jsonc, prices,
 * quartet's database, alerts through the sessions' notify command). A daily budget smaller than one request:
 * the first run is answered and crosses it, the person's notify command is told once, and with the hard limit
 * the next run is refused with a message Claude Code shows as it is.
 */
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { makeBudget } from "../src/cli/gateway-budget.js";
import { findBinary } from "../src/core/binaries.js";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { buildPricing } from "../src/core/pricing.js";
import { PRICE_TABLE } from "../src/core/price-table.js";
import { startGateway } from "../src/gateway/proxy.js";
import { loadRoutes } from "../src/gateway/routes.js";
import { parseScenario, startLabEndpoint } from "../src/lab/lab.js";
import { tempDir } from "./helpers.js";
import { run } from "./runtimes.js";

const claude = findBinary("claude")!.path;

test(
  "a hard daily limit: alerted once through the notify command, then the next request is refused with why",
  { timeout: 60_000 },
  async () => {
    const home = tempDir();
    const dataDir = tempDir();
    const project = tempDir();
    const alerts = path.join(dataDir, "alerts.log");
    fs.writeFileSync(
      path.join(dataDir, "config.jsonc"),
      JSON.stringify({
        gateway: { budgets: { dailyUsd: 0.001, hardLimit: true } },
        sessions: { notify: { bell: false, desktop: false, command: `printf '%s %s\\n' "$QUARTET_ALERT" "$QUARTET_DETAIL" >> ${alerts}` } },
      }),
    );
    const scenario = parseScenario(
      "name: budget\ndescription: one answer\nsteps:\n  - prompt: Say hello.\n    actions:\n      - say: Hello.\n",
      "inline",
    );
    const upstream = await startLabEndpoint({ scenario, workspace: project });
    const log: string[] = [];
    const budget = makeBudget({
      dbFile: path.join(dataDir, "quartet.db"),
      configDir: dataDir,
      cwd: project,
      pricing: buildPricing(PRICE_TABLE),
      log: (l) => log.push(l),
    })!;
    const gateway = await startGateway({
      routes: loadRoutes({ file: path.join(dataDir, "no-routes.jsonc"), upstream: upstream.url }),
      sink: budget.budget,
      gate: budget.budget,
      log: (l) => log.push(l),
    });
    const env = {
      HOME: home,
      ANTHROPIC_BASE_URL: gateway.url,
      ANTHROPIC_API_KEY: LAB_API_KEY,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_AUTOUPDATER: "1",
    };
    try {
      const first = await run(claude, ["-p", "Say hello.", "--model", "claude-sonnet-4-5"], { cwd: project, env });
      expect(first.code, first.output).toBe(0);
      expect(first.output).toContain("Hello.");
      await expect
        .poll(() => (fs.existsSync(alerts) ? fs.readFileSync(alerts, "utf8") : ""), { timeout: 10_000 })
        .toMatch(
          /^daily-limit daily budget used up: \$\d+\.\d+ of \$0\.0010 spent today; further requests are refused \(gateway\.budgets\.hardLimit\)\n$/,
        );
      expect(log.filter((l) => l.startsWith("quartet gateway: alert: daily budget used up"))).toHaveLength(1);

      const answered = upstream.model.requests.length;
      const second = await run(claude, ["-p", "Say hello.", "--model", "claude-sonnet-4-5"], { cwd: project, env });
      expect(second.code).not.toBe(0);
      // Shown as the API's own error, not retried, and not mistaken for a credentials problem (see budget.ts's refusal).
      expect(second.output).toMatch(/^API Error: 400 quartet gateway: the daily budget is used up: \$\d+\.\d+ of \$0\.0010 spent today/);
      expect(second.output).toContain(`Raise gateway.budgets.dailyUsd in ${path.join(dataDir, "config.jsonc")}`);
      // Refused at the gateway: the upstream saw nothing more, and the alert was not repeated.
      expect(upstream.model.requests.length).toBe(answered);
      expect(fs.readFileSync(alerts, "utf8").split("\n").filter(Boolean)).toHaveLength(1);
    } finally {
      await gateway.close();
      await upstream.close();
      budget.close();
    }
  },
);
