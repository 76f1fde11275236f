import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIXTURES, tempDir } from "../../../test/helpers.js";
import { filesUnder, observe } from "../../../test/observe.js";
import { Mark } from "../../contract/log-records.js";
import { claudeParser, findFirst, findLast, sameClaudeRequest } from "./transcript.js";

const files = filesUnder(path.join(FIXTURES, "claude", "projects"), ".jsonl");
const all = files.map((f) => ({ file: f, ...observe(f, claudeParser) }));
const observations = all.flatMap((a) => a.observations);
const warnings = all.flatMap((a) => a.warnings);

/** Independent reading of the same files: assistant lines, by message id + request id, skipping errors. */
function expectedRequests() {
  const byKey = new Map<string, { model: string; input: number; output: number; read: number; write: number }>();
  for (const file of files) {
    for (const line of fs.readFileSync(file, "utf8").split("\n").filter(Boolean)) {
      const l = JSON.parse(line);
      if (l.type !== "assistant" || l.isApiErrorMessage || l.message?.model === "<synthetic>") continue;
      const u = l.message.usage;
      byKey.set(`${l.message.id}:${l.requestId}`, {
        model: l.message.model,
        input: u.input_tokens,
        output: u.output_tokens,
        read: u.cache_read_input_tokens,
        write: u.cache_creation_input_tokens,
      });
    }
  }
  return byKey;
}

