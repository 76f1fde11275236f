/**
 * The gateway's records beside the ledger's: for each log-derived request the gateway also saw (the same
 * response message id), its block, cause and diff; the log's own inference for the others. The gateway's
 * rows only explain: usage and cost stay the ledger's, so no request is counted twice.
 */
import type { Db } from "../core/db.js";
import { CAUSE_TEXT, type Cause } from "../prefix/classify.js";
import { gatewayRecordsByMessage, type GatewayRecord } from "./store.js";

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
