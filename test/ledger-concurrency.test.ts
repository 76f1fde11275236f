/**
 * Many quartet processes at once on one ledger, as the board, `ps` and scripts run them: on a new ledger
 * over a 110 MB corpus, and while transcripts grow. Nobody may crash, print partial or zero totals, or
 * wait forever.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { earlierCopy, generatedHome } from "./corpus.js";
import { fileTempDir, runCli, tempDir } from "./helpers.js";

/** The CLI with `home` as HOME (not --home), so the ledger is quartet.db in `data` whatever the home's path. */
function quartet(args: readonly string[], o: { home: string; data: string; env?: NodeJS.ProcessEnv; killAfterMs?: number }) {
  return runCli(args, { dataDir: o.data, env: { HOME: o.home, ...o.env }, killAfterMs: o.killAfterMs });
}

/** Two kinds of report, alternating, so processes differ in what they read once the ledger is ready. */
const KINDS = [
  ["usage", "--json"],
  ["cache", "--json", "--limit", "1000"],
] as const;
const PROCESSES = 8;
const ROUNDS = 5;

interface Usage {
  rows: { requests: number }[];
  totals: { requests: number; costUsd: number };
}

let full: string;
let reference: string[];

beforeAll(async () => {
  full = generatedHome(110);
  reference = [];
  // One after the other on one ledger: the first loads it, the second reads it.
  const data = fileTempDir("quartet-data-");
  for (const args of KINDS) {
    const r = await quartet(args, { home: full, data });
    expect(r.code, r.stderr).toBe(0);
    reference.push(r.stdout);
  }
  expect((JSON.parse(reference[0]!) as Usage).totals.requests).toBeGreaterThan(10_000);
}, 120_000);

/**
 * Alone, a test here takes 13-30 s; in a full `npm test` on two cores, beside two other end-to-end files, one
 * took 64 s (CI of 2026-12-02).
 */
const ROUNDS_TIMEOUT_MS = 180_000;

describe("eight processes started together", { timeout: ROUNDS_TIMEOUT_MS }, () => {
  it(`on a new ledger, ${ROUNDS} rounds: all succeed with the totals of a single clean run`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const data = tempDir("quartet-data-");
      const runs = await Promise.all(Array.from({ length: PROCESSES }, (_, i) => quartet(KINDS[i % 2]!, { home: full, data })));
      runs.forEach((r, i) => {
        expect(r.code, `round ${round}, process ${i}: ${r.stderr}`).toBe(0);
        expect(r.stdout, `round ${round}, process ${i}`).toBe(reference[i % 2]);
      });
    }
  });

  it(`while transcripts grow, ${ROUNDS} rounds: all succeed, each with a whole ledger, and the next run is exact`, async () => {
    const home = tempDir("quartet-home-");
    const { grow, restore } = earlierCopy(full, home);
    const early = JSON.parse((await quartet(KINDS[0], { home, data: tempDir("quartet-data-") })).stdout) as Usage;
    const final = JSON.parse(reference[0]!) as Usage;
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts from the earlier moment, on a new ledger.
      restore();
      const data = tempDir("quartet-data-");
      const runs = Array.from({ length: PROCESSES }, () => quartet(KINDS[0], { home, data }));
      // The transcripts grow while the processes start and read.
      await new Promise((resolve) => setImmediate(resolve));
      grow();
      for (const [i, r] of (await Promise.all(runs)).entries()) {
        expect(r.code, `round ${round}, process ${i}: ${r.stderr}`).toBe(0);
        const u = JSON.parse(r.stdout) as Usage;
        expect(u.totals.requests, `round ${round}, process ${i}`).toBeGreaterThanOrEqual(early.totals.requests);
        expect(u.totals.requests, `round ${round}, process ${i}`).toBeLessThanOrEqual(final.totals.requests);
        expect(u.rows.reduce((a, row) => a + row.requests, 0)).toBe(u.totals.requests);
      }
      const after = await quartet(KINDS[0], { home, data });
      expect(after.stdout.replaceAll(home, full)).toBe(reference[0]);
    }
  });
});
