/**
 * `quartet statusline`: one line for Claude Code's `statusLine` setting — this session's cost, cache hit rate
 * and cache tax, and the current 5-hour block's spend with the time left in it.
 *
 * Claude Code runs the command after every assistant message, with a JSON object on stdin (`session_id`,
 * `transcript_path`, `model`, `workspace`, `cost`, …), and shows the first line printed. So it must be quick and
 * must never blank the line: only the session's own transcripts are read (incrementally, as every report
 * reads), nothing at all while another quartet process is bringing the ledger up to date, and any failure
 * past the flags still prints a line and exits 0. The block counts every runtime, as `quartet live` and
 * `usage --by block` do; other sessions' spend in it is as of the last report or status line that read them.
 */
import type { Command } from "commander";
import { clockNow } from "../core/clock.js";
import { openDatabase, type Db } from "../core/db.js";
import { errorMessage } from "../core/errors.js";
import { terminalSafe } from "../core/output.js";
import { homeLedgerFile, lookupEnv, quartetPaths, type LookupEnv } from "../core/paths.js";
import { userPricing, type Pricing } from "../core/pricing.js";
import { timed } from "../core/timing.js";
import { Ledger, type IngestResult } from "../ledger/ledger.js";
import { latestBlock } from "../ledger/live.js";
import { claudeSessionSources } from "../runtimes/claude/logs.js";
import type { RuntimeAdapter } from "../runtimes/types.js";
import { blockPart, sessionPart } from "./live-view.js";
import { PRICING_FLAG, PRICING_HELP } from "./pricing-flag.js";
import { requireFolderFlag } from "./folder-flag.js";

export interface StatuslineFlags {
  home?: string;
  pricing?: string;
}

/** How long to wait for Claude Code's JSON before printing what is known without it. */
const STDIN_TIMEOUT_MS = 1000;

export function registerStatusline(program: Command): void {
  program
    .command("statusline")
    .description("one line for Claude Code's status line: this session's cost, hit rate and cache tax, and the 5-hour block's spend")
    .option("--home <dir>", "read runtime data under this folder instead of $HOME")
    .option(PRICING_FLAG, PRICING_HELP)
    .addHelpText(
      "after",
      [
        "",
        "Claude Code runs it with the session as JSON on stdin. Add to ~/.claude/settings.json:",
        '  {"statusLine": {"type": "command", "command": "quartet statusline"}}',
        "",
        "It prints, e.g.: $1.23 session · hit 87% · tax $0.11 · block $4.56 (2h13m left)",
        "Without a session on stdin it prints the block's spend alone. Unknown prices show as unknown, never $0;",
        "≥$1.23 means $1.23 plus requests on models without a known price.",
        "",
        "Examples:",
        `  $ echo '{"session_id":"3f2a…","transcript_path":"/home/me/.claude/projects/-work-app/3f2a….jsonl"}' | quartet statusline`,
        "  $ quartet statusline < /dev/null        # the block's spend alone",
        "",
      ].join("\n"),
    )
    .action((flags: StatuslineFlags) => statuslineCommand(flags));
}

/**
 * `leaveLedgerOpen` is for a process that exits right after without closing the ledger (statusline-entry.ts).
 * Closing the last connection to it checkpoints the write-ahead log into the database file, with an fsync of
 * each: 10-40 ms of waiting on the disk after every new message, more than the rest of the call. Left open,
 * what the call wrote stays in the log, committed (SQLite reads it from there, as after a crash), and is
 * checkpointed by the next command that closes the ledger, or by SQLite once the log passes 4 MB (core/db.ts).
 */
export async function statuslineCommand(flags: StatuslineFlags, options: { leaveLedgerOpen?: boolean } = {}): Promise<void> {
  // Wrong flags are the user's to fix, as for any command; everything after them still prints a line.
  requireFolderFlag("--home", flags.home);
  let line: string;
  try {
    line = await statusLine(flags, parseSession(await readStdin()), options.leaveLedgerOpen ?? false);
  } catch (e) {
    line = `quartet: ${errorMessage(e)}`;
  }
  process.stdout.write(terminalSafe(line) + "\n");
}

interface SessionInput {
  sessionId: string;
  transcriptPath: string | null;
}

async function statusLine(flags: StatuslineFlags, session: SessionInput | null, leaveOpen: boolean): Promise<string> {
  const now = clockNow();
  const env = lookupEnv({ home: flags.home });
  const paths = quartetPaths();
  const db = timed("open ledger", () => openDatabase(flags.home ? homeLedgerFile(paths.dataDir, env.home) : paths.dbFile));
  try {
    const pricing = await userPricing(flags.pricing);
    const { busy } = await readSession(db, env, pricing, session);
    if (busy && !completeAsItStands(db, pricing)) {
      Ledger.endSnapshot(db);
      if (!leaveOpen) db.close();
      return UPDATING;
    }
    const parts: string[] = [];
    if (session) parts.push(sessionPart(timed("session figures", () => Ledger.sessionTotals(db, session.sessionId))));
    parts.push(
      blockPart(
        timed("block figures", () => latestBlock(db, {}, now)),
        now,
      ),
    );
    Ledger.endSnapshot(db);
    if (!leaveOpen) db.close();
    return parts.join(" · ");
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Brings the session's own transcripts into the ledger, unless another process is already bringing the
 * ledger up to date; then leaves a read snapshot open either way.
 */
async function readSession(db: Db, env: LookupEnv, pricing: Pricing, session: SessionInput | null): Promise<IngestResult> {
  const sources = session?.transcriptPath ? timed("find transcripts", () => claudeSessionSources(env, session.transcriptPath!)) : [];
  const sessionOnly: RuntimeAdapter = {
    id: "claude",
    displayName: "Claude Code",
    color: "#d97757", // Claude Code's; unused here (the status line draws no chart)
    logs: { discover: () => ({ sources, looked: [], warnings: [] }) },
  };
  return Ledger.ingest({ db, env, pricing, runtimes: [sessionOnly], skipIfBusy: true, snapshot: true, partial: true });
}

/** What the status line says while another process brings a ledger up to date that it cannot show as it stands. */
const UPDATING = "quartet: updating the ledger…";

/**
 * While another process writes, the ledger is shown as it stands only when that is a whole ledger: one that has
 * sources (not one whose first load is under way) and nothing marked stale (not one a killed run left half done).
 */
function completeAsItStands(db: Db, pricing: Pricing): boolean {
  try {
    return Ledger.hasSources(db) && Ledger.isSettled(db, pricing);
  } catch {
    // Its tables do not exist yet: the other process is creating them.
    return false;
  }
}

/** Claude Code's JSON, checked by hand: only two fields matter, and a schema library would slow every call. */
function parseSession(text: string): SessionInput | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { session_id: id, transcript_path: transcript } = value as Record<string, unknown>;
  if (typeof id !== "string" || id === "") return null;
  return { sessionId: id, transcriptPath: typeof transcript === "string" && transcript !== "" ? transcript : null };
}

/** All of stdin, or what arrived before the timeout (a terminal or a pipe nobody closes gives nothing). */
async function readStdin(): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) return "";
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      stdin.pause();
      stdin.unref?.();
      resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const timer = setTimeout(done, STDIN_TIMEOUT_MS);
    stdin.on("data", (c: Buffer) => chunks.push(c));
    stdin.on("end", done);
    stdin.on("error", done);
  });
}
