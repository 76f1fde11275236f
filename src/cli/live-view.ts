/**
 * How `quartet live` and `quartet statusline` show the ledger as it stands now: the live screen, its JSON,
 * and the status line. Pure functions of a snapshot and the time, so each can be checked without a terminal.
 */
import { fmtPercent, fmtTokens, fmtUsd, renderTable, round6, type Column } from "../core/output.js";
import { dayKey } from "../core/time.js";
import type { Figures } from "../ledger/ledger.js";
import type { LiveBlock, LiveSnapshot, Pace } from "../ledger/live.js";

/** Money in a short view: an unknown price never reads as $0, and a partly known sum is a lower bound (≥). */
export function spend(exact: number | null, known: number): string {
  if (exact !== null) return fmtUsd(exact);
  return known > 0 ? `≥${fmtUsd(known)}` : "unknown";
}

/** 3d04h, 2h13m, 13m, <1m: rounded down, so time left is never overstated. */
export function duration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return "<1m";
  const [d, h, m] = [Math.floor(minutes / 1440), Math.floor(minutes / 60) % 24, minutes % 60];
  const pad = (n: number) => String(n).padStart(2, "0");
  return d > 0 ? `${d}d${pad(h)}h` : h > 0 ? `${h}h${pad(m)}m` : `${m}m`;
}

/** `$1.23 session · hit 87% · tax $0.11` */
export function sessionPart(f: Figures): string {
  // A session with nothing in the ledger yet (its first answer not written) has no cost to show, not $0.
  if (f.requests === 0) return "session: no requests yet";
  const hit = f.cacheHitRate === null ? "–" : `${Math.round(f.cacheHitRate * 100)}%`;
  return `${spend(f.costUsd, f.knownCostUsd)} session · hit ${hit} · tax ${spend(f.cacheTaxUsd, f.knownCacheTaxUsd)}`;
}

/** `block $4.56 (2h13m left)`, or what there is when no block is running. */
export function blockPart(block: LiveBlock | null, now: number): string {
  if (!block) return "no usage in the ledger yet";
  if (block.end <= now) return `no active block (last request ${duration(now - block.lastTs)} ago)`;
  return `block ${spend(block.totals.costUsd, block.totals.knownCostUsd)} (${duration(block.end - now)} left)`;
}

const iso = (ts: number) => new Date(ts).toISOString();

/** Figures for programs: every field, with money and ratios rounded as every report rounds them. */
function rounded<T extends object>(figures: T): T {
  const round = (v: unknown) => (typeof v === "number" && !Number.isInteger(v) ? round6(v) : v);
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(v)])) as T;
}

/** The snapshot for programs, times as ISO strings. */
export function liveJson(s: LiveSnapshot, tz: string) {
  const b = s.block;
  return {
    now: iso(s.now),
    timeZone: tz,
    block: b && {
      start: iso(b.start),
      end: iso(b.end),
      firstRequest: iso(b.firstTs),
      lastRequest: iso(b.lastTs),
      elapsedMinutes: round6((s.now - b.firstTs) / 60_000),
      remainingMinutes: round6((b.end - s.now) / 60_000),
      rows: b.rows.map((r) => ({ runtime: r.runtime, ...rounded(r.figures), ...rounded(r.pace) })),
      totals: { ...rounded(b.totals), ...rounded(b.pace) },
    },
    lastActivity: s.lastActivity === null ? null : iso(s.lastActivity),
    week: {
      key: s.week.key,
      start: iso(s.week.start),
      rows: s.week.rows.map((r) => ({ runtime: r.runtime, ...rounded(r.figures) })),
      totals: rounded(s.week.totals),
    },
  };
}

interface ScreenRow {
  key: string;
  figures: Figures | null;
  pace?: Pace;
}

const blank = (r: ScreenRow, show: (f: Figures) => string) => (r.figures ? show(r.figures) : "–");

