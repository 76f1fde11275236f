/**
 * The cache lab: drives the real runtimes through a scripted task against a local endpoint that behaves
 * like the Anthropic Messages API (and, for Codex, the OpenAI Responses API) with prompt caching, and
 * compares the prompts they send.
 */
import { startEndpoint, type Endpoint } from "./endpoint.js";
import { ModelSession } from "./model-session.js";
import { ResponsesSession } from "./responses-session.js";
import type { Scenario } from "./scenario.js";

export { startEndpoint, type Endpoint, type Reply, type Responder } from "./endpoint.js";
export { ModelSession, simulatedClock, type LabRequest } from "./model-session.js";
export { builtInScenarios, loadScenario, parseScenario, type Scenario } from "./scenario.js";
export { runLab, type LabRunOptions } from "./runner.js";
export { summarize, type LabReport } from "./report.js";
export { writeFixtureRepo } from "./fixture-repo.js";

/**
 * The endpoint every end-to-end test points a real runtime at: the scenario's scripted model with simulated
 * caching, on a free port of 127.0.0.1. `model.requests` holds what it received.
 */
export async function startLabEndpoint(o: { scenario: Scenario; workspace: string }): Promise<Endpoint & { model: ModelSession }> {
  const model = new ModelSession(o.scenario, o.workspace);
  const responses = new ResponsesSession(o.scenario, o.workspace, model.clock, model.requests);
  const endpoint = await startEndpoint({ responder: model, responses });
  return { ...endpoint, model };
}

export * as Lab from "./lab.js";
