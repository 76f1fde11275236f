/**
 * What agent sessions cost, from the Layer 1 ledger: brings the ledger up to date for the sessions'
 * runtimes, then sums the requests of each runtime session id. Shared by `ps`, the task commands and the
 * board (which refreshes it at most every few seconds).
 */
import type { Db } from "../core/db.js";
import { lookupEnv } from "../core/paths.js";
import { loadPricing, type Pricing } from "../core/pricing.js";
import { Ledger, type Figures } from "../ledger/ledger.js";
import type { CostFigures } from "../review/review.js";
import { RUNTIMES } from "../runtimes/registry.js";
import type { RuntimeAdapter } from "../runtimes/types.js";
import type { SessionRow } from "../sessions/registry.js";
import { pricingOverrideFile } from "./context.js";

export class SessionUsage {
  private lastRefresh = 0;
  /** Loaded once: the board refreshes every few seconds. */
  private pricing?: Promise<Pricing>;

  constructor(private readonly db: Db) {
    // The ledger's tables exist before the first query, even when no log has been read yet.
    Ledger.prepareLedger(db);
  }

  /** Reads new log lines of these sessions' runtimes (skipped when done less than `minIntervalMs` ago). */
  async refresh(sessions: readonly SessionRow[], minIntervalMs = 0): Promise<void> {
    if (Date.now() - this.lastRefresh < minIntervalMs) return;
    const runtimes = [...new Set(sessions.map((s) => s.runtime))]
      .map((id) => RUNTIMES.get(id))
      .filter((r): r is RuntimeAdapter => r !== undefined);
    if (runtimes.length === 0) return;
    this.pricing ??= loadPricing({ overrideFile: pricingOverrideFile(), required: false });
    await Ledger.ingest({ db: this.db, env: lookupEnv(), pricing: await this.pricing, runtimes });
    this.lastRefresh = Date.now();
  }

  /** One session's figures; null when the ledger has no request of it (yet). */
  figures(session: SessionRow): Figures | null {
    if (!session.runtimeSessionId) return null;
    const f = Ledger.totals(this.db, { session: session.runtimeSessionId, runtimes: [session.runtime] });
    return f.requests > 0 ? f : null;
  }

  /** The figures of several sessions together (a task's, across request-changes rounds). */
  combined(sessions: readonly SessionRow[]): CostFigures | null {
    const all = sessions.map((s) => this.figures(s)).filter((f): f is Figures => f !== null);
    if (all.length === 0) return null;
    const sum = (k: keyof Figures) => all.reduce((a, f) => a + ((f[k] as number | null) ?? 0), 0);
    const prompt = sum("inputTokens") + sum("cacheWriteTokens") + sum("cacheReadTokens");
    return {
      requests: sum("requests"),
      tokens: prompt + sum("outputTokens"),
      costUsd: all.some((f) => f.costUsd === null) ? null : sum("costUsd"),
      cacheHitRate: prompt > 0 ? sum("cacheReadTokens") / prompt : null,
      cacheTaxUsd: all.some((f) => f.cacheTaxUsd === null) ? null : sum("cacheTaxUsd"),
    };
  }
}
