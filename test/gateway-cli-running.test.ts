/**
 * Two `quartet gateway`s on one data folder (the built CLI): the second refuses to start, naming the first's URL
 * and pid and how to stop it, and leaves the first's announcement alone.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { runningGateway, runningGatewayFile } from "../src/gateway/running.js";
import { ROOT, runCli, tempDir } from "./helpers.js";

test("a second gateway on the same data folder refuses to start, and the first keeps serving", async () => {
  const dataDir = tempDir("quartet-data-");
  const env = { PATH: process.env.PATH, HOME: tempDir(), QUARTET_HOME: dataDir, NO_COLOR: "1" };
  const first = spawn(process.execPath, [path.join(ROOT, "bin", "quartet.js"), "gateway", "--port", "0"], { env });
  const ended = new Promise<number | null>((resolve) => first.once("exit", resolve));
  try {
    await expect.poll(() => runningGateway(dataDir)?.pid, { timeout: 10_000 }).toBe(first.pid);
    const announced = fs.readFileSync(runningGatewayFile(dataDir), "utf8");
    const { url } = runningGateway(dataDir)!;

    const second = await runCli(["gateway", "--port", "0"], { dataDir, env: { HOME: env.HOME } });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`a gateway is already running for this data folder: ${url} (pid ${first.pid})`);
    expect(second.stderr).toContain(`kill ${first.pid}`);
    expect(second.stdout).not.toContain("listening");
    expect(fs.readFileSync(runningGatewayFile(dataDir), "utf8")).toBe(announced);
  } finally {
    first.kill("SIGTERM");
    expect(await ended).toBe(0);
  }
  expect(fs.existsSync(runningGatewayFile(dataDir))).toBe(false);
});

test("a bad budget config stops the gateway at once with the file, line and field, its recorder closed", async () => {
  const dataDir = tempDir("quartet-data-");
  fs.writeFileSync(path.join(dataDir, "config.jsonc"), '{\n  "gateway": {\n    "budgets": { "dailyUsd": "twenty" }\n  }\n}\n');
  // Killed after 30 s: without the fix the recorder's thread keeps the process alive forever. It exits in about 3 s
  // alone, and took over 8 s in a full `npm test` on a slow host (CI, 2026-12-02).
  const r = await runCli(["gateway", "--port", "0"], { dataDir, killAfterMs: 30_000 });
  expect(r.signal).toBeNull();
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/config\.jsonc:3.*gateway\.budgets\.dailyUsd/);
  expect(fs.existsSync(runningGatewayFile(dataDir))).toBe(false);
});
