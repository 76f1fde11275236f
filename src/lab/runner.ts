/**
 * Running a scenario through each runtime: a fresh copy of the fixture repository, a home (clean, or the
 * user's configuration without credentials), the endpoint with the scripted model and the cache simulator,
 * and the scenario's steps delivered as the scenario says. A runtime that is missing, crashes or hangs
 * ends its part of the run with its output recorded; the others still run.
 */
import fs from "node:fs";
import path from "node:path";
import { findBinary } from "../core/binaries.js";
import { errorMessage, MissingToolError } from "../core/errors.js";
import type { Pricing } from "../core/pricing.js";
import { RuntimeStartError, type Delivery, type HeadlessSession, type RuntimeAdapter, type RuntimeId } from "../runtimes/types.js";
import { startEndpoint, type Endpoint } from "./endpoint.js";
import { writeFixtureRepo } from "./fixture-repo.js";
import { ModelSession } from "./model-session.js";
import { labBillsWrites } from "./price-rule.js";
import { ResponsesSession } from "./responses-session.js";
import { beginRun, newRunId, runsDir, saveRequests, saveRun, type LabRun, type RuntimeRun } from "./runs.js";
import { durationMs, type Scenario } from "./scenario.js";

export interface LabRunOptions {
  scenario: Scenario;
  scenarioFile: string;
  runtimes: readonly RuntimeAdapter[];
  dataDir: string;
  userHome: string;
  clean: boolean;
  model?: string;
  priceAs?: string;
  /** The lab's prices: with `priceAs`, they decide whether the simulated OpenAI cache bills writes apart, as the cost does. */
  pricing: Pricing;
  delivery?: Delivery;
  binaries?: Partial<Record<RuntimeId, string>>;
  turnTimeoutMs?: number;
  /** Progress messages for people: a pause, a changed instructions file, a failure. */
  log?(message: string): void;
  /** Called as each turn starts: turn N (from 1) of the scenario's `turns`. */
  onTurn?(t: TurnStart): void;
  /**
   * Puts something between the runtime and the lab's endpoint (the gateway, to check that its diagnosis of
   * the traffic equals the lab's own): given the endpoint's URL, returns the URL the runtime is pointed at.
   */
  via?(endpointUrl: string, runtime: RuntimeId): Promise<{ url: string; close(): Promise<void> }>;
}

export interface TurnStart {
  runtime: RuntimeId;
  turn: number;
  turns: number;
  prompt: string;
}

