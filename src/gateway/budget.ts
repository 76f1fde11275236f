/**
 * The gateway's budgets: what it has spent per local day and per session, and each runtime's recent cache hit
 * rate, from the exchanges it passed through (an ExchangeSink), and, with a hard limit, the refusal of a
 * request once a spend budget is used up (a RequestGate).
 *
 * Spend is each exchange's usage priced at the request's time (the user's price overrides included, as every
 * command prices). A model without a price adds nothing and is said once on the log, never counted as $0
 * silently. Days are the person's local days (the process's time zone), since a "daily" budget is read
 * against their own calendar; a request counts on the day it arrived, even when it finishes after midnight.
 *
 * The spend is what the gateways' records in quartet's database say (a SpendHistory, budget-history.ts), read
 * again before each gated request, so a restart resets nothing and two gateways on one data folder share one
 * budget; plus what this process counted that its recorder thread has not written yet. How far a burst can go
 * past a limit: by the requests in flight when it is reached (each gateway lets a request through while the
 * spend is under the limit, and a request's cost is known only when it ends), and by what another gateway has
 * finished but its recorder not yet written (milliseconds).
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

/** Days and sessions whose spend this process keeps; the oldest are forgotten past these. */
export const MAX_DAYS = 3;
export const MAX_SESSIONS = 10_000;
/** Exchanges counted here and not yet seen stored, past which the oldest is no longer looked for in the store. */
const MAX_UNSTORED = 10_000;

/** The spend every gateway on this database has stored (budget-history.ts reads it from quartet's database). */
export interface SpendHistory {
  /** Takes in what was stored since the last call; returns the exchange ids it took in. */
  refresh(): string[];
  /** USD stored for requests that arrived in the local day `key`, from `start` up to, not including, `end`. */
  day(key: string, start: number, end: number): number;
  /** USD stored for one session. */
  session(id: string): number;
}

export interface BudgetOptions {
  settings: BudgetSettings;
  pricing: Pricing;
  /** The runtime a request came from, by its headers (the CLI builds it from the registry's user-agents). */
  runtimeOf(headers: Readonly<Record<string, string>>): string | null;
  alert: AlertSink;
  /** Without one, the budgets count only what this process saw (tests). */
  history?: SpendHistory;
  /** The gateway's own log (a model without a price); stderr by default. */
  log?(line: string): void;
}

type Level = "warning" | "limit";

/** An exchange this process counted, until the store holds it. */
interface Unstored {
  day: string;
  session: string | null;
  cost: number;
}

interface HitWindow {
  requests: { read: number; prompt: number }[];
  /** False once the floor alert went out, until the rate is back at or above the floor. */
  armed: boolean;
}

/** The local day `ts` falls in: its date (YYYY-MM-DD), its first millisecond and the next day's (23 or 25 hours on a DST change). */
export function localDay(ts: number): { key: string; start: number; end: number } {
  const d = new Date(ts);
  const start = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const end = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
  const key = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  return { key, start, end };
}

export class Budget implements ExchangeSink, RequestGate {
  /** What this process counted that the store does not hold yet (the recorder writes on its own thread), by day and session. */
  private readonly unstored = new BoundedMap<string, Unstored>(MAX_UNSTORED);
  private readonly unstoredDays = new BoundedMap<string, number>(MAX_DAYS);
  private readonly unstoredSessions = new BoundedMap<string, number>(MAX_SESSIONS);
  private readonly windows = new Map<string, HitWindow>();
  /** Lines already on the log, said once each. */
  private readonly said = new Set<string>();
  private readonly log: (line: string) => void;

  constructor(private readonly o: BudgetOptions) {
    this.log = o.log ?? ((line) => process.stderr.write(`quartet gateway: ${line}\n`));
  }

  /** Spend today (local day of `at`) and in a session so far. */
  spent(at: number, session?: string): { today: number; session: number | null } {
    this.catchUp();
    return { today: this.spentOn(localDay(at)), session: session ? this.spentIn(session) : null };
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
    if (!this.o.settings.hardLimit) return null;
    try {
      return this.gate(r);
    } catch (error) {
      // A database that cannot be read must not stop the person's work: the request goes through, and the log says so.
      this.sayOnce(
        `budgets: could not read the spend from quartet's database (${(error as Error).message}): requests go through unchecked`,
      );
      return null;
    }
  }