describe("Claude Code transcripts (recorded from claude 2.1.197)", () => {
  it("yields one observation per API request line, keyed by message id and request id", () => {
    const expected = expectedRequests();
    const keys = new Set(observations.map((o) => o.key));
    expect(keys).toEqual(new Set(expected.keys()));
    for (const o of observations) {
      const e = expected.get(o.key)!;
      expect(o.tokens).toMatchObject({ input: e.input, output: e.output, cacheRead: e.read });
      expect(o.tokens!.cacheWrite5m + o.tokens!.cacheWrite1h).toBe(e.write);
      expect(o.model).toBe(e.model);
    }
  });

  it("does not decode a content-block line that repeats the previous line's request", () => {
    const lines = fs
      .readFileSync(
        files.find((f) => f.includes("subagents"))!,
        "utf8",
      )
      .split("\n")
      .filter((l) => l.includes('"type":"assistant"'));
    const [a, b] = lines.map((l) => Buffer.from(l));
    // Claude Code 2.1.197 wrote the text and the tool_use block of the first response as two lines.
    expect(JSON.parse(lines[0]!).message.id).toBe(JSON.parse(lines[1]!).message.id);
    expect(sameClaudeRequest(b!, a!)).toBe(true);
    expect(sameClaudeRequest(Buffer.from(lines[lines.length - 1]!), a!)).toBe(false);
  });

  it("skips API-error and <synthetic> lines and counts them in the warnings", () => {
    const codes = warnings.map((w) => w.code).sort();
    expect(codes).toContain("api-error");
    expect(codes).toContain("synthetic");
    for (const w of warnings) expect(w.line).toBeGreaterThan(0);
  });

  it("keeps the 5-minute / 1-hour write split", () => {
    const oneHour = observations.filter((o) => o.model === "claude-sonnet-4-5");
    expect(oneHour.length).toBeGreaterThan(0);
    for (const o of oneHour) expect(o.tokens).toMatchObject({ cacheWrite5m: 0 });
    expect(oneHour.some((o) => o.tokens!.cacheWrite1h > 0)).toBe(true);
    expect(observations.filter((o) => o.model === "claude-opus-4-8").every((o) => o.tokens!.cacheWrite1h === 0)).toBe(true);
  });

  it("marks subagent requests with their agent id, under the parent's session", () => {
    const sub = all.find((a) => a.file.includes("/subagents/agent-"))!;
    const agentId = /agent-([^/]+)\.jsonl$/.exec(sub.file)![1];
    const parentSession = path.basename(path.dirname(path.dirname(sub.file)));
    expect(sub.observations.length).toBeGreaterThan(0);
    for (const o of sub.observations) expect(o).toMatchObject({ isSubagent: true, agentId, sessionId: parentSession });
  });

  it("marks the first request after a compaction boundary and after a process restart", () => {
    const compacted = all.find((a) => fs.readFileSync(a.file, "utf8").includes('"subtype":"compact_boundary"'))!;
    expect(compacted.observations.some((o) => (o.marks ?? 0) & Mark.compaction)).toBe(true);
    const continued = all.filter((a) => a.observations.some((o) => (o.marks ?? 0) & Mark.resumed));
    expect(continued.length).toBeGreaterThan(0);
    // The first request of a file never carries a mark: nothing came before it.
    for (const a of all) expect(a.observations[0]?.marks ?? 0).toBe(0);
  });

  it("reads cwd, version and session id from the lines", () => {
    for (const o of observations) {
      expect(o.project).toMatch(/\/project$/);
      expect(o.version).toBe("2.1.197");
      expect(o.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe("Claude Code timestamps", () => {
  it("warns about a request whose time is not an ISO date and time, and does not count it on a day Date.parse makes up", () => {
    const at = (timestamp: string, id: string) =>
      JSON.stringify({
        type: "assistant",
        sessionId: "s",
        timestamp,
        requestId: "r",
        message: { id, model: "m", usage: { output_tokens: 1 } },
      });
    const file = path.join(tempDir(), "times.jsonl");
    fs.writeFileSync(
      file,
      [at("2026-03-01T22:38:47.557Z", "good"), at("x 5", "a"), at("2026-02-30T10:00:00Z", "b"), at("2026-03-01T10:00:00", "c")].join("\n") +
        "\n",
    );
    const { observations, warnings } = observe(file, claudeParser);
    expect(observations.map((o) => o.key)).toEqual(["good:r"]);
    // One problem, whatever the values: a file with thousands of them gets one warning, not thousands.
    expect(warnings).toEqual([
      expect.objectContaining({ line: 2, lines: [2, 3, 4], count: 3, message: 'field timestamp: not a date: "x 5" (and other values)' }),
    ]);
  });
});

describe("Claude Code transcripts read from the declared keys only", () => {
  it("give the same records and warnings as whole decoded lines", () => {
    const whole = { ...claudeParser, reads: undefined };
    const base = '"type":"assistant","sessionId":"s","timestamp":"2026-01-01T00:00:00Z","requestId":"r"';
    const odd = [
      `{${base},"message":{"id":"a","model":"m","usage":{"input_tokens":"5","output_tokens":1}}}`,
      `{${base},"message":{"id":"b","model":"m","usage":[1]}}`,
      `{${base},"message":"text"}`,
      `{${base},"message":{"id":"c","model":"m","usage":{"output_tokens":2,"cache_creation":null,"speed":"fast"}},"costUSD":0.5}`,
      `{${base},"message":{"id":"d","model":"m","usage":{"output_tokens":2,"cache_creation_input_tokens":9,"cache_creation":{"ephemeral_1h_input_tokens":12}},"usage":{}}}`,
      `{${base},"message":{"id":"e","model":"m","usage":{"output_tokens":1.5e3,"input_tokens":-0}},"isSidechain":true,"agentId":""}`,
      `{"type":"progress","sessionId":"s","data":{"type":"agent_progress","agentId":"x","message":{"type":"assistant","timestamp":"2026-01-02T00:00:00Z","message":{"id":"f","model":"m","usage":{"output_tokens":3}}}}}`,
      `{"type":"system","subtype":"compact_boundary","usage":1,"x":"assistant"}`,
      `{${base},"message":{"id":"g","model":"m","usage":{"output_tokens":4}},"\u0074ype":"user"}`,
    ];
    const file = path.join(tempDir(), "odd.jsonl");
    fs.writeFileSync(file, odd.join("\n") + "\n");
    for (const f of [...files, file]) expect(observe(f, claudeParser)).toStrictEqual(observe(f, whole));
  });
});

describe("byte search by a needle's rarer byte", () => {
  it("finds what Buffer.indexOf and lastIndexOf find", () => {
    const needles = ['"usage"', '"uuid"', '"message":{"id":"'].map((n) => Buffer.from(n));
    const line = fc.string({ unit: fc.constantFrom('"', "u", "s", "a", "g", "e", "d", "i", "{", ":", "m", "x"), maxLength: 80 });
    fc.assert(
      fc.property(line, fc.nat(), fc.nat(), fc.nat(2), fc.nat(20), (text, from, to, which, k) => {
        const bytes = Buffer.from(text);
        const needle = needles[which]!;
        const at = k % needle.length;
        const start = from % (bytes.length + 1);
        const end = start + (to % (bytes.length - start + 1));
        expect(findFirst(bytes, needle, at, start, end)).toBe(bytes.subarray(0, end).indexOf(needle, start));
        expect(findLast(bytes, needle, at)).toBe(bytes.lastIndexOf(needle));
      }),
      { numRuns: 20_000 },
    );
  });
});
