/**
 * One ledger: `quartet cache <session>` shows the gateway's block, cause and diff for the requests the
 * gateway saw (joined by response message id) and the logs' inference for the others, marked which is which;
 * the gateway's records never add to the usage totals. The built CLI on a Claude Code transcript, with the
 * gateway's store written by its real sink into the same database.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { homeLedgerFile } from "../src/core/paths.js";
import { buildPricing } from "../src/core/pricing.js";
import { PRICE_TABLE } from "../src/core/price-table.js";
import { gatewaySink } from "../src/gateway/store.js";
import { AFTER, BEFORE, T0, exchange } from "./gateway-exchanges.js";
import { runCli, tempDir, writeLines } from "./helpers.js";

const SESSION = "99fe1ab8-0330-4dd4-83ea-4e9883ff5543";
const MODEL = "claude-opus-4-8";

/** One assistant line of a Claude Code transcript: a request with its usage. */
function line(n: number, at: number, usage: { read: number; write: number }) {
  return {
    parentUuid: null,
    isSidechain: false,
    message: {
      id: `msg_cache_${n}`,
      type: "message",
      role: "assistant",
      model: MODEL,
      content: [{ type: "text", text: "ok" }],
      stop_reason: "end_turn",
      usage: {
        input_tokens: 6,
        cache_creation_input_tokens: usage.write,
        cache_read_input_tokens: usage.read,
        output_tokens: 100,
        cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: usage.write },
      },
    },
    requestId: `req_cache_${n}`,
    type: "assistant",
    uuid: `00000000-0000-4000-8000-00000000000${n}`,
    timestamp: new Date(at).toISOString(),
    cwd: "/work/project",
    sessionId: SESSION,
    version: "2.1.197",
  };
}

describe("quartet cache with the gateway's records", () => {
  it("names the gateway's block, cause and diff where it saw the request, and the logs' inference elsewhere", async () => {
    const home = tempDir("quartet-home-");
    const data = tempDir("quartet-data-");
    const usages = [
      { at: T0, read: 0, write: 20_518 },
      // The new process after --continue: everything re-written (the gateway saw this pair).
      { at: T0 + 60_000, read: 0, write: 20_930 },
      { at: T0 + 90_000, read: 20_930, write: 400 },
      // Ten idle minutes later, outside the gateway: only the logs explain it.
      { at: T0 + 11 * 60_000, read: 0, write: 21_330 },
    ];
    writeLines(
      path.join(home, ".claude", "projects", "-work-project", `${SESSION}.jsonl`),
      usages.map((u, i) => line(i + 1, u.at, u)),
    );
    const sink = gatewaySink({ dbFile: homeLedgerFile(data, home), pricing: buildPricing(PRICE_TABLE), now: () => T0 });
    const seen = [
      [BEFORE, usages[0]!],
      [AFTER, usages[1]!],
    ] as const;
    seen.forEach(([body, u], i) =>
      sink.record(
        exchange(
          body,
          { input_tokens: 6, cache_read_input_tokens: u.read, cache_creation_input_tokens: u.write },
          { at: u.at, messageId: `msg_cache_${i + 1}`, requestId: `req_cache_${i + 1}` },
        ),
      ),
    );
    sink.close();

    const json = await runCli(["cache", SESSION, "--home", home, "--json"], { dataDir: data });
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as {
      summary: { requests: number; cacheWriteTokens: number };
      requests: {
        requestKey: string;
        breakSource: string | null;
        cause: string | null;
        gateway: { break: { block: string; cause: string } | null } | null;
      }[];
    };
    expect(report.requests.map((r) => r.breakSource)).toEqual([null, "gateway", null, "log"]);
    expect(report.requests[1]!.requestKey).toBe("msg_cache_2:req_cache_2");
    expect(report.requests[1]!.gateway!.break).toMatchObject({ block: "tools[Bash]", cause: "tool-description-changed" });
    expect(report.requests[1]!.cause).toBe("prefix-changed"); // the logs' own inference stays beside it
    expect(report.requests[3]!.gateway).toBeNull();
    expect(report.requests[3]!.cause).toBe("ttl-expired");
    // Usage is the logs' alone: four requests, their writes once.
    expect(report.summary.requests).toBe(4);
    expect(report.summary.cacheWriteTokens).toBe(20_518 + 20_930 + 400 + 21_330);

    const text = await runCli(["cache", SESSION, "--home", home], { dataDir: data, env: { COLUMNS: "250" } });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("tool description changed at tools[Bash] (Bash) [gateway]");
    expect(text.stdout).toContain("TTL expired (idle gap) [log]");
    expect(text.stdout).toMatch(/#2 tools\[Bash\] .*\[-\(1M context\) -\]/);
  });
});
