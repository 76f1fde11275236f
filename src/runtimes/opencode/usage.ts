/**
 * Mapping OpenCode's message and part JSON to usage observations; shared by the SQLite reader and the
 * legacy JSON-file reader, which store the same JSON shapes.
 *
 * Per-request truth is the `step-finish` part: OpenCode overwrites an assistant message's `tokens` with its
 * last step while `cost` accumulates, so a multi-step message read alone undercounts. A message's own
 * tokens are used only when it has no step-finish part, never both: a step record supersedes its message's
 * record if that was stored by an earlier run.
 *
 * `tokens.input` already excludes cache reads and writes (OpenCode normalizes every provider to that), and
 * the cache write is not split by TTL, so it is recorded as a 5-minute write.
 */
import { z } from "zod";
import type { LoggedTokens, Observation } from "../../contract/log-records.js";

const Count = z.number().nonnegative();

export const OpenCodeTokens = z.looseObject({
  input: Count.nullish(),
  output: Count.nullish(),
  reasoning: Count.nullish(),
  cache: z.looseObject({ read: Count.nullish(), write: Count.nullish() }).nullish(),
});
type OpenCodeTokens = z.infer<typeof OpenCodeTokens>;

export const AssistantMessage = z.looseObject({
  role: z.literal("assistant"),
  modelID: z.string().nullish(),
  providerID: z.string().nullish(),
  cost: z.number().nullish(),
  tokens: OpenCodeTokens.nullish(),
  path: z.looseObject({ cwd: z.string().nullish(), root: z.string().nullish() }).nullish(),
  time: z.looseObject({ created: z.number().nullish(), completed: z.number().nullish() }).nullish(),
  summary: z.unknown().optional(),
  mode: z.string().nullish(),
  agent: z.string().nullish(),
});
export type AssistantMessage = z.infer<typeof AssistantMessage>;

export const StepFinish = z.looseObject({
  type: z.literal("step-finish"),
  cost: z.number().nullish(),
  tokens: OpenCodeTokens.nullish(),
});

/** A session row: who spawned it and where it ran. */
export interface SessionInfo {
  parentId: string | null;
  directory: string | null;
  version: string | null;
}

export function tokensOf(t: OpenCodeTokens | null | undefined): LoggedTokens {
  return {
    input: Math.round(t?.input ?? 0),
    // OpenCode reports reasoning separately from output and bills it at the output rate.
    output: Math.round((t?.output ?? 0) + (t?.reasoning ?? 0)),
    reasoning: Math.round(t?.reasoning ?? 0),
    cacheRead: Math.round(t?.cache?.read ?? 0),
    cacheWrite5m: Math.round(t?.cache?.write ?? 0),
    cacheWrite1h: 0,
  };
}

export function rootOf(sessionId: string, sessions: ReadonlyMap<string, SessionInfo>): string {
  let id = sessionId;
  for (let depth = 0; depth < 32; depth++) {
    const parent = sessions.get(id)?.parentId;
    if (!parent) return id;
    id = parent;
  }
  return id;
}

interface Base {
  sessionId: string;
  message: AssistantMessage;
  sessions: ReadonlyMap<string, SessionInfo>;
}

function common(b: Base): Omit<Observation, "key" | "ts" | "tokens" | "reportedCostUsd" | "ref"> {
  const info = b.sessions.get(b.sessionId);
  const parent = info?.parentId ?? null;
  return {
    sessionId: b.sessionId,
    parentSessionId: parent,
    rootSessionId: rootOf(b.sessionId, b.sessions),
    isSubagent: parent !== null,
    project: b.message.path?.cwd ?? info?.directory ?? null,
    model: b.message.modelID ?? "unknown",
    provider: b.message.providerID ?? null,
    version: info?.version ?? null,
  };
}

/** A request from one step-finish part of an assistant message. */
export function stepObservation(
  b: Base & { partId: string; messageId: string; ts: number; step: z.infer<typeof StepFinish>; ref: string },
): Observation {
  return {
    ...common(b),
    key: `prt:${b.partId}`,
    ts: b.ts,
    tokens: tokensOf(b.step.tokens),
    reportedCostUsd: b.step.cost ?? null,
    supersedes: [`msg:${b.messageId}`],
    ref: b.ref,
  };
}

/** A request from an assistant message that has no step-finish parts (older OpenCode). */
export function messageObservation(b: Base & { messageId: string; ts: number; ref: string }): Observation {
  return {
    ...common(b),
    key: `msg:${b.messageId}`,
    ts: b.ts,
    tokens: tokensOf(b.message.tokens),
    reportedCostUsd: b.message.cost ?? null,
    ref: b.ref,
  };
}

export function isSummary(message: AssistantMessage): boolean {
  return message.summary === true || message.mode === "compaction" || message.agent === "compaction";
}
