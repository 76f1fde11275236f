import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES, tempDir } from "../../../test/helpers.js";
import { filesUnder, observe } from "../../../test/observe.js";
import { normalize, type Counters } from "../../ledger/record.js";
import { Mark, type Observation } from "../../contract/log-records.js";
import { codexParser } from "./rollout.js";

const files = filesUnder(path.join(FIXTURES, "codex"), ".jsonl");
const byName = (part: string) => files.find((f) => f.includes(part))!;
const lines = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** What the ledger keeps of a file's observations: normalized records. */
function records(observations: Observation[]) {
  const counters: Counters = {};
  return observations.map((o) => normalize("codex", o, counters)).filter((r) => r !== null);
}

function sumOf(recs: ReturnType<typeof records>) {
  return recs.reduce((a, r) => ({ input: a.input + r.input, cacheRead: a.cacheRead + r.cacheRead, output: a.output + r.output }), {
    input: 0,
    cacheRead: 0,
    output: 0,
  });
}

/** Independent reading: the per-response usage records of the file's own thread. */
function expectedFromUsageRecords(file: string) {
  const all = lines(file);
  const thread = all.find((l) => l.type === "session_meta").payload.id;
  const usages = all.filter((l) => l.type === "token_usage_record" && l.payload.thread_id === thread).map((l) => l.payload.usage);
  return {
    count: usages.length,
    input: usages.reduce(
      (a: number, u: { input_tokens: number; cached_input_tokens: number }) => a + u.input_tokens - u.cached_input_tokens,
      0,
    ),
    cacheRead: usages.reduce((a: number, u: { cached_input_tokens: number }) => a + u.cached_input_tokens, 0),
    output: usages.reduce((a: number, u: { output_tokens: number }) => a + u.output_tokens, 0),
  };
}

describe("Codex rollouts (recorded from codex-cli 0.169.0)", () => {
  it("counts each response once, from its usage record, with cached input folded out of input", () => {
    for (const file of files) {
      const recs = records(observe(file, codexParser).observations);
      const expected = expectedFromUsageRecords(file);
      expect(recs.length, file).toBe(expected.count);
      expect(sumOf(recs), file).toEqual({ input: expected.input, cacheRead: expected.cacheRead, output: expected.output });
    }
  });

  it("counts the same totals from token_count alone (logs older than usage records), skipping unchanged totals", () => {
    const dir = tempDir();
    for (const file of files) {
      const legacy = path.join(dir, path.basename(file));
      fs.writeFileSync(
        legacy,
        lines(file)
          .filter((l) => l.type !== "token_usage_record")
          .map((l) => JSON.stringify(l))
          .join("\n") + "\n",
      );
      const recs = records(observe(legacy, codexParser).observations);
      const expected = expectedFromUsageRecords(file);
      expect(sumOf(recs), file).toEqual({ input: expected.input, cacheRead: expected.cacheRead, output: expected.output });
    }
  });

  it("counts only a fork's own response, not the parent's total it starts from", () => {
    const fork = byName("58fe");
    const recs = records(observe(fork, codexParser).observations);
    const total = lines(fork).find((l) => l.payload?.type === "token_count").payload.info.total_token_usage;
    expect(recs).toHaveLength(1);
    expect(recs[0]!.input + recs[0]!.cacheRead).toBeLessThan(total.input_tokens);
  });

  it("takes the model from turn_context and links a subagent to its parent and root", () => {
    const child = observe(byName("5dbb"), codexParser).observations;
    expect(child.length).toBeGreaterThan(0);
    for (const o of child) {
      expect(o).toMatchObject({
        model: "gpt-5.1-codex",
        isSubagent: true,
        parentSessionId: expect.stringMatching(/^01a20e22-5c63/),
        rootSessionId: expect.stringMatching(/^01a20e22-5c63/),
      });
    }
  });

  it("marks the request after a compaction and the first request of a resumed process", () => {
    expect(observe(byName("5494"), codexParser).observations.some((o) => (o.marks ?? 0) & Mark.compaction)).toBe(true);
    const resumed = records(observe(byName("4b56"), codexParser).observations);
    expect(resumed.map((r) => (r.marks & Mark.resumed ? "resumed" : "-"))).toEqual(["-", "resumed"]);
  });

  it("ignores a failed request's token_count without usage, and reads archived rollouts", () => {
    const archived = files.filter((f) => f.includes("archived_sessions"));
    expect(archived).toHaveLength(1);
    const r = observe(archived[0]!, codexParser);
    expect(records(r.observations)).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});
