/**
 * The gateway's budgets: what it has spent per local day and per session, and each runtime's recent cache hit
 * rate, from the exchanges it passed through (an ExchangeSink), and, with a hard limit, the refusal of a
 * request once a spend budget is used up (a RequestGate).
 *
 * Spend is each exchange's usage priced at the request's time (the user's price overrides included, as every
 * command prices). A model without a price adds nothing and is said once on the log, never counted as $0
 * silently. Days are the person's local days (the process's time zone), since a "daily" budget is read
 * against their own calendar. Spend before this gateway started comes from a SpendHistory (the gateway's
 * own records in quartet's database), so a restart neither resets the budgets nor repeats their alerts.
 *
 * Alerts go to an AlertSink (alerts.ts) once each: at 80% and at 100% of a budget, once per day or session;
 * below the hit-rate floor once, then again only after the rate has come back above it.
 */
import { BoundedMap } from "../core/bounded-map.js";
import type { Pricing } from "../core/pricing.js";
import { fmtUsd } from "../core/output.js";
import { costOf } from "../ledger/derive.js";
import { sessionOf } from "../prefix/tracker.js";
import type { AlertSink } from "./alerts.js";
import type { BudgetSettings } from "./budget-config.js";
import { usageOf } from "./diagnose.js";
import type { Exchange, ExchangeSink, GateRequest, Refusal, RequestGate } from "./exchange.js";

/** The share of a budget at which the person is warned. */
export const WARN_SHARE = 0.8;

/** Sessions whose spend is kept in memory; the oldest are forgotten past this (and re-read from the history). */
const MAX_SESSIONS = 10_000;

/** What was spent before this gateway started: its own stored records. */
export interface SpendHistory {
  /** USD spent on requests that arrived from `from` up to, not including, `until`. */
  spentBetween(from: number, until: number): number;
  /** USD spent in one session on requests that arrived before `until`. */
  spentInSession(session: string, until: number): number;
}

export interface BudgetOptions {
  settings: BudgetSettings;
  pricing: Pricing;
  /** The runtime a request came from, by its headers (the CLI builds it from the registry's user-agents). */
  runtimeOf(headers: Readonly<Record<string, string>>): string | null;
  alert: AlertSink;
  history?: SpendHistory;
  /** The gateway's own log (a model without a price); stderr by default. */
  log?(line: string): void;
  now?(): number;
}

type Level = "warning" | "limit";

interface Tally {
  spent: number;
  alerted: Set<Level>;
}

interface HitWindow {
  requests: { read: number; prompt: number }[];
  /** False once the floor alert went out, until the rate is back at or above the floor. */
  armed: boolean;
}

/** The local day `ts` falls in: its date (YYYY-MM-DD) and its first millisecond. */
export function localDay(ts: number): { key: string; start: number } {
  const d = new Date(ts);
  const start = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const key = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  return { key, start };
}

export class Budget implements ExchangeSink, RequestGate {
  private readonly startedAt: number;
  private day: (Tally & { key: string }) | null = null;
  private readonly sessions = new BoundedMap<string, Tally>(MAX_SESSIONS);
  private readonly windows = new Map<string, HitWindow>();
  private readonly unpriced = new Set<string>();
  private readonly log: (line: string) => void;

  constructor(private readonly o: BudgetOptions) {
    this.startedAt = (o.now ?? Date.now)();
    this.log = o.log ?? ((line) => process.stderr.write(`quartet gateway: ${line}\n`));
  }

  /** Spend today (local day of `at`) and in a session so far. */
  spent(at: number, session?: string): { today: number; session: number | null } {
    return { today: this.dayOf(at).spent, session: session ? this.sessionOf(session).spent : null };
  }

  record(e: Exchange): void {
    try {
      this.take(e);
    } catch (error) {
      // The proxy must never see a budget's failure; the request it describes has already been answered.
      this.log(`budgets: could not count a request: ${(error as Error).message}`);
    }
  }

  check(r: GateRequest): Refusal | null {
    const s = this.o.settings;
    if (!s.hardLimit) return null;
    if (s.dailyUsd !== null) {
      const day = this.dayOf(r.at);
      if (day.spent >= s.dailyUsd) {
        return this.refusal(
          `the daily budget is used up: ${fmtUsd(day.spent)} of ${fmtUsd(s.dailyUsd)} spent today (${day.key}); it starts again at midnight`,
          "dailyUsd",
          s.origin.dailyUsd,
        );
      }
    }
    if (s.sessionUsd !== null && r.session) {
      const tally = this.sessionOf(r.session);
      if (tally.spent >= s.sessionUsd) {
        return this.refusal(
          `this session's budget is used up: ${fmtUsd(tally.spent)} of ${fmtUsd(s.sessionUsd)} spent in session ${r.session}; a new session starts with a budget of its own`,
          "sessionUsd",
          s.origin.sessionUsd,
        );
      }
    }
    return null;
  }

  /**
   * 400 invalid_request_error, as Anthropic's API answers an organisation past its own spend limit ("You have
   * reached your specified API usage limits"). Checked with Claude Code 2.1.197: it shows a 400's message as it
   * is ("API Error: 400 …") and does not retry it; it retries a 429 for minutes (the reason hidden behind a
   * spinner, and waiting cannot help here), and shows a 403 as "Failed to authenticate", which would send the
   * person to their key. OpenCode's AI SDK retries only 408, 409, 429 and 5xx.
   */
  private refusal(why: string, key: string, file: string | null): Refusal {
    return {
      status: 400,
      type: "invalid_request_error",
      message: `quartet gateway: ${why}. Raise gateway.budgets.${key} in ${file ?? "quartet's config.jsonc"}, or set gateway.budgets.hardLimit to false to let requests through.`,
    };
  }

