/**
 * The usage report's time axis on a real ledger (a Claude Code transcript ingested into a temporary
 * database): continuous over days, weeks and months, starting at --since, and the page for no data.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir, writeLines } from "../../test/helpers.js";
import { testLedger } from "../../test/ledger.js";
import { parseDateBound } from "../core/time.js";
import { describeScope, renderHtmlReport } from "./report-html.js";
import { runtimeColor } from "../runtimes/registry.js";
import type { Filters } from "./query.js";
import { ledgerSource } from "./source.js";

async function ledgerWith(days: readonly string[]) {
  const home = tempDir("quartet-home-");
  writeLines(
    path.join(home, ".claude", "projects", "-work-app", "s.jsonl"),
    days.map((day, i) => ({
      type: "assistant",
      timestamp: `${day}T12:00:00Z`,
      sessionId: "s-1",
      cwd: "/work/app",
      requestId: `req_${i}`,
      message: { id: `msg_${i}`, model: "claude-sonnet-4-5", usage: { input_tokens: 1_000, output_tokens: 100 } },
    })),
  );
  const ledger = testLedger(home, ["claude"]);
  await ledger.ingest();
  return ledger.db;
}

const render = (db: Awaited<ReturnType<typeof ledgerWith>>, filters: Filters = {}, noDataNote?: string) =>
  renderHtmlReport({
    source: ledgerSource(db),
    filters,
    tz: "UTC",
    generatedAt: new Date("2026-11-30T00:00:00Z"),
    warnings: [],
    color: runtimeColor,
    ...(noDataNote ? { noDataNote } : {}),
  });

/** The x-axis slots of the cost chart, and the slots its bars stand in. */
function costAxis(html: string): { ticks: number; bars: string[]; label: string } {
  const chart = /<svg [^>]*aria-label="(Cost per \w+ by runtime)"[\s\S]*?<\/svg>/.exec(html)!;
  return {
    label: chart[1]!,
    ticks: chart[0].match(/class="x-tick"/g)?.length ?? 0,
    bars: [...chart[0].matchAll(/<rect [^>]*data-series="claude"><title>(\S+) · /g)].map((m) => m[1]!),
  };
}

describe("the usage report's time axis", () => {
  it("has a slot for each day, quiet ones included, from the --since day on", async () => {
    const db = await ledgerWith(["2026-11-18", "2026-11-24"]);
    expect(costAxis(await render(db))).toEqual({ label: "Cost per day by runtime", ticks: 7, bars: ["2026-11-18", "2026-11-24"] });
    const since = await render(db, { since: parseDateBound("2026-11-10", "UTC", false) });
    expect(costAxis(since).ticks).toBe(15);
    expect(since).toContain("2026-11-10 – 2026-11-24 (15 days)");
  });

  it("counts in weeks over more than three months, every week in order", async () => {
    const db = await ledgerWith(["2026-01-05", "2026-03-02", "2026-11-24"]);
    // ISO weeks 2 to 48 of 2026.
    expect(costAxis(await render(db))).toEqual({
      label: "Cost per week by runtime",
      ticks: 47,
      bars: ["2026-W02", "2026-W10", "2026-W48"],
    });
  });

  it("counts in months over more than two years", async () => {
    const db = await ledgerWith(["2024-01-10", "2026-11-24"]);
    const axis = costAxis(await render(db));
    expect(axis).toMatchObject({ label: "Cost per month by runtime", bars: ["2024-01", "2026-11"] });
    // 2024-01 to 2026-11: 35 months, each with its tick.
    expect(axis.ticks).toBe(35);
  });

  it("shows a message naming the range and filters instead of charts when nothing matches", async () => {
    const db = await ledgerWith(["2026-11-24"]);
    const filters = { since: parseDateBound("2027-01-01", "UTC", false), runtimes: ["claude" as const], project: "<shop>" };
    const html = await render(db, filters, "The ledger holds <1> request");
    expect(html).toContain("No usage to show");
    expect(html).toContain("from 2027-01-01 · runtime claude · projects containing &quot;&lt;shop&gt;&quot;");
    expect(html).toContain("The ledger holds &lt;1&gt; request");
    expect(html).not.toContain("<svg");
  });
});

describe("the scope in words", () => {
  it("names the dates, the runtimes and the project filter", () => {
    const day = (d: string, end: boolean) => parseDateBound(d, "UTC", end);
    expect(describeScope({}, "UTC")).toEqual({ range: "all dates", filters: "all runtimes" });
    expect(describeScope({ since: day("2026-11-01", false), until: day("2026-11-30", true) }, "UTC").range).toBe("2026-11-01 – 2026-11-30");
    expect(describeScope({ until: day("2026-11-30", true), runtimes: ["claude", "codex"], project: "app" }, "UTC")).toEqual({
      range: "up to 2026-11-30",
      filters: 'runtimes claude, codex · projects containing "app"',
    });
  });
});
