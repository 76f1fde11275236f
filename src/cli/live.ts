/**
 * `quartet live`: the current 5-hour block and the current week — spend, tokens, burn rate, projection to
 * the block's end, hit rate and cache tax, per runtime and in total — redrawn in place on a terminal.
 *
 * On a terminal it reads new log lines and redraws every --interval seconds until Ctrl-C or SIGTERM, with
 * the cursor hidden meanwhile and shown again however it ends. Piped, or with --json, it prints one snapshot
 * and exits, so scripts and tests get the same figures.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import { clockNow } from "../core/clock.js";
import { errorMessage, UsageError } from "../core/errors.js";
import { colors, renderJson, terminalSafe } from "../core/output.js";
import { dayKey } from "../core/time.js";
import { Ledger } from "../ledger/ledger.js";
import { liveSnapshot, type LiveSnapshot } from "../ledger/live.js";
import { noDataMessage, openReport, printWarnings, reportFlags, reportWarnings, type ReportContext, type ReportFlags } from "./context.js";
import { liveJson, liveScreen } from "./live-view.js";

type LiveFlags = ReportFlags & { interval: string };

const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";
/** Cursor to the top left; each line then clears its rest, and the screen below the frame is cleared. */
const HOME = "\x1b[H";
const CLEAR_LINE = "\x1b[K";
const CLEAR_BELOW = "\x1b[J";
const CLEAR_SCREEN = "\x1b[2J";

export function registerLive(program: Command): void {
  reportFlags(
    program
      .command("live")
      .description("the current 5-hour block and week, per runtime: spend, burn rate, projection, hit rate, cache tax; redrawn live")
      .option("--interval <seconds>", "seconds between refreshes on a terminal (1 to 3600)", "5")
      .option("--project <text>", "only projects whose path contains this text")
      .option("--json", "print one snapshot as JSON and exit"),
    { filters: false, formats: false },
  )
    .addHelpText(
      "after",
      [
        "",
        "On a terminal it refreshes until Ctrl-C; piped or with --json it prints one snapshot and exits.",
        "Blocks are cut as `quartet usage --by block` cuts them: five hours from the UTC hour of their first request.",
        "Burn rate is the block's spend over the time since its first request; the projection assumes that pace holds.",
        "",
        "Examples:",
        "  $ quartet live                          # redraws every 5 seconds",
        "  $ quartet live --interval 30 --runtime claude",
        "  $ quartet live --json | jq .block.totals.projectedCostUsd",
        "",
      ].join("\n"),
    )
    .action((flags: LiveFlags) => liveCommand(flags));
}

export async function liveCommand(flags: LiveFlags): Promise<void> {
  const seconds = Number(flags.interval);
  if (!/^\d+(\.\d+)?$/.test(flags.interval.trim()) || seconds < 1 || seconds > 3600)
    throw new UsageError(`--interval must be a number of seconds from 1 to 3600 (got "${flags.interval}")`);
  const ctx = await openReport(flags);
  if (ctx.format === "json") {
    const s = snapshot(ctx);
    process.stdout.write(renderJson({ ...liveJson(s, ctx.tz), warnings: reportWarnings(ctx) }));
    return;
  }
  if (!process.stdout.isTTY) {
    process.stdout.write(await screen(ctx, snapshot(ctx), `quartet live · ${stamp(clockNow(), ctx.tz)}`));
    printWarnings(reportWarnings(ctx));
    return;
  }
  await watch(ctx, seconds);
}

function snapshot(ctx: ReportContext): LiveSnapshot {
  return liveSnapshot(ctx.db, { scope: { runtimes: ctx.filters.runtimes, project: ctx.filters.project }, tz: ctx.tz, now: clockNow() });
}

function screen(ctx: ReportContext, s: LiveSnapshot, header: string): Promise<string> {
  // Nothing from the selected runtimes at all (a --project filter can miss a ledger that has data).
  const empty = s.lastActivity === null && !ctx.filters.project ? noDataMessage(ctx) : undefined;
  return liveScreen(s, { tz: ctx.tz, runtimes: ctx.runtimes.map((r) => r.id), header, empty });
}

const stamp = (ts: number, tz: string) =>
  `${dayKey(ts, tz)} ${new Intl.DateTimeFormat("en-GB", { timeZone: tz, timeStyle: "medium", hourCycle: "h23" }).format(ts)} (${tz})`;

/** Redraws until a signal ends the process; the cursor comes back on every way out. */
async function watch(ctx: ReportContext, seconds: number): Promise<never> {
  const out = process.stdout;
  out.write(HIDE_CURSOR + CLEAR_SCREEN);
  process.on("exit", () => out.write(SHOW_CURSOR));
  // Ctrl-C is how a live view is meant to end: a normal exit, not a failure.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => process.exit(0));
  let problem = "";
  for (;;) {
    const header = `quartet live · ${stamp(clockNow(), ctx.tz)} · every ${seconds}s · Ctrl-C to stop`;
    const text = (await screen(ctx, snapshot(ctx), header)) + (problem && `\n${colors.yellow("warning:")} ${terminalSafe(problem)}\n`);
    out.write(HOME + text.replaceAll("\n", `${CLEAR_LINE}\n`) + CLEAR_BELOW);
    await sleep(seconds * 1000);
    problem = await refresh(ctx);
  }
}

/** Reads what is new, unless another process is doing it; returns why it could not, or "". */
async function refresh(ctx: ReportContext): Promise<string> {
  Ledger.endSnapshot(ctx.db);
  try {
    const { env, pricing, runtimes } = ctx;
    await Ledger.ingest({ db: ctx.db, env, pricing, runtimes, snapshot: true, skipIfBusy: true });
    return "";
  } catch (e) {
    if (!ctx.db.inTransaction) ctx.db.exec("BEGIN");
    return `could not read new log lines: ${errorMessage(e)}`;
  }
}