  private take(e: Exchange): void {
    if (!e.usage) return;
    const usage = usageOf(e.usage);
    const model = e.model ?? (e.request as { model?: unknown } | null)?.model;
    const cost = typeof model === "string" ? costOf(this.o.pricing, { model, ts: e.at, speed: null, ...usage }) : null;
    if (cost === null) {
      const name = typeof model === "string" ? model : "(no model)";
      if (!this.unpriced.has(name)) {
        this.unpriced.add(name);
        this.log(`budgets: no price for ${name}: its requests count toward no budget (add it to the price override file)`);
      }
    } else {
      this.spend(e, cost);
    }
    this.watchHitRate(e, usage.cacheRead, usage.input + usage.cacheWrite5m + usage.cacheWrite1h + usage.cacheRead);
  }

  private spend(e: Exchange, cost: number): void {
    const s = this.o.settings;
    const day = this.dayOf(e.at);
    day.spent += cost;
    this.cross(day, s.dailyUsd, (level) => ({
      kind: `daily-${level}`,
      session: null,
      message: `${level === "limit" ? "daily budget used up" : "daily budget"}: ${fmtUsd(day.spent)} of ${fmtUsd(s.dailyUsd!)} spent today${this.after(level)}`,
    }));
    const session = sessionOf(e.headers, e.request);
    if (!session) return;
    const tally = this.sessionOf(session);
    tally.spent += cost;
    this.cross(tally, s.sessionUsd, (level) => ({
      kind: `session-${level}`,
      session,
      message: `${level === "limit" ? "session budget used up" : "session budget"}: ${fmtUsd(tally.spent)} of ${fmtUsd(s.sessionUsd!)} spent in session ${session}${this.after(level)}`,
    }));
  }

  /** What happens next, said with the alert at 100%; the percentage with the warning. */
  private after(level: Level): string {
    if (level === "warning") return ` (${Math.round(WARN_SHARE * 100)}% reached)`;
    return this.o.settings.hardLimit
      ? "; further requests are refused (gateway.budgets.hardLimit)"
      : "; requests still go through (gateway.budgets.hardLimit is off)";
  }

  /** Alerts once per level, the highest reached: a request that jumps past both says only that the budget is used up. */
  private cross(tally: Tally, limit: number | null, make: (level: Level) => { kind: string; session: string | null; message: string }) {
    if (limit === null) return;
    const level: Level | null = tally.spent >= limit ? "limit" : tally.spent >= limit * WARN_SHARE ? "warning" : null;
    if (level === null || tally.alerted.has(level)) return;
    tally.alerted.add("warning");
    if (level === "limit") tally.alerted.add("limit");
    this.o.alert({ ...make(level), runtime: null });
  }

  /** The levels a budget had already reached before this gateway started: their alerts went out then. */
  private seeded(spent: number, limit: number | null): Tally {
    const alerted = new Set<Level>();
    if (limit !== null && spent >= limit * WARN_SHARE) alerted.add("warning");
    if (limit !== null && spent >= limit) alerted.add("limit");
    return { spent, alerted };
  }

  private dayOf(at: number): Tally & { key: string } {
    const { key, start } = localDay(at);
    if (this.day?.key !== key) {
      const before = this.o.history && start < this.startedAt ? this.o.history.spentBetween(start, this.startedAt) : 0;
      this.day = { key, ...this.seeded(before, this.o.settings.dailyUsd) };
    }
    return this.day;
  }

  private sessionOf(session: string): Tally {
    let tally = this.sessions.get(session);
    if (!tally) {
      tally = this.seeded(this.o.history?.spentInSession(session, this.startedAt) ?? 0, this.o.settings.sessionUsd);
      this.sessions.set(session, tally);
    }
    return tally;
  }

  /** Over the runtime's last `hitRateWindow` requests with a prompt: cache reads over all prompt tokens. */
  private watchHitRate(e: Exchange, read: number, prompt: number): void {
    const floors = this.o.settings.hitRateFloor;
    const runtime = this.o.runtimeOf(e.headers);
    const floor = (runtime !== null ? floors[runtime] : undefined) ?? floors["*"];
    if (floor === undefined || prompt === 0 || e.status >= 400) return;
    const key = runtime ?? "other clients";
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = { requests: [], armed: true }));
    w.requests.push({ read, prompt });
    const size = this.o.settings.hitRateWindow;
    if (w.requests.length > size) w.requests.shift();
    if (w.requests.length < size) return;
    const rate = w.requests.reduce((a, r) => a + r.read, 0) / w.requests.reduce((a, r) => a + r.prompt, 0);
    if (rate >= floor) {
      w.armed = true;
    } else if (w.armed) {
      w.armed = false;
      this.o.alert({
        kind: "hit-rate",
        session: null,
        runtime,
        message: `${key}: cache hit rate ${Math.round(rate * 100)}% over its last ${size} requests, below the floor of ${Math.round(floor * 100)}% (\`quartet cache\` names the breaks)`,
      });
    }
  }
}
