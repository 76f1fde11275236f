/**
 * The two HTML reports as a reader sees them, in a real browser (Debian's chromium, driven by playwright-core):
 * the lab report of a recorded lab run (`quartet lab show --html`), the usage report of the recorded runtime
 * logs plus a transcript a few days older (`quartet report --html`), and the usage report's page for filters
 * that match nothing. Measured in the page: no chart text crosses its chart's edges, each runtime is drawn in
 * its own colour, and the time axis keeps a slot for each quiet day. No runtime is launched: `lab run --html`
 * is run with a stand-in claude that makes no request.
 *
 * Screenshots go to test-artifacts/; with QUARTET_DOCS_SCREENSHOTS=1 they also replace the README's pictures
 * in docs/ (kept out of ordinary runs so that a test run never changes the working tree).
 */
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isQuartetPage } from "../src/core/report-page.js";
import { RUNTIMES } from "../src/runtimes/registry.js";

const colorOf = (id: string) => RUNTIMES.get(id)!.color;
import { chromiumPath } from "./board.js";
import { fileTempDir, fixtureHome, ROOT, runCli, writeLines, type CliResult } from "./helpers.js";
import { copyRecordedRuns, recordedRun } from "./lab.js";

const ARTIFACTS = path.join(ROOT, "test-artifacts");
const DAYS = ["2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"];
const PROJECT = "/work/<b>shop</b> & co";

/** A Claude Code request of the older transcript (the 18th and 19th): four quiet days before the recorded logs (the 24th). */
const request = (id: string, timestamp: string) => ({
  type: "assistant",
  timestamp,
  sessionId: "s-older",
  cwd: PROJECT,
  requestId: `req_${id}`,
  message: {
    id: `msg_${id}`,
    model: "claude-sonnet-4-5",
    usage: { input_tokens: 2_000, cache_creation_input_tokens: 1_000, cache_read_input_tokens: 40_000, output_tokens: 1_500 },
  },
});

let browser: Browser;
let page: Page;
const files = { lab: "", usage: "", empty: "", labRun: "" };
const cli: Record<keyof typeof files, CliResult | undefined> = { lab: undefined, usage: undefined, empty: undefined, labRun: undefined };
/** Requests the pages made to anywhere but their own file: a self-contained page makes none. */
const foreign: string[] = [];

