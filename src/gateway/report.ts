/**
 * What the gateway's records tell a person: beside the ledger's requests (for each log-derived request the
 * gateway also saw, joined as withGatewayRecords says, its block, cause and diff; the logs' inference for the others)
 * and on their own (`quartet gateway breaks`). The gateway's rows only explain: usage and cost stay the
 * ledger's, so no request is counted twice.
 */
import type { Db } from "../core/db.js";
import { fmtTokens, fmtUsd, plural, renderJson, renderTable, terminalSafe, type Column } from "../core/output.js";
import { CAUSE_TEXT, type Cause } from "../prefix/classify.js";
import { CAUSE_LABEL, Ledger, type BreakCause, type TimelineRow } from "../ledger/ledger.js";
import { gatewayBreaks, gatewayDisagreements, gatewayRecordsByMessage, gatewayRecordsOfSessions, type GatewayRecord } from "./store.js";

/** The response message id in a ledger request key (Claude's is `message.id:requestId`). */
export function messageIdOfKey(requestKey: string): string {
  return requestKey.split(":")[0]!;
}

/**
 * Whether a ledger key names the API's response. OpenCode's do not (`prt:<part id>`, `msg:<message id>`: its
 * own ids; OpenCode 1.18.33 keeps no id of the API's response in its database).
 */
export function keyNamesResponse(requestKey: string): boolean {
  return !/^(prt|msg):/.test(requestKey);
}

/**
 * How far before the gateway's exchange (from the request's arrival to the response's end) a ledger request's
 * time may lie: the runtime stamps its record around then, not at either end exactly.
 */
export const NEAR_EXCHANGE_MS = 5_000;
/**
 * How long after the exchange's end it may lie: OpenCode stamps a step when it finishes, which is after the
 * tools the response called have run (a test suite: minutes), and later still on a loaded machine.
 */
const LATE_STAMP_MS = 60 * 60_000;
/** The longest exchange looked for: a long stream, at most a cache TTL or so. */
const LONGEST_EXCHANGE_MS = 60 * 60_000;

/** What the join reads of a ledger request. */
export interface JoinableRow {
  requestKey: string;
  sessionId: string;
  model: string;
  ts: number;
  input: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  output: number;
}

function sameRequest(r: JoinableRow, g: GatewayRecord): boolean {
  const u = g.usage;
  return (
    u !== null &&
    g.session === r.sessionId &&
    g.model === r.model &&
    u.input === r.input &&
    u.cacheRead === r.cacheRead &&
    // OpenCode counts one cache write, whatever its TTL.
    u.cacheWrite5m + u.cacheWrite1h === r.cacheWrite5m + r.cacheWrite1h &&
    u.output === r.output &&
    r.ts >= g.at - NEAR_EXCHANGE_MS &&
    r.ts <= g.at + g.durationMs + LATE_STAMP_MS
  );
}

/**
 * Each row with the gateway's record of the same request, or null when the gateway did not see it.
 *
 * A row whose key names the response (Claude Code) joins by response message id. A row whose key does not
 * (OpenCode) joins a record of the same session (OpenCode's `x-session-id` is its session id), model and usage
 * tokens whose exchange ran up to NEAR_EXCHANGE_MS after the row's time or LATE_STAMP_MS before it, the nearest
 * such record, each record joined at most once: two requests of one session with equal usage within seconds can be
 * swapped (their explanations, not their counts), and a request whose model the gateway saw under another name is
 * not joined.
 */
export function withGatewayRecords<R extends JoinableRow>(db: Db, rows: readonly R[]): (R & { gateway: GatewayRecord | null })[] {
  const keyed = gatewayRecordsByMessage(
    db,
    rows.filter((r) => keyNamesResponse(r.requestKey)).map((r) => messageIdOfKey(r.requestKey)),
  );
  const joined = new Map<R, GatewayRecord>();
  for (const r of rows) {
    const g = keyNamesResponse(r.requestKey) ? keyed.get(messageIdOfKey(r.requestKey)) : undefined;
    if (g) joined.set(r, g);
  }
  const unkeyed = rows.filter((r) => !keyNamesResponse(r.requestKey));
  if (unkeyed.length > 0) {
    const times = unkeyed.map((r) => r.ts);
    // An exchange may start up to its duration and the step's tools before the row's time.
    const candidates = gatewayRecordsOfSessions(
      db,
      unkeyed.map((r) => r.sessionId),
      Math.min(...times) - LONGEST_EXCHANGE_MS - LATE_STAMP_MS,
      Math.max(...times) + NEAR_EXCHANGE_MS,
    );
    const taken = new Set<string>([...joined.values()].map((g) => g.exchangeId));
    for (const r of [...unkeyed].sort((a, b) => a.ts - b.ts)) {
      const end = (g: GatewayRecord) => Math.abs(r.ts - (g.at + g.durationMs));
      const best = candidates.filter((g) => !taken.has(g.exchangeId) && sameRequest(r, g)).sort((a, b) => end(a) - end(b))[0];
      if (!best) continue;
      taken.add(best.exchangeId);
      joined.set(r, best);
    }
  }
  return rows.map((r) => ({ ...r, gateway: joined.get(r) ?? null }));
}

