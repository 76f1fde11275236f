/**
 * `quartet lab serve`: the lab's endpoint on its own, for pointing a runtime at it by hand. Every request it
 * receives is answered by the scenario's scripted model with simulated cache usage, and recorded. With
 * `--clock-control`, a loopback client moves the simulated clock (a TTL expiry without the wait).
 */
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { quartetPaths } from "../core/paths.js";
import { CLOCK_PATH, startEndpoint } from "../lab/endpoint.js";
import { writeFixtureRepo } from "../lab/fixture-repo.js";
import { ModelSession } from "../lab/model-session.js";
import { beginRun, newRunId, runsDir, saveRequests, saveRun, type LabRun } from "../lab/runs.js";
import { loadScenario } from "../lab/scenario.js";
import { ResponsesSession } from "../lab/responses-session.js";
import { runtimesWith, selectRuntimes } from "../runtimes/registry.js";
import { parsePort, PORT_FLAG, PORT_HELP } from "./port-flag.js";

export function registerLabServe(lab: Command): void {
  lab
    .command("serve")
    .description("serve the scripted Anthropic-compatible endpoint on 127.0.0.1 and record what it receives")
    .option("--scenario <name|file>", "the scenario whose actions the model follows", "explore-edit-test")
    .option(PORT_FLAG, PORT_HELP, parsePort)
    .option("--workspace <dir>", "the folder the runtime works in (default: a fresh copy of the scenario's repository in the run folder)")
    .option("--runtime <name>", "which runtime you will point at it, to label the recording", "claude")
    .option("--clock-control", `let loopback clients move the simulated clock: POST ${CLOCK_PATH} {"advance":"6m"}`)
    .action((flags: ServeFlags) => labServeCommand(flags));
}

interface ServeFlags {
  scenario: string;
  port?: number;
  workspace?: string;
  runtime: string;
  clockControl?: boolean;
}

/** Each runtime's own lines for pointing it at the endpoint, under its name (aligned, as a table's first column). */
function pointingLines(endpointUrl: string): string[] {
  const runtimes = runtimesWith("headless").filter((r) => r.headless!.pointAt);
  const width = Math.max(...runtimes.map((r) => r.displayName.length)) + 2;
  return runtimes.flatMap((r) =>
    r.headless!.pointAt!({ endpointUrl }).map((line, i) => (i === 0 ? `${r.displayName}:`.padEnd(width) : " ".repeat(width)) + line),
  );
}

export async function labServeCommand(flags: ServeFlags): Promise<void> {
  const runtime = selectRuntimes(flags.runtime)[0]!.id;
  const port = flags.port ?? 0;
  const { scenario, file } = loadScenario(flags.scenario);
  const dataDir = quartetPaths().dataDir;
  const id = `${newRunId(scenario.name)}-serve`;
  // The scripted model edits files and runs commands where the runtime works: by default a scratch copy of
  // the scenario's repository, never the folder the user happens to be in.
  let workspace = flags.workspace ? path.resolve(flags.workspace) : "";
  const run: LabRun = {
    id,
    dir: path.join(runsDir(dataDir), id),
    scenario,
    scenarioFile: file,
    model: scenario.model,
    priceAs: null,
    clean: false,
    startedAt: new Date().toISOString(),
    runtimes: [{ runtime, home: "", workspace, configuration: [], completed: false, turns: [] }],
  };
  // Locked while it serves: the run is being written, and `lab prune` leaves it alone.
  const lock = beginRun(run);
  if (!flags.workspace) {
    workspace = run.runtimes[0]!.workspace = path.join(run.dir, "workspace");
    writeFixtureRepo(scenario.repo, workspace);
  }
  const model = new ModelSession(scenario, workspace);
  // The same scenario on the OpenAI Responses API (Codex), on the same clock and in the same request list.
  const responses = new ResponsesSession(scenario, workspace, model.clock, model.requests);
  const recorded = <T>(reply: T): T => {
    saveRequests(run, runtime, model.requests);
    return reply;
  };
  let endpoint: Awaited<ReturnType<typeof startEndpoint>>;
  try {
    endpoint = await startEndpoint({
      port,
      responder: { reply: (request, context) => recorded(model.reply(request, context)) },
      responses: { reply: (request, context) => recorded(responses.reply(request, context)) },
      ...(flags.clockControl ? { clock: model.clock } : {}),
    });
  } catch (e) {
    // Nothing was served (its port taken): no run to show as `lab show last`, and no scratch workspace left.
    lock.release();
    fs.rmSync(run.dir, { recursive: true, force: true });
    throw e;
  }
  process.stdout.write(
    [
      `quartet lab endpoint listening on ${endpoint.url} (scenario ${scenario.name}, recording to ${run.dir})`,
      `Workspace: ${workspace}${flags.workspace ? "" : " (a fresh copy of the scenario's repository: run the runtime there)"}`,
      ...pointingLines(endpoint.url),
      ...(flags.clockControl ? [`Clock control (loopback only): curl -X POST ${endpoint.url}${CLOCK_PATH} -d '{"advance":"6m"}'`] : []),
      "Stop with Ctrl-C; then: quartet lab show last",
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await endpoint.close();
  run.finishedAt = new Date().toISOString();
  run.runtimes[0]!.completed = true;
  saveRun(run);
  lock.release();
}
