/**
 * Budgets end to end: the real pinned `claude -p` through `quartet gateway` as the person runs it (the built
 * CLI, its recorder thread and the budgets from their config.jsonc), with the lab endpoint as the upstream. A
 * daily budget smaller than one request: the first run is answered and crosses it, the person's notify command
 * is told once, and with the hard limit the next run is refused with a message Claude Code shows as it is. The
 * gateway is then restarted: the spend it reads back from quartet's database still refuses, and the alert is
 * not repeated.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { findBinary } from "../src/core/binaries.js";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { runningGateway } from "../src/gateway/running.js";
import { parseScenario, startLabEndpoint } from "../src/lab/lab.js";
import { ROOT, tempDir } from "./helpers.js";
import { run } from "./runtimes.js";

const claude = findBinary("claude")!.path;

/** `quartet gateway` started as the person starts it, in `cwd`; ready once it has announced itself in the data folder. */
async function startGatewayCli(o: { dataDir: string; home: string; cwd: string; upstream: string }) {
  const args = [path.join(ROOT, "bin", "quartet.js"), "gateway", "--port", "0", "--upstream", o.upstream];
  const child = spawn(process.execPath, args, {
    cwd: o.cwd,
    env: { PATH: process.env.PATH, HOME: o.home, QUARTET_HOME: o.dataDir, TZ: "UTC" },
  });
  const output = { stderr: "" };
  child.stderr.on("data", (c) => (output.stderr += c));
  const ended = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await expect.poll(() => runningGateway(o.dataDir)?.pid, { timeout: 15_000 }).toBe(child.pid);
  const stop = () => (child.kill("SIGTERM"), ended);
  return { url: runningGateway(o.dataDir)!.url, stderr: () => output.stderr, stop };
}

test(
  "a hard daily limit: alerted once through the notify command, then requests are refused with why, also after a restart",
  { timeout: 90_000 },
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
    let gateway = await startGatewayCli({ dataDir, home, cwd: project, upstream: upstream.url });
    const claudeEnv = () => ({
      HOME: home,
      ANTHROPIC_BASE_URL: gateway.url,
      ANTHROPIC_API_KEY: LAB_API_KEY,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_AUTOUPDATER: "1",
    });
    const alerted = () => (fs.existsSync(alerts) ? fs.readFileSync(alerts, "utf8") : "");
    try {
      expect(gateway.stderr()).toContain("quartet gateway: budgets: $0.0010 a day; hard limit: requests past a budget are refused");
      const first = await run(claude, ["-p", "Say hello.", "--model", "claude-sonnet-4-5"], { cwd: project, env: claudeEnv() });
      expect(first.code, first.output).toBe(0);
      expect(first.output).toContain("Hello.");
      await expect
        .poll(alerted, { timeout: 10_000 })
        .toMatch(
          /^daily-limit daily budget used up: \$\d+\.\d+ of \$0\.0010 spent today; further requests are refused \(gateway\.budgets\.hardLimit\)\n$/,
        );
      expect(gateway.stderr()).toMatch(/quartet gateway: alert: daily budget used up: /);

      const answered = upstream.model.requests.length;
      const second = await run(claude, ["-p", "Say hello.", "--model", "claude-sonnet-4-5"], { cwd: project, env: claudeEnv() });
      expect(second.code).not.toBe(0);
      // Shown as the API's own error, not retried, and not mistaken for a credentials problem (see budget.ts's refusal).
      expect(second.output).toMatch(/^API Error: 400 quartet gateway: the daily budget is used up: \$\d+\.\d+ of \$0\.0010 spent today/);
      expect(second.output).toContain(`Raise gateway.budgets.dailyUsd in ${path.join(dataDir, "config.jsonc")}`);
      expect(upstream.model.requests.length).toBe(answered);

      // Restarted, the gateway reads today's spend back from the requests its recorder stored.
      expect(await gateway.stop()).toBe(0);
      gateway = await startGatewayCli({ dataDir, home, cwd: project, upstream: upstream.url });
      const third = await run(claude, ["-p", "Say hello.", "--model", "claude-sonnet-4-5"], { cwd: project, env: claudeEnv() });
      expect(third.output).toMatch(/^API Error: 400 quartet gateway: the daily budget is used up/);
      expect(upstream.model.requests.length).toBe(answered);
      expect(alerted().split("\n").filter(Boolean)).toHaveLength(1);
      expect(gateway.stderr()).not.toContain("alert:");
    } finally {
      await gateway.stop();
      await upstream.close();
    }
  },
);