export async function runLab(o: LabRunOptions): Promise<LabRun> {
  const id = newRunId(o.scenario.name);
  const run: LabRun = {
    id,
    dir: path.join(runsDir(o.dataDir), id),
    scenario: { ...o.scenario, ...(o.delivery ? { delivery: o.delivery } : {}) },
    scenarioFile: o.scenarioFile,
    model: o.model ?? o.scenario.model,
    priceAs: o.priceAs ?? null,
    clean: o.clean,
    startedAt: new Date().toISOString(),
    runtimes: [],
  };
  // Every runtime works in a git repository (Claude Code reads its status), so no git means no run at all.
  if (!findBinary("git"))
    throw new MissingToolError({ message: "git is not installed; the lab's fixture repository needs it (e.g. apt-get install git)" });
  // Held until the run is done: a prune running meanwhile leaves the run alone.
  const lock = beginRun(run);
  try {
    // The runtimes run at once: each has its own fixture repository, home, endpoint and simulated clock, so none
    // sees another's requests, and a run takes as long as its slowest runtime instead of all of them in turn.
    // run.json lists each as it ends, in the order asked for.
    // A runtime named twice (`--runtime claude,claude`) runs once: its folders are named after it.
    const runtimes = [...new Map(o.runtimes.map((r) => [r.id, r])).values()];
    const ended: (RuntimeRun | undefined)[] = runtimes.map(() => undefined);
    // Settled, not raced: a runtime whose records could not be saved (a full disk) fails the run only once the
    // others have ended, so none still writes into the run's folder after its lock is released.
    const settled = await Promise.allSettled(
      runtimes.map(async (adapter, i) => {
        ended[i] = await runRuntime(run, adapter, o);
        run.runtimes = ended.filter((r): r is RuntimeRun => r !== undefined);
        saveRun(run);
      }),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
    run.finishedAt = new Date().toISOString();
    saveRun(run);
  } finally {
    lock.release();
  }
  return run;
}

async function runRuntime(run: LabRun, adapter: RuntimeAdapter, o: LabRunOptions): Promise<RuntimeRun> {
  const log = o.log ?? (() => {});
  const base = path.join(run.dir, adapter.id);
  const result: RuntimeRun = {
    runtime: adapter.id,
    home: path.join(base, "home"),
    workspace: path.join(base, "workspace"),
    configuration: [],
    completed: false,
    turns: [],
  };
  const driver = adapter.headless;
  if (!driver) {
    result.failure = { step: 0, message: `${adapter.displayName} cannot be driven by the lab yet`, output: "" };
    return result;
  }
  const bin = findBinary(driver.binary, o.binaries?.[adapter.id]);
  if (!bin) {
    const named = o.binaries?.[adapter.id];
    result.failure = {
      step: 0,
      message: named ? `${named} is not an executable file` : `${driver.binary} is not installed: ${driver.install}`,
      output: "",
    };
    log(`${adapter.id}: ${result.failure.message}`);
    return result;
  }
  result.binary = bin;
  const model = new ModelSession(run.scenario, result.workspace);
  // The same scenario on the OpenAI Responses API (Codex), on the same clock and in the same request list.
  const responses = new ResponsesSession(
    run.scenario,
    result.workspace,
    model.clock,
    model.requests,
    labBillsWrites(o.pricing, run.priceAs),
  );
  let endpoint: Endpoint | undefined;
  let relay: { url: string; close(): Promise<void> } | undefined;
  let session: HeadlessSession | undefined;
  let stepNo = 0;
  const turns = run.scenario.steps.filter((step) => "prompt" in step).length;
  try {
    fs.mkdirSync(result.workspace, { recursive: true });
    writeFixtureRepo(run.scenario.repo, result.workspace);
    result.configuration = driver.prepareHome({ home: result.home, userHome: o.userHome, clean: o.clean });
    endpoint = await startEndpoint({ responder: model, responses });
    relay = o.via ? await o.via(endpoint.url, adapter.id) : undefined;
    session = await driver.start({
      bin: bin.path,
      workspace: result.workspace,
      home: result.home,
      endpointUrl: relay?.url ?? endpoint.url,
      model: run.model,
      delivery: run.scenario.delivery,
      turnTimeoutMs: o.turnTimeoutMs ?? 180_000,
    });
    for (const step of run.scenario.steps) {
      stepNo++;
      if ("pause" in step) {
        model.clock.advance(durationMs(step.pause));
        log(`${adapter.id}: pause ${step.pause} (simulated)`);
      } else if ("instructions" in step) {
        fs.appendFileSync(path.join(result.workspace, driver.instructionsFile), `- ${step.instructions}\n`);
        log(`${adapter.id}: ${driver.instructionsFile} changed`);
      } else {
        o.onTurn?.({ runtime: adapter.id, turn: result.turns.length + 1, turns, prompt: step.prompt });
        const started = Date.now();
        const outcome = await session.turn(step.prompt);
        result.turns.push({ prompt: step.prompt, ok: outcome.ok, seconds: (Date.now() - started) / 1000 });
        if (!outcome.ok) {
          const what = outcome.timedOut
            ? `timed out after ${(o.turnTimeoutMs ?? 180_000) / 1000}s`
            : outcome.exitCode !== null
              ? `exited with code ${outcome.exitCode}`
              : "reported the turn as failed";
          result.failure = { step: stepNo, message: `${driver.binary} ${what} on "${step.prompt}"`, output: outcome.output };
          log(`${adapter.id}: ${result.failure.message}`);
          break;
        }
      }
    }
    result.completed = result.failure === undefined;
  } catch (e) {
    // A runtime that cannot even start (its server never listens, its home cannot be written) costs that
    // runtime, not the run: the others still run and the report says what happened.
    const output = e instanceof RuntimeStartError ? e.output : "";
    result.failure = { step: stepNo, message: `${driver.binary} could not be run: ${errorMessage(e)}`, output };
    log(`${adapter.id}: ${result.failure.message}`);
  } finally {
    await session?.close();
    await relay?.close();
    await endpoint?.close();
    saveRequests(run, adapter.id, model.requests);
  }
  return result;
}
