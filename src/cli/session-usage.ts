/**
 * What agent sessions cost, from the Layer 1 ledger: brings the ledger up to date for the sessions'
 * runtimes, then sums the requests of each runtime session id (and, for the board's review, lists their cache
 * breaks with the gateway's explanation where it has one). Shared by `ps`, the task commands and the board
 * (which refreshes it at most every few seconds).
 */
import type { Db } from "../core/db.js";
import { lookupEnv } from "../core/paths.js";
import { userPricing, type Pricing } from "../core/pricing.js";
import { breakText, explainedTimeline } from "../gateway/report.js";
import { Ledger, type Figures } from "../ledger/ledger.js";
import type { CostFigures, TaskCacheBreak } from "../review/review.js";
import { RUNTIMES } from "../runtimes/registry.js";
import type { RuntimeAdapter, RuntimeId } from "../runtimes/types.js";
import type { SessionRow } from "../sessions/registry.js";

export class SessionUsage {
  private lastRefresh = 0;
  /** Loaded once: the board refreshes every few seconds. */
  private pricing?: Promise<Pricing>;
  /** Figures by runtime and runtime session id, as of the last refresh. */
  private readonly known = new Map<string, Figures | null>();

  constructor(private readonly db: Db) {
    // The ledger's tables exist before the first query, even when no log has been read yet.
    Ledger.prepareLedger(db);
  }

  /**
   * Reads new log lines of these sessions' runtimes (skipped when done less than `minIntervalMs` ago), and
   * takes their figures from the ledger exactly as this update left it.
   */
  async refresh(sessions: readonly SessionRow[], minIntervalMs = 0): Promise<void> {
    if (Date.now() - this.lastRefresh < minIntervalMs) return;
    const runtimes = [...new Set(sessions.map((s) => s.runtime))]
      .map((id) => RUNTIMES.get(id))
      .filter((r): r is RuntimeAdapter => r !== undefined);
    if (runtimes.length === 0) return;
    this.pricing ??= userPricing();
    await Ledger.ingest({ db: this.db, env: lookupEnv(), pricing: await this.pricing, runtimes, snapshot: true });
    try {
      this.known.clear();
      for (const s of sessions) {
        if (!s.runtimeSessionId) continue;
        this.known.set(`${s.runtime}\u0000${s.runtimeSessionId}`, this.query(s.runtime, s.runtimeSessionId));
      }
    } finally {
      Ledger.endSnapshot(this.db);
    }
    this.lastRefresh = Date.now();
  }

  /** One session's figures (as of the last refresh, if it was among them); null when the ledger has no request of it. */
  figures(session: SessionRow): Figures | null {
    if (!session.runtimeSessionId) return null;
    const key = `${session.runtime}\u0000${session.runtimeSessionId}`;
    if (this.known.has(key)) return this.known.get(key)!;
    return this.query(session.runtime, session.runtimeSessionId);
  }

  private query(runtime: RuntimeId, runtimeSessionId: string): Figures | null {
    const f = Ledger.totals(this.db, { session: runtimeSessionId, runtimes: [runtime] });
    return f.requests > 0 ? f : null;
  }

  /** The cache breaks of several sessions' requests, oldest first, explained as `quartet cache <session>` explains them. */
  cacheBreaks(sessions: readonly SessionRow[]): TaskCacheBreak[] {
    const out: TaskCacheBreak[] = [];
    for (const s of sessions) {
      if (!s.runtimeSessionId) continue;
      for (const r of explainedTimeline(this.db, s.runtimeSessionId)) {
        if (r.runtime !== s.runtime || r.breakSource === null) continue;
        const excerpt = r.breakSource === "gateway" ? r.gateway!.break!.excerpt : null;
        out.push({ ts: r.ts, model: r.model, source: r.breakSource, text: breakText(r), excerpt, taxUsd: r.taxUsd });
      }
    }
    return out.sort((a, b) => a.ts - b.ts);
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