  private gate(r: GateRequest): Refusal | null {
    const s = this.o.settings;
    this.catchUp();
    if (s.dailyUsd !== null) {
      const day = localDay(r.at);
      const spent = this.spentOn(day);
      if (spent >= s.dailyUsd) {
        return this.refusal(
          `the daily budget is used up: ${fmtUsd(spent)} of ${fmtUsd(s.dailyUsd)} spent today (${day.key}); it starts again at midnight`,
          "dailyUsd",
          s.origin.dailyUsd,
        );
      }
    }
    if (s.sessionUsd !== null && r.session) {
      const spent = this.spentIn(r.session);
      if (spent >= s.sessionUsd) {
        return this.refusal(
          `this session's budget is used up: ${fmtUsd(spent)} of ${fmtUsd(s.sessionUsd)} spent in session ${r.session}; a new session starts with a budget of its own`,
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
      this.sayOnce(`budgets: no price for ${name}: its requests count toward no budget (add it to the price override file)`);
    } else {
      this.spend(e, cost);
    }
    this.watchHitRate(e, usage.cacheRead, usage.input + usage.cacheWrite5m + usage.cacheWrite1h + usage.cacheRead);
  }

  private spend(e: Exchange, cost: number): void {
    const s = this.o.settings;
    const day = localDay(e.at);
    const session = sessionOf(e.headers, () => e.request);
    this.unstoredDays.set(day.key, (this.unstoredDays.get(day.key) ?? 0) + cost);
    if (session) this.unstoredSessions.touch(session, (this.unstoredSessions.get(session) ?? 0) + cost);
    // Without a store nothing will ever take these over: the sums above are then the whole count.
    if (this.o.history) {
      this.unstored.set(e.id, { day: day.key, session, cost });
      this.catchUp();
    }
    const today = this.spentOn(day);
    this.cross(today - cost, today, s.dailyUsd, (level) => ({
      kind: `daily-${level}`,
      session: null,
      message: `${level === "limit" ? "daily budget used up" : "daily budget"}: ${fmtUsd(today)} of ${fmtUsd(s.dailyUsd!)} spent today${this.after(level)}`,
    }));
    if (!session) return;
    const inSession = this.spentIn(session);
    this.cross(inSession - cost, inSession, s.sessionUsd, (level) => ({
      kind: `session-${level}`,
      session,
      message: `${level === "limit" ? "session budget used up" : "session budget"}: ${fmtUsd(inSession)} of ${fmtUsd(s.sessionUsd!)} spent in session ${session}${this.after(level)}`,
    }));
  }

  private sayOnce(line: string): void {
    if (this.said.has(line)) return;
    this.said.add(line);
    this.log(line);
  }

  /** What happens next, said with the alert at 100%; the percentage with the warning. */
  private after(level: Level): string {
    if (level === "warning") return ` (${Math.round(WARN_SHARE * 100)}% reached)`;
    return this.o.settings.hardLimit
      ? "; further requests are refused (gateway.budgets.hardLimit)"
      : "; requests still go through (gateway.budgets.hardLimit is off)";
  }

  /**
   * Alerts the level this request took the spend across, the highest if it jumped past both. Spend only grows,
   * so each level is crossed once a day or session, by one request: a gateway started later, or another one on
   * the same database whose spend is folded in before this request's, finds the level already behind it and
   * says nothing.
   */
  private cross(
    before: number,
    after: number,
    limit: number | null,
    make: (level: Level) => { kind: string; session: string | null; message: string },
  ) {
    if (limit === null) return;
    const level: Level | null =
      after >= limit && before < limit ? "limit" : after >= limit * WARN_SHARE && before < limit * WARN_SHARE ? "warning" : null;
    if (level !== null) this.o.alert({ ...make(level), runtime: null });
  }

  /** Takes in what the store holds now: exchanges it holds are counted from there, no longer here. */
  private catchUp(): void {
    if (!this.o.history) return;
    for (const id of this.o.history.refresh()) {
      const u = this.unstored.get(id);
      if (!u) continue;
      this.unstored.delete(id);
      this.unstoredDays.set(u.day, (this.unstoredDays.get(u.day) ?? 0) - u.cost);
      if (u.session) this.unstoredSessions.set(u.session, (this.unstoredSessions.get(u.session) ?? 0) - u.cost);
    }
  }

  private spentOn(day: { key: string; start: number; end: number }): number {
    return (this.o.history?.day(day.key, day.start, day.end) ?? 0) + (this.unstoredDays.get(day.key) ?? 0);
  }

  private spentIn(session: string): number {
    return (this.o.history?.session(session) ?? 0) + (this.unstoredSessions.get(session) ?? 0);
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
