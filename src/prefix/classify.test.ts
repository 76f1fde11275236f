import { describe, expect, it } from "vitest";
import { canonicalBlocks, settingsHash, type CacheableRequest } from "./blocks.js";
import { classifyBreak, type ClassifyInput } from "./classify.js";
import { firstDivergence, textExcerpt } from "./diff.js";

const tool = (name: string, description = `${name} does things`, props: Record<string, unknown> = { path: { type: "string" } }) => ({
  name,
  description,
  input_schema: { type: "object", properties: props },
});
const marker = { type: "ephemeral" };

function request(over: Partial<CacheableRequest> = {}): CacheableRequest {
  return {
    model: "claude-sonnet-4-5",
    tools: [tool("Read"), tool("Bash"), tool("Edit")],
    system: [
      {
        type: "text",
        text: "You are a coding agent. Today's date is 2026-11-24. Working directory: /home/ana/project",
        cache_control: marker,
      },
    ],
    messages: [
      { role: "user", content: [{ type: "text", text: "read the readme" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Read", input: { path: "README.md" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "# Project\n".repeat(50), cache_control: marker }] },
    ],
    ...over,
  };
}

/** Classifies the step from `a` to `b`, as if `a` had cached everything through its last marker. */
function classify(a: CacheableRequest, b: CacheableRequest, extra: Partial<ClassifyInput> = {}) {
  const prev = canonicalBlocks(a);
  const curr = canonicalBlocks(b);
  const cachedThrough = prev.reduce((last, block) => (block.marker ? block.index : last), -1);
  return classifyBreak({
    previous: { model: a.model, blocks: prev, settings: settingsHash(a), cachedThrough },
    current: { model: b.model, blocks: curr, settings: settingsHash(b), markerCount: curr.filter((x) => x.marker).length },
    expired: false,
    minCacheableTokens: 1024,
    ...extra,
  });
}

describe("canonical blocks", () => {
  it("orders tools, system, messages, with stable ids, markers and growing token counts", () => {
    const blocks = canonicalBlocks(request());
    expect(blocks.map((b) => b.id)).toEqual([
      "tools[Read]",
      "tools[Bash]",
      "tools[Edit]",
      "system[0]",
      "messages[0].content[0]",
      "messages[1].content[0]",
      "messages[2].content[0]",
    ]);
    expect(blocks.map((b) => b.marker)).toEqual([null, null, null, "5m", null, null, "5m"]);
    for (let i = 1; i < blocks.length; i++) expect(blocks[i]!.prefixTokens).toBe(blocks[i - 1]!.prefixTokens + blocks[i]!.tokens);
  });

  it("hashes content, not markers: the same blocks with a moved marker share their prefix hashes", () => {
    const moved = request({
      system: [{ type: "text", text: "You are a coding agent. Today's date is 2026-11-24. Working directory: /home/ana/project" }],
    });
    expect(canonicalBlocks(moved).map((b) => b.prefixHash)).toEqual(canonicalBlocks(request()).map((b) => b.prefixHash));
  });

  it("marks the last block under automatic caching", () => {
    const auto = canonicalBlocks({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      cache_control: { type: "ephemeral", ttl: "1h" },
    });
    expect(auto.at(-1)!.marker).toBe("1h");
  });
});

describe("first divergence and excerpt", () => {
  it("finds nothing when the next request only appends", () => {
    const a = request();
    const b = request({ messages: [...a.messages, { role: "user", content: "thanks" }] });
    expect(firstDivergence(canonicalBlocks(a), canonicalBlocks(b))).toBeNull();
  });

  it("shows the changed text with a little context", () => {
    expect(textExcerpt("Today's date is 2026-11-24. Go.", "Today's date is 2026-11-25. Go.")).toBe(
      "Today's date is 2026-11-2[-4-]{+5+}. Go.",
    );
  });
});

describe("break causes", () => {
  it("model changed", () => {
    expect(classify(request(), request({ model: "claude-opus-4-8" }))).toMatchObject({
      cause: "model-changed",
      detail: "claude-sonnet-4-5 → claude-opus-4-8",
    });
  });

  it("tool added, removed, reordered", () => {
    expect(classify(request(), request({ tools: [tool("Read"), tool("Grep"), tool("Bash"), tool("Edit")] }))).toMatchObject({
      cause: "tool-added",
      detail: "Grep",
      block: "tools[Grep]",
    });
    expect(classify(request(), request({ tools: [tool("Read"), tool("Edit")] }))).toMatchObject({ cause: "tool-removed", detail: "Bash" });
    expect(classify(request(), request({ tools: [tool("Read"), tool("Edit"), tool("Bash")] }))).toMatchObject({
      cause: "tools-reordered",
      detail: "Bash ↔ Edit",
    });
  });

  it("tool description or schema changed, naming the tool and the change", () => {
    const described = classify(
      request(),
      request({ tools: [tool("Read"), tool("Bash", "Bash does things. Co-Authored-By: Claude Opus 4.8"), tool("Edit")] }),
    );
    expect(described).toMatchObject({ cause: "tool-description-changed", detail: "Bash", block: "tools[Bash]" });
    expect(described.excerpt).toContain("{+. Co-Authored-By: Claude Opus 4.8+}");
    expect(
      classify(request(), request({ tools: [tool("Read"), tool("Bash", undefined, { command: { type: "string" } }), tool("Edit")] })),
    ).toMatchObject({ cause: "tool-schema-changed", detail: "Bash" });
  });

  it("system block changed, flagging date/time-like and path-like changes", () => {
    const sys = (text: string) => request({ system: [{ type: "text", text, cache_control: marker }] });
    const base = "You are a coding agent. Today's date is 2026-11-24. Working directory: /home/ana/project";
    expect(classify(sys(base), sys(base.replace("2026-11-24", "2026-11-25")))).toMatchObject({
      cause: "system-changed",
      block: "system[0]",
      detail: "date/time",
    });
    expect(classify(sys(base), sys(base.replace("/home/ana/project", "/home/ana/other")))).toMatchObject({
      cause: "system-changed",
      detail: "path",
    });
    expect(classify(sys(base), sys(`${base} Be brief.`)).detail).toBeUndefined();
  });

  it("system context carried in a message (Claude Code's CLAUDE.md reminder) counts as a system change", () => {
    const context = (md: string) =>
      request({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: `<system-reminder>\nContents of /home/ana/project/CLAUDE.md:\n${md}\n</system-reminder>` },
              { type: "text", text: "read the readme", cache_control: marker },
            ],
          },
        ],
      });
    expect(classify(context("Use tabs."), context("Use spaces."))).toMatchObject({
      cause: "system-changed",
      block: "messages[0].content[0]",
      detail: "system context in a message",
    });
  });

  it("an earlier message rewritten, such as a pruned tool output", () => {
    const a = request();
    const pruned = request({
      messages: [
        a.messages[0]!,
        a.messages[1]!,
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "t1", content: "[Old tool result content cleared]", cache_control: marker }],
        },
      ],
    });
    expect(classify(a, pruned)).toMatchObject({ cause: "message-rewritten", block: "messages[2].content[0]" });
  });

  it("compaction: fewer messages and a summary", () => {
    const compacted = request({
      messages: [
        {
          role: "user",
          content: [
            {
              type: "text",
              text: "This session is being continued from a previous conversation. Summary: read the readme.",
              cache_control: marker,
            },
          ],
        },
      ],
    });
    expect(classify(request(), compacted)).toMatchObject({ cause: "compaction", detail: "3 → 1 messages" });
  });

  it("request settings changed (tool_choice, thinking)", () => {
    expect(classify(request(), request({ tool_choice: { type: "any" } }))).toMatchObject({
      cause: "settings-changed",
      block: "messages[0].content[0]",
    });
  });

  it("TTL expired, when nothing changed", () => {
    expect(classify(request(), request(), { expired: true, expiredTtl: "5m" })).toEqual({ cause: "ttl-expired", detail: "5m" });
  });

  it("a changed block after an expired cache names the block and says the cache had also expired", () => {
    const sys = (text: string) => request({ system: [{ type: "text", text, cache_control: marker }] });
    expect(classify(sys("Be brief."), sys("Be terse."), { expired: true, expiredTtl: "1h" })).toMatchObject({
      cause: "system-changed",
      block: "system[0]",
      detail: "cache also expired (1h)",
    });
  });

  it("markers missing, moved beyond the lookback window, or too many", () => {
    const a = request();
    const strip = (r: CacheableRequest): CacheableRequest =>
      JSON.parse(JSON.stringify(r, (k, v) => (k === "cache_control" ? undefined : v)));
    expect(classify(a, strip(a))).toMatchObject({ cause: "marker-missing" });
    const long = strip(a);
    const extra = Array.from({ length: 25 }, (_, i) => ({
      role: i % 2 ? "assistant" : "user",
      content: [{ type: "text", text: `turn ${i}`, ...(i === 24 ? { cache_control: marker } : {}) }],
    }));
    expect(classify(a, { ...long, messages: [...long.messages, ...extra] })).toMatchObject({ cause: "marker-moved" });
    const many = request({
      messages: a.messages.map((m) => ({
        ...m,
        content: (m.content as Record<string, unknown>[]).map((c) => ({ ...c, cache_control: marker })),
      })),
    });
    const withTools = { ...many, tools: many.tools!.map((t) => ({ ...t, cache_control: marker })) };
    expect(classify(a, withTools)).toMatchObject({ cause: "too-many-markers" });
  });

  it("below the model's minimum cacheable length", () => {
    const tiny: CacheableRequest = {
      model: "claude-haiku-4-5",
      system: [{ type: "text", text: "short", cache_control: marker }],
      messages: [{ role: "user", content: "hi" }],
    };
    const prev = canonicalBlocks(tiny);
    expect(
      classifyBreak({
        previous: { model: tiny.model, blocks: prev, settings: "", cachedThrough: -1 },
        current: { model: tiny.model, blocks: prev, settings: "", markerCount: 1 },
        expired: false,
        minCacheableTokens: 4096,
      }),
    ).toMatchObject({ cause: "below-minimum" });
  });
});