beforeAll(async () => {
  const out = fileTempDir("quartet-reports-");
  for (const k of Object.keys(files) as (keyof typeof files)[]) files[k] = path.join(out, `${k}.html`);
  const labData = fileTempDir("quartet-lab-data-");
  copyRecordedRuns(labData);
  const home = fixtureHome();
  writeLines(path.join(home, ".claude", "projects", "-work-shop", "s-older.jsonl"), [
    request("o1", "2026-11-18T09:00:00Z"),
    request("o2", "2026-11-19T15:00:00Z"),
  ]);
  const usageData = fileTempDir("quartet-usage-data-");
  // A stand-in claude that answers no request: `lab run` finishes at once with an empty run.
  const standIn = path.join(out, "claude");
  fs.writeFileSync(standIn, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  const launched = chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
  [cli.lab, cli.usage, cli.labRun] = await Promise.all([
    runCli(["lab", "show", recordedRun("explore").id, "--html", files.lab], { dataDir: labData }),
    runCli(["report", "--html", files.usage, "--home", home], { dataDir: usageData }),
    runCli(["lab", "run", "--clean", "--runtime", "claude", "--claude-bin", standIn, "--json", "--html", files.labRun]),
  ]);
  // After the first report: it has brought the ledger up to date, so this one only reads it.
  cli.empty = await runCli(["report", "--html", files.empty, "--home", home, "--since", "2027-01-01", "--runtime", "claude,codex"], {
    dataDir: usageData,
  });
  browser = await launched;
  page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  page.on("request", (r) => {
    if (!r.url().startsWith("file://")) foreign.push(r.url());
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
});

async function open(file: string): Promise<void> {
  await page.goto(`file://${file}`);
  await page.locator("h1").waitFor();
}

/** A full-page screenshot in test-artifacts/; the README's pictures (`docs`) are copied to docs/ when asked. */
async function screenshot(name: string, o: { docs?: boolean } = {}): Promise<void> {
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: true });
  if (o.docs && process.env.QUARTET_DOCS_SCREENSHOTS === "1") fs.copyFileSync(file, path.join(ROOT, "docs", name));
}

/** Every chart text that crosses an edge of its chart, as laid out by the browser with its fonts. */
function textsOutsideCharts(): Promise<string[]> {
  return page.locator("svg.chart").evaluateAll((charts) => {
    const out: string[] = [];
    for (const svg of charts) {
      const box = svg.getBoundingClientRect();
      for (const t of svg.querySelectorAll("text")) {
        const r = t.getBoundingClientRect();
        if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
          out.push(
            `${svg.getAttribute("aria-label")}: "${t.textContent}" at ${r.left.toFixed(0)}–${r.right.toFixed(0)} of ${box.left.toFixed(0)}–${box.right.toFixed(0)}`,
          );
      }
    }
    return out;
  });
}

/** The fill the browser paints each mark of a series with, in one chart. */
function fills(chart: string, series: string): Promise<string[]> {
  return page
    .locator(`svg[aria-label="${chart}"] [data-series="${series}"]:not(g)`)
    .evaluateAll((els) => [...new Set(els.map((e) => e.ownerDocument.defaultView!.getComputedStyle(e).fill))]);
}

const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;

describe("the lab report", () => {
  it("keeps every label inside its chart and draws each runtime in its colour, with its prompt per request", async () => {
    expect(cli.lab!.code, cli.lab!.stderr).toBe(0);
    await open(files.lab);
    expect(await textsOutsideCharts()).toEqual([]);
    for (const runtime of ["claude", "opencode"] as const) {
      const color = rgb(colorOf(runtime));
      expect(await fills("Cost per runtime", runtime), runtime).toEqual([color]);
      const perRequest = `${runtime}: prompt tokens per request`;
      expect(await fills(perRequest, "cache read"), runtime).toEqual([color]);
      expect(await page.locator(`svg[aria-label="${perRequest}"] .legend text`).allTextContents()).toEqual([
        "cache read",
        "cache write",
        "uncached input",
      ]);
      expect(await page.locator(`svg[aria-label="${perRequest}"] .x-title`).textContent()).toBe("request number");
    }
    // One slot per request: claude made 16, opencode 17 (its first a title request).
    expect(await page.locator('svg[aria-label="claude: prompt tokens per request"] .x-tick').count()).toBe(16);
    expect(await page.locator('svg[aria-label="opencode: prompt tokens per request"] .x-tick').count()).toBe(17);
    // The break at request 15 is a write on top of the read, with its cause in the tooltip.
    const broken = page.locator('svg[aria-label="claude: prompt tokens per request"] [data-series="cache write"] title', {
      hasText: "request #15 · cache break at system[2]",
    });
    expect(await broken.count()).toBe(1);
    await screenshot("lab-report.png", { docs: true });
    expect(foreign).toEqual([]);
  });
});

describe("the usage report", () => {
  it("keeps a slot for every quiet day between the older transcript and the recorded logs", async () => {
    expect(cli.usage!.code, cli.usage!.stderr).toBe(0);
    await open(files.usage);
    expect(await textsOutsideCharts()).toEqual([]);
    const cost = 'svg[aria-label="Cost per day by runtime"]';
    expect(await page.locator(`${cost} .x-label`).allTextContents()).toEqual(DAYS);
    expect(await page.locator(`${cost} .x-tick`).count()).toBe(DAYS.length);
    // Each day's bar stands over its own day's tick; the quiet days have none.
    const tickX = await page.locator(`${cost} .x-tick`).evaluateAll((ticks) => ticks.map((t) => t.getBoundingClientRect().x));
    const bars = await page.locator(`${cost} rect[data-series="claude"]`).evaluateAll((rects) =>
      rects.map((r) => ({
        day: r.querySelector("title")!.textContent!.slice(0, 10),
        centre: r.getBoundingClientRect().x + r.getBoundingClientRect().width / 2,
      })),
    );
    expect(bars.map((b) => b.day)).toEqual(["2026-11-18", "2026-11-19", "2026-11-24"]);
    for (const b of bars) expect(Math.abs(b.centre - tickX[DAYS.indexOf(b.day)]!), b.day).toBeLessThan(1.5);
    for (const runtime of ["claude", "codex", "opencode"] as const) {
      expect(await fills("Cost per day by runtime", runtime), runtime).toEqual([rgb(colorOf(runtime))]);
      expect(await fills("Cache hit rate per runtime", runtime), runtime).toEqual(expect.arrayContaining([rgb(colorOf(runtime))]));
    }
    // The hit-rate line breaks over the quiet days: claude's path is two pieces, the 18th–19th and the 24th.
    const claudeLine = await page.locator('svg[aria-label="Cache hit rate per runtime"] path[data-series="claude"]').getAttribute("d");
    expect(claudeLine!.match(/M/g)).toHaveLength(2);
    // The project path is shown as text, never as markup.
    expect(await page.locator("td", { hasText: "/work/<b>shop</b> & co" }).count()).toBe(1);
    expect(await page.locator("td b").count()).toBe(0);
    await screenshot("usage-report.png", { docs: true });
    expect(foreign).toEqual([]);
  });

  it("says there is no usage, naming the range and filters, instead of drawing empty charts", async () => {
    expect(cli.empty!.code, cli.empty!.stderr).toBe(0);
    expect(cli.empty!.stderr).toContain("No usage matches these filters.");
    await open(files.empty);
    const message = page.locator(".no-data");
    expect(await message.locator("h2").textContent()).toBe("No usage to show");
    expect(await message.textContent()).toContain("from 2027-01-01 · runtimes claude, codex");
    expect(await message.textContent()).toMatch(/The ledger holds claude: \d+ requests from 2026-11-18 to 2026-11-24/);
    expect(await page.locator("svg").count()).toBe(0);
    await screenshot("usage-report-empty.png");
  });
});

describe("every --html command", () => {
  it("says where it wrote the page and how big it is, on stderr, and keeps the page private", () => {
    const units = { B: 1, KB: 1024, MB: 1024 ** 2 } as const;
    for (const k of Object.keys(files) as (keyof typeof files)[]) {
      expect(cli[k]!.code, `${k}: ${cli[k]!.stderr}`).toBe(0);
      const note = /^wrote (.+) \((\d+(?:\.\d)?) (B|KB|MB)\)$/m.exec(cli[k]!.stderr);
      expect(note?.[1], k).toBe(files[k]);
      // Rounded to one decimal below 10, to a whole number above: within 5%.
      const stated = Number(note![2]) * units[note![3] as keyof typeof units];
      expect(Math.abs(stated - fs.statSync(files[k]).size) / fs.statSync(files[k]).size, k).toBeLessThan(0.05);
      expect(fs.statSync(files[k]).mode & 0o777, k).toBe(0o600);
      // Marked as quartet's, so that the next report may replace it (and nothing else).
      expect(isQuartetPage(files[k]), k).toBe(true);
    }
    // The lab's JSON stays alone on stdout.
    expect(JSON.parse(cli.labRun!.stdout).runtimes[0].runtime).toBe("claude");
  });
});