/** Who explains a request's break: the gateway, which saw the request, or the logs' inference. */
export function breakSource(r: { isBreak: boolean; gateway: GatewayRecord | null }): "gateway" | "log" | null {
  if (r.gateway?.break) return "gateway";
  return r.isBreak ? "log" : null;
}

/** A break as `quartet cache` and the board show it, marked `[gateway]` or `[log]`; "" for no break. */
export function breakText(r: { isBreak: boolean; cause: BreakCause | null; gateway: GatewayRecord | null }): string {
  const source = breakSource(r);
  if (source === "gateway") return `${describeGatewayBreak(r.gateway!.break!)} [gateway]`;
  if (source === "log") return `${r.cause ? CAUSE_LABEL[r.cause] : "yes"} [log]`;
  return "";
}

/** A session's requests (its root and subagents), each with the gateway's record of it and who explains its break. */
export function explainedTimeline(
  db: Db,
  session: string,
): (TimelineRow & { gateway: GatewayRecord | null; breakSource: "gateway" | "log" | null })[] {
  return withGatewayRecords(db, Ledger.timeline(db, session)).map((r) => ({ ...r, breakSource: breakSource(r) }));
}

/** A gateway break in words: `tool description changed at tools[Bash] (Bash)`. */
export function describeGatewayBreak(b: NonNullable<GatewayRecord["break"]>): string {
  const text = CAUSE_TEXT[b.cause as Cause] ?? b.cause;
  return `${text}${b.block ? ` at ${b.block}` : ""}${b.detail ? ` (${b.detail})` : ""}`;
}

export interface BreaksReportOptions {
  /** Epoch ms: only requests from then on. */
  since: number;
  format: "table" | "json";
}

/**
 * `quartet gateway breaks`: the breaks the gateway recorded since a time (block, cause, tokens, cost, the
 * API's own reason, the diff), then the requests where the real cache behaved unlike the documented rules.
 */
export async function gatewayBreaksReport(db: Db, o: BreaksReportOptions): Promise<string> {
  const breaks = gatewayBreaks(db, o.since);
  const disagreements = gatewayDisagreements(db, o.since);
  const iso = (r: GatewayRecord) => ({ ...r, at: new Date(r.at).toISOString() });
  if (o.format === "json") {
    return renderJson({ since: new Date(o.since).toISOString(), breaks: breaks.map(iso), disagreements: disagreements.map(iso) });
  }
  if (breaks.length === 0 && disagreements.length === 0)
    return `No cache break recorded by the gateway since ${new Date(o.since).toISOString().slice(0, 16).replace("T", " ")} UTC.\n`;
  const out: string[] = [];
  if (breaks.length > 0) {
    const columns: Column<GatewayRecord>[] = [
      { header: "Time (UTC)", value: (r) => new Date(r.at).toISOString().slice(0, 19).replace("T", " ") },
      { header: "Session", value: (r) => r.session ?? "", fit: "middle", minWidth: 10, hideOrder: 2 },
      { header: "Model", value: (r) => r.model ?? "", hideOrder: 1 },
      { header: "Break", value: (r) => describeGatewayBreak(r.break!) },
      { header: "Lost", value: (r) => r.break!.lostTokens, format: (v) => fmtTokens(v as number), align: "right" },
      { header: "Cost", value: (r) => r.break!.costUsd, format: (v) => fmtUsd(v as number | null), align: "right" },
      { header: "API says", value: (r) => r.apiReason ?? "", hideOrder: 3 },
    ];
    out.push(
      `${plural(breaks.length, "cache break")}, ${fmtTokens(breaks.reduce((s, r) => s + r.break!.lostTokens, 0))} tokens not read from cache`,
    );
    out.push(await renderTable(breaks, columns));
    const diffs = breaks.filter((r) => r.break!.excerpt);
    if (diffs.length > 0) {
      out.push("What changed:");
      for (const r of diffs)
        out.push(`  ${new Date(r.at).toISOString().slice(11, 19)} ${r.break!.block ?? ""} ${terminalSafe(r.break!.excerpt!)}`);
    }
  }
  if (disagreements.length > 0) {
    out.push("Where the real cache behaved unlike the documented rules:");
    for (const r of disagreements)
      out.push(`  ${new Date(r.at).toISOString().slice(0, 19).replace("T", " ")} ${r.model ?? ""}: ${r.disagreement}`);
  }
  return out.join("\n") + "\n";
}
