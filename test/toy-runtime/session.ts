/**
 * The toy's interactive session: its "TUI" is any executable (the test's is toy-agent.sh) that reports its
 * state by running record.sh, as a real runtime's hook would, with quartet's session id as its own.
 */
import type { SessionDriver } from "../../src/runtimes/types.js";

export const toySession: SessionDriver = {
  binary: "toy-agent",
  install: "the toy agent is test/toy-runtime/toy-agent.sh",
  eventsComplete: true,
  launch: (o) => ({
    argv: [o.bin, ...(o.prompt === null ? [] : [o.prompt])],
    env: { TOY_RECORD: o.recordScript, TOY_SESSION: o.sessionId },
    runtimeSessionId: o.sessionId,
  }),
  screen: () => null,
};