function screenColumns(withPace: boolean): Column<ScreenRow>[] {
  const cols: Column<ScreenRow>[] = [
    { header: "Runtime", value: (r) => r.key },
    // In a narrow terminal the counts go first: spend, pace, hit rate and tax stay.
    { header: "Requests", value: (r) => blank(r, (f) => String(f.requests)), align: "right", hideOrder: 3 },
    {
      header: "Tokens",
      value: (r) => blank(r, (f) => fmtTokens(f.inputTokens + f.cacheWriteTokens + f.cacheReadTokens + f.outputTokens)),
      align: "right",
      hideOrder: 1,
    },
    { header: "Cost", value: (r) => blank(r, (f) => spend(f.costUsd, f.knownCostUsd)), align: "right" },
  ];
  if (withPace) {
    const rate = (r: ScreenRow, show: (p: Pace) => string) => (r.pace ? show(r.pace) : "–");
    cols.push(
      { header: "$/hour", value: (r) => rate(r, (p) => (p.costPerHour === null ? "–" : fmtUsd(p.costPerHour))), align: "right" },
      {
        header: "Tokens/min",
        value: (r) => rate(r, (p) => (p.tokensPerMinute === null ? "–" : fmtTokens(p.tokensPerMinute))),
        align: "right",
        hideOrder: 2,
      },
      {
        header: "At block end",
        value: (r) => rate(r, (p) => (p.projectedCostUsd === null ? "–" : fmtUsd(p.projectedCostUsd))),
        align: "right",
      },
    );
  }
  cols.push(
    { header: "Hit rate", value: (r) => blank(r, (f) => fmtPercent(f.cacheHitRate)), align: "right" },
    { header: "Cache tax", value: (r) => blank(r, (f) => spend(f.cacheTaxUsd, f.knownCacheTaxUsd)), align: "right" },
  );
  return cols;
}

/** Every selected runtime gets a row, with or without requests, so the screen keeps its shape between redraws. */
function screenRows<R extends { runtime: string; figures: Figures; pace?: Pace }>(
  rows: readonly R[],
  runtimes: readonly string[],
): ScreenRow[] {
  return runtimes.map((id) => {
    const row = rows.find((r) => r.runtime === id);
    return { key: id, figures: row?.figures ?? null, pace: row?.pace };
  });
}

/** Hour and minute in the report's time zone. */
function clock(ts: number, tz: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(ts);
}

/** The live screen: the current block with its pace, then the week so far, per runtime and in total. */
export async function liveScreen(
  s: LiveSnapshot,
  o: { tz: string; runtimes: readonly string[]; header: string; empty?: string },
): Promise<string> {
  const lines = [o.header, ""];
  const b = s.block;
  if (b) {
    lines.push(
      `Block ${clock(b.start, o.tz)}–${clock(b.end, o.tz)} (${o.tz}): ${duration(b.end - s.now)} left; first request at ${clock(b.firstTs, o.tz)}, ${duration(s.now - b.firstTs)} ago`,
    );
    lines.push(await renderTable(screenRows(b.rows, o.runtimes), screenColumns(true), { key: "Total", figures: b.totals, pace: b.pace }));
  } else if (s.lastActivity !== null) {
    lines.push(
      `No active block: the last request was at ${dayKey(s.lastActivity, o.tz)} ${clock(s.lastActivity, o.tz)} (${o.tz}), ${duration(s.now - s.lastActivity)} ago.`,
    );
  } else {
    lines.push(o.empty ?? "No usage in the ledger yet.");
  }
  lines.push("", `Week ${s.week.key}, since ${dayKey(s.week.start, o.tz)} ${clock(s.week.start, o.tz)} (${o.tz})`);
  lines.push(await renderTable(screenRows(s.week.rows, o.runtimes), screenColumns(false), { key: "Total", figures: s.week.totals }));
  return lines.join("\n") + "\n";
}
