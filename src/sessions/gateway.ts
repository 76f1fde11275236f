/**
 * Sessions started through quartet's gateway (`quartet run --gateway`, a board task started with it): the
 * runtime's requests go to the gateway running for this data folder, which records, diagnoses and budgets
 * them. The runtime says how it is pointed there (its GatewayClient); this module finds the gateway and
 * refuses, before anything is created, when none runs or the runtime cannot use one.
 */
import { NamedError, UsageError } from "../core/errors.js";
import { runningGateway } from "../gateway/running.js";
import type { RuntimeAdapter } from "../runtimes/types.js";

/** `--gateway` with no gateway running for this data folder. */
export const NoGatewayError = NamedError.create<"NoGatewayError", { message: string }>("NoGatewayError");

export interface SessionGateway {
  url: string;
  /** The variables to add to the session's environment, given the one it would have without the gateway. */
  env(env: NodeJS.ProcessEnv): Record<string, string>;
}

/** The running gateway and how `runtime` is pointed at it; throws when there is none or the runtime cannot. */
export function sessionGateway(o: { dataDir: string; runtime: RuntimeAdapter }): SessionGateway {
  const client = o.runtime.gateway;
  if (!client) throw new UsageError(`${o.runtime.displayName} cannot be started through quartet's gateway`);
  if (!client.supported) throw new UsageError(`${o.runtime.displayName} cannot be started through quartet's gateway: ${client.reason}`);
  const running = runningGateway(o.dataDir);
  if (!running) throw new NoGatewayError({ message: "no gateway is running; start one with `quartet gateway`" });
  return { url: running.url, env: (env) => client.env({ url: running.url, env }) };
}
