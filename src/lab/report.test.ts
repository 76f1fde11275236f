/**
 * Lab explanations on the recorded lab runs (test/fixtures/lab/runs: the real claude and opencode, --clean):
 * cache tax in dollars, the sentence on what drives each runtime's cost, and each break named for what
 * changed, with its hint. Expectations are worked out from the recorded usage and the price table by hand.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PRICE_TABLE } from "../core/price-table.js";
import { buildPricing } from "../core/pricing.js";
import { RUNTIMES, runtimeColor } from "../runtimes/registry.js";
import { FIXTURES } from "../../test/helpers.js";
import { recordedRun } from "../../test/lab.js";
import { ModelSession, type LabRequest } from "./model-session.js";
import { renderLabText } from "./render.js";
import { renderLabHtml } from "./report-html.js";
import { reportOf, summarize, type RuntimeSummary } from "./report.js";
import { loadScenario } from "./scenario.js";

const pricing = buildPricing(PRICE_TABLE);
const report = (name: Parameters<typeof recordedRun>[0]) => reportOf(recordedRun(name), pricing);
const runtime = (r: ReturnType<typeof report>, id: string) => r.runtimes.find((x) => x.runtime === id)!;
const perRequest = (s: RuntimeSummary) => s.promptTokens / s.mainRequests;

describe("cache tax", () => {
  it("is the ledger's: the git status break's shortfall priced at Sonnet 4.5's write minus read price", () => {
    const explore = report("explore");
    const claude = runtime(explore, "claude");
    // Request 15 read 21,495 tokens where request 14 had cached 31,777 + 156 = 31,933: 10,438 tokens short,
    // written again at $3.75/M instead of read at $0.30/M. No other request of the run fell short.
    expect(claude.breaks).toHaveLength(1);
    expect(claude.breaks[0]).toMatchObject({ n: 15, lostTokens: 10_438, taxUsd: 0.036011 });
    expect(claude.cacheTaxUsd).toBe(0.036011);
    expect(runtime(explore, "opencode").cacheTaxUsd).toBe(0);
  });

  it("counts a TTL expiry in both runtimes of the pause run", () => {
    const pause = report("pause");
    for (const s of pause.runtimes) {
      const expired = s.breaks.find((b) => b.reason === "ttl-expired")!;
      expect(expired.taxUsd, s.runtime).toBeGreaterThan(0);
      expect(s.cacheTaxUsd, s.runtime).toBeCloseTo(
        s.breaks.reduce((a, b) => a + b.taxUsd!, 0),
        5,
      );
    }
  });
});

describe("what drives the difference between runtimes", () => {
  it("says Claude Code costs more because its prompt is larger, and names its break", () => {
    const explore = report("explore");
    const claude = runtime(explore, "claude");
    const opencode = runtime(explore, "opencode");
    const size = perRequest(claude) / perRequest(opencode);
    expect(size).toBeGreaterThan(3);
    expect(claude.explanation).toBe(
      `claude costs ${claude.costRatio!.toFixed(2)}× opencode: its prompt is ${size.toFixed(1)}× larger ` +
        `(${(perRequest(claude) / 1000).toFixed(1)}k vs ${Math.round(perRequest(opencode)).toLocaleString("en-US")} tokens per request)` +
        ` and it read ${(claude.hitRate! * 100).toFixed(1)}% from cache vs ${(opencode.hitRate! * 100).toFixed(1)}%,` +
        ` with 1 cache break vs none ($0.04 of cache tax).`,
    );
    expect(opencode.explanation).toMatch(/^opencode is the cheapest: 8,\d{3} prompt tokens per request over 16 requests, 93\.0% read/);
    expect(explore.summary).toBe(claude.explanation);
  });

  it("describes a runtime on its own when the run has only one", () => {
    const alone = report("defaultModel");
    expect(alone.runtimes).toHaveLength(1);
    expect(alone.summary).toMatch(
      /^claude: 21\.\dk prompt tokens per request over 16 requests, 85\.\d% read from cache, 2 cache breaks \(\$0\.15 of cache tax\)\.$/,
    );
  });
});

describe("each cache break, named for what changed, with a hint", () => {
  it.each([
    [
      "git status after an edit",
      "explore",
      "claude",
      5,
      "git-status-changed",
      "`git status` section of the system prompt changed",
      "keep one long-lived process",
    ],
    ["a pause past the TTL", "pause", "claude", 3, "ttl-expired", "cache expired: idle longer than its 5m TTL", "1-hour cache"],
    ["a pause past the TTL", "pause", "opencode", 3, "ttl-expired", "cache expired: idle longer than its 5m TTL", "1-hour cache"],
    [
      "the Bash description naming the model",
      "defaultModel",
      "claude",
      1,
      "tool-description-changed",
      "description of the Bash tool changed",
      "pin the model with `--model`",
    ],
  ] as const)("%s (%s, %s)", (_, run, id, turn, reason, causeText, hint) => {
    const brk = runtime(report(run), id).breaks.find((b) => b.turn === turn);
    expect(brk).toMatchObject({ reason, causeText, hint: expect.stringContaining(hint) });
  });

  it("keeps the classifier's cause and block beside the reason", () => {
    expect(runtime(report("explore"), "claude").breaks).toEqual([
      expect.objectContaining({ cause: "system-changed", block: "system[2]", sections: ["git-status"], detail: "path" }),
    ]);
  });

  it("CLAUDE.md / AGENTS.md edited mid-session, in both runtimes, though Claude Code's prompt first differs at git status", () => {
    const r = report("instructions");
    const claude = runtime(r, "claude").breaks.find((b) => b.turn === 3)!;
    expect(claude).toMatchObject({
      block: "system[2]",
      reason: "instructions-changed",
      sections: ["git-status", "instructions"],
      causeText: "project instructions (CLAUDE.md / AGENTS.md) changed mid-session (also changed: `git status`)",
      hint: expect.stringContaining("between sessions, not during one"),
    });
    expect(runtime(r, "opencode").breaks).toEqual([
      expect.objectContaining({ block: "system[0]", reason: "instructions-changed", sections: ["instructions"] }),
    ]);
  });
});

describe("the report for people", () => {
  it("shows the cache tax, the sentence per runtime and each break's hint, in text and HTML", async () => {
    const explore = report("explore");
    // Without colour codes, whatever the environment says about colour.
    const text = (await renderLabText(explore)).replace(/\x1b\[[0-9;]*m/g, "");
    expect(text).toMatch(/Cache tax/);
    expect(text).toMatch(/\$0\.04 │ +3\.\d\d× │ +1 │/);
    for (const s of explore.runtimes) expect(text).toContain(s.explanation);
    expect(text).toContain(
      "system[2]: `git status` section of the system prompt changed; 10.4k tokens not read from cache, $0.04 of cache tax",
    );
    expect(text).toContain(`fix: ${explore.runtimes[0]!.breaks[0]!.hint}`);
    const html = renderLabHtml({ report: explore, color: runtimeColor });
    expect(html).toContain("<th>Cache tax</th>");
    expect(html).toContain("<code>system[2]</code> `git status` section of the system prompt changed");
    expect(html).toContain("Fix: Claude Code snapshots `git status`");
  });

  it("splits every answered request's prompt into read, write and uncached, adding up to the runtime's figures", () => {
    const explore = report("explore");
    const opencode = runtime(explore, "opencode");
    // opencode's first request is its auxiliary title request: 604 uncached tokens, nothing cached.
    expect(opencode.perRequest[0]).toEqual({ n: 1, kind: "auxiliary", cacheReadTokens: 0, cacheWriteTokens: 0, uncachedInputTokens: 604 });
    for (const s of explore.runtimes) {
      expect(s.perRequest.map((q) => q.n)).toEqual(s.perRequest.map((_, i) => i + 1));
      const main = s.perRequest.filter((q) => q.kind === "main");
      expect(main).toHaveLength(s.mainRequests);
      expect(main.reduce((a, q) => a + q.cacheReadTokens, 0)).toBe(s.cacheReadTokens);
      expect(main.reduce((a, q) => a + q.cacheReadTokens + q.cacheWriteTokens + q.uncachedInputTokens, 0)).toBe(s.promptTokens);
    }
    // claude's break at request 15: 21,495 read, 10,478 written again.
    expect(runtime(explore, "claude").perRequest[14]).toMatchObject({ n: 15, cacheReadTokens: 21_495, cacheWriteTokens: 10_478 });
  });

  it("draws one chart of prompt tokens per request for each runtime, in the runtime's colour", () => {
    const html = renderLabHtml({ report: report("explore"), color: runtimeColor });
    for (const [id, requests] of [
      ["claude", 16],
      ["opencode", 17],
    ] as const) {
      const color = RUNTIMES.get(id)!.color;
      const chart = new RegExp(`<svg [^>]*aria-label="${id}: prompt tokens per request"[\\s\\S]*?</svg>`).exec(html)?.[0];
      expect(chart, id).toBeDefined();
      expect(chart!.match(/class="x-tick"/g), id).toHaveLength(requests);
      expect(chart).toMatch(new RegExp(`fill="${color}" data-series="cache read"`));
      expect(chart).toContain(">request number</text>");
      expect(chart).toContain(">prompt tokens</text>");
      // The cost chart draws the runtime in the same colour.
      expect(html).toMatch(new RegExp(`fill="${color}" data-series="${id}"`));
    }
  });
});

describe("a run recorded before breaks carried their sections", () => {
  it("names the section again from the bodies of the request and the one before it", () => {
    const before = JSON.parse(fs.readFileSync(path.join(FIXTURES, "requests", "claude-before-continue.json"), "utf8")) as {
      model: string;
      system: { text: string }[];
    };
    const after = structuredClone(before);
    after.system[2]!.text = after.system[2]!.text.replace("Status:\n(clean)", "Status:\nM src/todos.js");
    const usage = { input: 0, cacheRead: 0, cacheWrite5m: 100, cacheWrite1h: 0, output: 1 };
    const request = (n: number, body: unknown, extra: Partial<LabRequest> = {}): LabRequest => ({
      ...{ n, at: n, model: before.model, kind: "main", session: "s", conversation: 1, turn: n - 1, status: 200, promptTokens: 100 },
      ...{ usage, blocks: [], readThrough: -1, cachedThrough: 0, body, headers: {} },
      ...extra,
    });
    const old = { cause: "system-changed" as const, block: "system[2]", detail: "path", lostTokens: 100 };
    const run = { ...recordedRun("defaultModel"), runtimes: [{ ...recordedRun("defaultModel").runtimes[0]! }] };
    const report = summarize(run, new Map([["claude", [request(1, before), request(2, after, { break: old })]]]), pricing);
    expect(report.runtimes[0]!.breaks[0]).toMatchObject({
      reason: "git-status-changed",
      sections: ["git-status"],
      causeText: "`git status` section of the system prompt changed",
    });
  });
});

describe("a request the simulated API rejects", () => {
  it("is counted per runtime and listed with its number and the API's error, in text and HTML", async () => {
    // The scripted model behind the real simulator: a second request with five cache_control markers is
    // refused as the API refuses it (at most four).
    const scenario = loadScenario("explore-edit-test").scenario;
    const model = new ModelSession(scenario, "/w");
    const marked = (text: string) => ({ type: "text", text, cache_control: { type: "ephemeral" } });
    const body = (system: ReturnType<typeof marked>[]) => ({
      model: "claude-sonnet-4-5",
      max_tokens: 10,
      system,
      tools: [{ name: "Read" }],
      messages: [{ role: "user" as const, content: "Where are todos stored, and how are they added?" }],
    });
    expect(model.reply(body([marked("You are a coding agent. ".repeat(300))]), { n: 1, headers: {} }).kind).toBe("message");
    const refused = model.reply(body(["a", "b", "c", "d", "e"].map(marked)), { n: 2, headers: {} });
    const message = "A maximum of 4 blocks with cache_control may be provided. Found 5.";
    expect(refused).toEqual({ kind: "error", status: 400, type: "invalid_request_error", message });

    const run = { ...recordedRun("defaultModel"), runtimes: [{ ...recordedRun("defaultModel").runtimes[0]! }] };
    const claude = summarize(run, new Map([["claude", model.requests]]), pricing);
    const s = claude.runtimes[0]!;
    expect([s.mainRequests, s.rejectedRequests]).toEqual([1, 1]);
    expect(s.rejected).toEqual([{ n: 2, turn: 1, kind: "main", status: 400, message }]);
    expect(s.explanation).toMatch(/ 1 request was rejected by the API and is not counted\.$/);

    const text = (await renderLabText(claude)).replace(/\x1b\[[0-9;]*m/g, "");
    expect(text).toMatch(/│ +1 \+ 0 aux, 1 rejected │/);
    expect(text).toContain(
      `Rejected requests (the API answers these with an error; no figure above counts them):\n  claude request #2 (turn 2): 400 ${message}\n`,
    );
    const html = renderLabHtml({ report: claude, color: runtimeColor });
    expect(html).toContain('<td class="n">1 + 0 aux, 1 rejected</td>');
    expect(html).toContain(`<h2>Rejected requests</h2>`);
    expect(html).toContain(`<li><b>claude</b> request #2 (turn 2): <code>400 ${message}</code></li>`);
  });
});
