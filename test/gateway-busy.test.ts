/**
 * The built gateway while another process holds quartet's database past the busy timeout (a first load of very
 * large logs, or one stopped with Ctrl-Z): requests are still answered, and recorded once the database frees, not
 * lost; and a gateway told to stop while the database stays held stops, saying what it could not record. The
 * wait is shortened for the test (QUARTET_TEST_BUSY_TIMEOUT_MS); the lock is held by a real second process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { afterEach, expect, test } from "vitest";
import { openDatabase } from "../src/core/db.js";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { runningGateway } from "../src/gateway/running.js";
import { parseScenario, startLabEndpoint } from "../src/lab/lab.js";
import { holdDatabase } from "./hold-database.js";
import { ROOT, tempDir } from "./helpers.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

async function startGateway(dataDir: string, upstream: string) {
  const args = [path.join(ROOT, "bin", "quartet.js"), "gateway", "--port", "0", "--upstream", upstream];
  const env = { PATH: process.env.PATH, HOME: tempDir(), QUARTET_HOME: dataDir, TZ: "UTC", QUARTET_TEST_BUSY_TIMEOUT_MS: "300" };
  const child = spawn(process.execPath, args, { env });
  children.push(child);
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  const ended = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await expect.poll(() => runningGateway(dataDir)?.pid, { timeout: 15_000 }).toBe(child.pid);
  return { url: runningGateway(dataDir)!.url, stderr: () => stderr, ended, child };
}

/** The holder, killed after the test. */
async function held(file: string, ms?: number): Promise<ChildProcess> {
  const holder = await holdDatabase(file, ms);
  children.push(holder);
  return holder;
}

async function ask(url: string): Promise<Response> {
  return fetch(`${url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": LAB_API_KEY, "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "Say hello." }] }),
  });
}

const scenario = parseScenario(
  "name: busy\ndescription: one answer\nsteps:\n  - prompt: Say hello.\n    actions:\n      - say: Hello.\n",
  "inline",
);

function recorded(file: string): number {
  const db = openDatabase(file);
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM gateway_request").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

test("requests answered while another process holds the database are recorded once it frees", { timeout: 60_000 }, async () => {
  const dataDir = tempDir();
  const upstream = await startLabEndpoint({ scenario, workspace: tempDir() });
  try {
    const gateway = await startGateway(dataDir, upstream.url);
    const file = path.join(dataDir, "quartet.db");
    const holder = await held(file, 3000);
    const answer = await ask(gateway.url);
    expect(answer.status).toBe(200);
    await answer.text();
    await expect
      .poll(gateway.stderr, { timeout: 10_000 })
      .toContain("quartet gateway: the database is busy (another quartet process is writing to it): requests wait to be recorded");
    await once(holder, "exit");
    await expect.poll(() => recorded(file), { timeout: 15_000 }).toBe(1);
    await expect.poll(gateway.stderr).toContain("quartet gateway: the database is free again: the requests that waited are being recorded");
    gateway.child.kill("SIGTERM");
    expect(await gateway.ended).toBe(0);
  } finally {
    await upstream.close();
  }
});

test("a gateway stopped while the database stays held stops, and says what it could not record", { timeout: 60_000 }, async () => {
  const dataDir = tempDir();
  const upstream = await startLabEndpoint({ scenario, workspace: tempDir() });
  try {
    const gateway = await startGateway(dataDir, upstream.url);
    await held(path.join(dataDir, "quartet.db"));
    const answer = await ask(gateway.url);
    expect(answer.status).toBe(200);
    await answer.text();
    await expect.poll(gateway.stderr, { timeout: 10_000 }).toContain("requests wait to be recorded");
    gateway.child.kill("SIGTERM");
    expect(await gateway.ended, gateway.stderr()).toBe(0);
    expect(gateway.stderr()).toContain("the database stayed busy: 1 request(s) waiting to be recorded were not");
  } finally {
    await upstream.close();
  }
});
