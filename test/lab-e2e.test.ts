/**
 * The lab end to end, with the real pinned runtimes (claude 2.1.197, opencode 1.18.33) driven offline
 * against the lab endpoint on the built-in 6-turn scenario.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { tempDir } from "./helpers.js";
import { expectCompleted, labRun, scenarioThrough, type LabResult } from "./lab.js";
import { testLedger } from "./ledger.js";

let perTurn: LabResult;
let htmlFile: string;
beforeAll(async () => {
  htmlFile = path.join(tempDir(), "lab.html");
  perTurn = await labRun(["--scenario", "explore-edit-test", "--runtime", "claude,opencode", "--html", htmlFile]);
}, 600_000);

describe("quartet lab run, explore-edit-test, one process per turn", () => {
  it("runs both runtimes through all six turns", () => {
    expect(perTurn.cli.code, perTurn.cli.stderr).toBe(0);
    for (const rt of perTurn.run.runtimes) {
      expectCompleted(rt);
      expect(rt.turns.map((t) => t.ok)).toEqual([true, true, true, true, true, true]);
    }
    expect(perTurn.report.estimates).toBe(true);
  });

  it("walks each runtime through the scripted tool calls in its own vocabulary, and the files change", () => {
    for (const runtime of ["claude", "opencode"] as const) {
      const main = perTurn.requests(runtime).filter((r) => r.kind === "main");
      expect(new Set(main.map((r) => r.turn))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
      const workspace = perTurn.run.runtimes.find((r) => r.runtime === runtime)!.workspace;
      expect(fs.readFileSync(path.join(workspace, "src", "todos.js"), "utf8")).toContain("todos.find((t) => t.id === id)");
    }
  });

  it("records every request the runtimes made, each main request also in the runtime's own logs", async () => {
    for (const runtime of ["claude", "opencode"] as const) {
      const summary = perTurn.report.runtimes.find((r) => r.runtime === runtime)!;
      const ledger = testLedger(perTurn.run.runtimes.find((r) => r.runtime === runtime)!.home, [runtime]);
      await ledger.ingest();
      const logged = ledger.rows("SELECT count(*) AS n FROM usage_record")[0]!.n;
      expect(logged, runtime).toBe(summary.mainRequests);
    }
  });

  it("reports the same figures the ledger computes from the runtimes' own logs of the run", async () => {
    for (const runtime of ["claude", "opencode"] as const) {
      const s = perTurn.report.runtimes.find((r) => r.runtime === runtime)!;
      const ledger = testLedger(perTurn.run.runtimes.find((r) => r.runtime === runtime)!.home, [runtime]);
      await ledger.ingest();
      const t = ledger.rows(
        "SELECT sum(input_tokens) AS input, sum(cache_read_tokens) AS read, sum(cache_write_5m_tokens + cache_write_1h_tokens) AS write, sum(output_tokens) AS output, round(sum(cache_tax_usd), 6) AS tax FROM usage_record",
      )[0];
      // The cache tax too: the lab's figure is the one `quartet usage` reports from the runtime's own logs.
      expect(t, runtime).toEqual({
        input: s.uncachedInputTokens,
        read: s.cacheReadTokens,
        write: s.cacheWriteTokens,
        output: s.outputTokens,
        tax: s.cacheTaxUsd,
      });
    }
  });

  it("finds Claude Code's git status in its system prompt breaking the cache after the edit, and says what to do", () => {
    const claude = perTurn.report.runtimes.find((r) => r.runtime === "claude")!;
    expect(claude.breaks).toContainEqual(
      expect.objectContaining({
        turn: 5,
        block: "system[2]",
        cause: "system-changed",
        reason: "git-status-changed",
        hint: expect.stringContaining("long-lived process"),
        excerpt: expect.stringContaining("M src/todos.js"),
      }),
    );
    expect(perTurn.report.runtimes.find((r) => r.runtime === "opencode")!.breaks).toEqual([]);
    expect(perTurn.report.summary).toMatch(/^claude costs [\d.]+× opencode: its prompt is [\d.]+× larger/);
  });

  it("shows each turn's progress with its number, the runtime and the time elapsed", () => {
    for (const runtime of ["claude", "opencode"])
      for (let turn = 1; turn <= 6; turn++)
        expect(perTurn.cli.stderr).toMatch(new RegExp(`^lab: ${runtime} turn ${turn}/6 · \\d+(?:m\\d\\d)?s elapsed: \\S`, "m"));
  });

  it("runs the runtimes at once, each on its own endpoint: OpenCode starts before Claude Code's last turn", () => {
    const at = (line: string) => perTurn.cli.stderr.indexOf(line);
    expect(at("lab: opencode turn 1/6")).toBeGreaterThanOrEqual(0);
    expect(at("lab: opencode turn 1/6")).toBeLessThan(at("lab: claude turn 6/6"));
    expect(perTurn.report.runtimes.map((r) => r.runtime)).toEqual(["claude", "opencode"]);
  });

  it("writes a self-contained HTML report with both runtimes and the break", () => {
    const html = fs.readFileSync(htmlFile, "utf8");
    for (const s of perTurn.report.runtimes) expect(html).toContain(`>${s.runtime}</td>`);
    expect(html).toContain("<code>system[2]</code> `git status` section of the system prompt changed");
    expect(html).toContain("Token counts are estimates");
    expect(html).not.toMatch(/<script|<link|src="http|url\(http/);
  });

  it("sends only the dummy key, to loopback, and keeps no credential", () => {
    for (const runtime of ["claude", "opencode"] as const) {
      for (const r of perTurn.requests(runtime)) {
        expect(r.headers["x-api-key"] ?? r.headers.authorization).toBe("[redacted]");
        expect(r.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
      }
    }
    const recorded = fs.readdirSync(perTurn.report.run.dir).filter((f) => f.endsWith(".jsonl"));
    for (const f of recorded) expect(fs.readFileSync(path.join(perTurn.report.run.dir, f), "utf8")).not.toContain(LAB_API_KEY);
  });

  it("lets OpenCode reach for nothing beyond the endpoint: no models.dev fetch, no ripgrep download", () => {
    const logs = path.join(perTurn.report.run.dir, "opencode", "home", ".local", "share", "opencode", "log");
    const log = fs
      .readdirSync(logs)
      .map((f) => fs.readFileSync(path.join(logs, f), "utf8"))
      .join("");
    // Six turns, six OpenCode processes, each of which logged its start.
    expect(log.match(/message="creating instance"/g)?.length).toBeGreaterThanOrEqual(6);
    expect(log).not.toContain("models.dev");
    expect(log).not.toContain("downloading ripgrep");
  });
  it("shows a recorded request block by block, and the difference of two", async () => {
    const { runCli } = await import("./helpers.js");
    const dataDir = path.dirname(path.dirname(path.dirname(perTurn.report.run.dir)));
    const brk = perTurn.report.runtimes.find((r) => r.runtime === "claude")!.breaks[0]!;
    const shown = await runCli(["lab", "show", "last", "--request", String(brk.n), "--json"], { dataDir });
    expect(JSON.parse(shown.stdout)).toMatchObject({ runtime: "claude", n: brk.n, break: { block: "system[2]" } });
    const diff = await runCli(["lab", "show", "last", "--diff", String(brk.n - 1), String(brk.n), "--json"], { dataDir });
    expect(JSON.parse(diff.stdout)).toMatchObject({ firstDivergence: { block: "system[2]" }, changed: ["system[2]"] });
  });
});

describe("quartet lab run, one long-lived process", () => {
  it("delivers all turns to one claude stream-json process and one opencode serve", async () => {
    const longLived = await labRun(["--scenario", "explore-edit-test-long-lived", "--runtime", "claude,opencode"]);
    expect(longLived.cli.code, longLived.cli.stderr).toBe(0);
    for (const rt of longLived.report.runtimes) {
      expectCompleted(rt);
      expect(rt.mainRequests, rt.runtime).toEqual(expect.any(Number));
      // One process keeps its system prompt: nothing breaks the cache.
      expect(rt.breaks, rt.runtime).toEqual([]);
    }
  }, 600_000);
});

describe("quartet lab run when a runtime is missing, crashes or hangs", () => {
  it("says how to install a missing runtime and still runs the others", async () => {
    const r = await labRun([
      "--runtime",
      "claude,opencode",
      "--claude-bin",
      path.join(tempDir(), "no-such-claude"),
      // The other runtime needs only to run: two turns of the scenario (its full run is the test above).
      "--scenario",
      scenarioThrough("explore-edit-test-long-lived", 2),
    ]);
    expect(r.cli.code).toBe(1);
    expect(r.report.runtimes[0]).toMatchObject({
      runtime: "claude",
      completed: false,
      failure: { message: expect.stringMatching(/is not an executable file/) },
    });
    expect(r.report.runtimes[1]!.runtime).toBe("opencode");
    expectCompleted(r.report.runtimes[1]!);
  }, 600_000);

  it("reports a crash and a hang with the runtime's last output", async () => {
    // Stand-ins for a runtime that crashes and one that hangs: no real runtime does either on demand.
    const dir = tempDir();
    const crash = path.join(dir, "crashing-claude");
    fs.writeFileSync(crash, "#!/bin/sh\necho 'Error: something went wrong inside' >&2\nexit 3\n", { mode: 0o755 });
    const crashed = await labRun(["--runtime", "claude", "--claude-bin", crash]);
    expect(crashed.cli.code).toBe(1);
    expect(crashed.report.runtimes[0]!.failure).toMatchObject({
      message: expect.stringContaining("exited with code 3"),
      output: expect.stringContaining("something went wrong inside"),
    });
    const noServer = path.join(dir, "crashing-opencode");
    fs.writeFileSync(noServer, "#!/bin/sh\necho 'Error: port already in use' >&2\nexit 3\n", { mode: 0o755 });
    const unstarted = await labRun(["--runtime", "opencode", "--opencode-bin", noServer, "--scenario", "explore-edit-test-long-lived"]);
    expect(unstarted.cli.code).toBe(1);
    expect(unstarted.report.runtimes[0]!.failure).toMatchObject({
      message: "opencode could not be run: opencode serve exited with code 3 before listening",
      output: expect.stringContaining("port already in use"),
    });
    const hang = path.join(dir, "hanging-claude");
    fs.writeFileSync(hang, "#!/bin/sh\necho 'thinking forever'\nsleep 600\n", { mode: 0o755 });
    const hung = await labRun(["--runtime", "claude", "--claude-bin", hang, "--turn-timeout", "2"]);
    expect(hung.report.runtimes[0]!.failure).toMatchObject({
      message: expect.stringContaining("timed out after 2s"),
      output: expect.stringContaining("thinking forever"),
    });
  }, 120_000);
});
