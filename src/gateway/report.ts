/**
 * What the gateway's records tell a person: beside the ledger's requests (for each log-derived request the
 * gateway also saw, by response message id, its block, cause and diff; the logs' inference for the others)
 * and on their own (`quartet gateway breaks`). The gateway's rows only explain: usage and cost stay the
 * ledger's, so no request is counted twice.
 */
import type { Db } from "../core/db.js";
import { fmtTokens, fmtUsd, plural, renderJson, renderTable, type Column } from "../core/output.js";
import { CAUSE_TEXT, type Cause } from "../prefix/classify.js";
import { gatewayBreaks, gatewayDisagreements, gatewayRecordsByMessage, type GatewayRecord } from "./store.js";

/** The response message id in a ledger request key (Claude's is `message.id:requestId`). */
export function messageIdOfKey(requestKey: string): string {
  return requestKey.split(":")[0]!;
}

/** Each row with the gateway's record of the same request, or null when the gateway did not see it. */
export function withGatewayRecords<R extends { requestKey: string }>(
  db: Db,
  rows: readonly R[],
): (R & { gateway: GatewayRecord | null })[] {
  const found = gatewayRecordsByMessage(
    db,
    rows.map((r) => messageIdOfKey(r.requestKey)),
  );
  return rows.map((r) => ({ ...r, gateway: found.get(messageIdOfKey(r.requestKey)) ?? null }));
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
      for (const r of diffs) out.push(`  ${new Date(r.at).toISOString().slice(11, 19)} ${r.break!.block ?? ""} ${r.break!.excerpt}`);
    }
  }
  if (disagreements.length > 0) {
    out.push("Where the real cache behaved unlike the documented rules:");
    for (const r of disagreements)
      out.push(`  ${new Date(r.at).toISOString().slice(0, 19).replace("T", " ")} ${r.model ?? ""}: ${r.disagreement}`);
  }
  return out.join("\n") + "\n";
}
