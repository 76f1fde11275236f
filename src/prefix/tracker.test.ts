import { describe, expect, it } from "vitest";
import { canonicalBlocks, promptTokens, settingsHash, type CacheableRequest } from "./blocks.js";
import { ConversationTracker, expiredByGap, judgeRead, markedPrefixTokens, sessionOf, type Placement } from "./tracker.js";

type Message = CacheableRequest["messages"][number];
const MARK = { type: "ephemeral" } as const;
const tools = [{ name: "Bash", description: "Runs a command", input_schema: { type: "object" } }];
const user = (text: string): Message => ({ role: "user", content: [{ type: "text", text }] });
const assistant = (text: string): Message => ({ role: "assistant", content: [{ type: "text", text }] });
/** The last message carries the marker, as Claude Code marks its requests. */
function request(model: string, messages: Message[], over: Partial<CacheableRequest> = {}): CacheableRequest {
  const last = messages[messages.length - 1]!;
  const marked = { ...last, content: (last.content as Record<string, unknown>[]).map((c) => ({ ...c, cache_control: MARK })) };
  return {
    model,
    tools,
    system: [{ type: "text", text: `You are powered by ${model}. ${"Long instructions. ".repeat(300)}`, cache_control: MARK }],
    messages: [...messages.slice(0, -1), marked],
    ...over,
  };
}

/** Places a request, then records it as its conversation's head (as if it cached through its last marker). */
function follow(tracker: ConversationTracker, r: CacheableRequest, session: string | null, at = 0): Placement {
  const blocks = canonicalBlocks(r);
  const placement = tracker.place({ session, model: r.model, blocks });
  const last = blocks.map((b) => b.marker !== null).lastIndexOf(true);
  tracker.advance(placement, {
    session,
    model: r.model,
    blocks,
    settings: settingsHash(r),
    at,
    cachedThrough: last,
    markedTokens: markedPrefixTokens(blocks),
  });
  return placement;
}

describe("the session a request belongs to", () => {
  it("comes from the headers, metadata.user_id as JSON, or Claude Code's older user_id string", () => {
    expect(sessionOf({ "x-claude-code-session-id": "s-head" }, {})).toBe("s-head");
    expect(sessionOf({ "x-session-id": "ses_oc" }, {})).toBe("ses_oc");
    expect(sessionOf({}, { metadata: { user_id: JSON.stringify({ device_id: "d", session_id: "s-json" }) } })).toBe("s-json");
    const legacy = "user_4f2a9c_account__session_0b6c2a64-3d1e-4b7a-9f53-2c1d7e8a9b10";
    expect(sessionOf({}, { metadata: { user_id: legacy } })).toBe("0b6c2a64-3d1e-4b7a-9f53-2c1d7e8a9b10");
    expect(sessionOf({}, { metadata: { user_id: "someone" } })).toBeNull();
    expect(sessionOf({}, null)).toBeNull();
  });

  it("takes a header before the body, and reads a body given as a function only when no header names the session", () => {
    const body = { metadata: { user_id: JSON.stringify({ session_id: "s-json" }) } };
    let reads = 0;
    const lazy = () => (reads++, body);
    expect(sessionOf({ "x-session-id": "ses_oc" }, lazy)).toBe("ses_oc");
    expect(reads).toBe(0);
    expect(sessionOf({}, lazy)).toBe("s-json");
    expect(reads).toBe(1);
  });
});

describe("following conversations", () => {
  const opening = [user("fix the bug")];
  const turn2 = [...opening, assistant("looking"), user("tool output")];
  const turn3 = [...turn2, assistant("found it"), user("more output")];

  it("files a model switch that carries the conversation's messages as main, in the same conversation", () => {
    const t = new ConversationTracker();
    expect(follow(t, request("claude-sonnet-4-5", opening), "s")).toMatchObject({ kind: "main", conversation: 1 });
    follow(t, request("claude-sonnet-4-5", turn2), "s");
    // The system prompt names the model, so the shared prefix stops at the system; the messages are the same.
    const switched = follow(t, request("claude-opus-4-1", turn3), "s");
    expect(switched.kind).toBe("main");
    expect(switched.conversation).toBe(1);
    expect(switched.previous?.model).toBe("claude-sonnet-4-5");
  });

  it("files a tool-less request, and a side model's request that carries no conversation's messages, as auxiliary", () => {
    const t = new ConversationTracker();
    follow(t, request("claude-sonnet-4-5", opening), "s");
    expect(follow(t, request("claude-sonnet-4-5", turn2, { tools: [] }), "s")).toEqual({ kind: "auxiliary", conversation: null });
    // A small model's subagent: its own prompt, then its own turns; none carries the main conversation.
    const side = [user("find completeTodo")];
    expect(follow(t, request("claude-haiku-4-5", side), "s").kind).toBe("auxiliary");
    expect(follow(t, request("claude-haiku-4-5", [...side, assistant("searching"), user("grep output")]), "s").kind).toBe("auxiliary");
    // A subagent on the main model opens a conversation of its own.
    expect(follow(t, request("claude-sonnet-4-5", side), "s")).toMatchObject({ kind: "main", conversation: 2 });
  });

  it("without a session id, continues only a conversation the request shares something with", () => {
    const t = new ConversationTracker();
    follow(t, request("claude-sonnet-4-5", opening), null);
    const other = { tools: [{ name: "Read", description: "r", input_schema: {} }], system: "x" };
    expect(follow(t, request("claude-sonnet-4-5", [user("a new task"), assistant("ok"), user("go")], other), null)).toMatchObject({
      kind: "main",
      conversation: 2,
    });
    expect(follow(t, request("claude-sonnet-4-5", turn2), null)).toMatchObject({ kind: "main", conversation: 1 });
  });

  it("continues restored heads (a restarted gateway) and numbers new conversations after them", () => {
    const first = new ConversationTracker();
    follow(first, request("claude-sonnet-4-5", turn2), "s");
    const restarted = new ConversationTracker();
    restarted.restore(first.conversations.map((c) => ({ ...c, id: 7 })));
    expect(
      restarted.place({ session: "s", model: "claude-sonnet-4-5", blocks: canonicalBlocks(request("claude-sonnet-4-5", turn3)) }),
    ).toMatchObject({
      kind: "main",
      conversation: 7,
    });
    expect(follow(restarted, request("claude-sonnet-4-5", opening), "s").conversation).toBe(8);
  });
});

describe("judging a read against the previous request", () => {
  it("reports a model switch's re-written prefix as a model-changed break", () => {
    const t = new ConversationTracker();
    follow(t, request("claude-sonnet-4-5", turn()), "s");
    const r = request("claude-opus-4-1", [...turn(), assistant("ok"), user("next")]);
    const blocks = canonicalBlocks(r);
    const placement = t.place({ session: "s", model: r.model, blocks });
    const judged = judgeRead({
      previous: placement.previous!,
      current: { model: r.model, blocks, settings: settingsHash(r), promptTokens: promptTokens(blocks), cacheRead: 0 },
      expiredTtl: undefined,
      minCacheableTokens: 1024,
    });
    expect(judged.expectedRead).toBe(placement.previous!.markedTokens);
    expect(judged.break).toMatchObject({
      cause: "model-changed",
      detail: "claude-sonnet-4-5 → claude-opus-4-1",
      lostTokens: judged.expectedRead,
    });
  });

  it("finds no break when the request read all that was cached, and a TTL expiry from the gap alone", () => {
    const t = new ConversationTracker();
    follow(t, request("claude-sonnet-4-5", turn()), "s", 1_000);
    const head = t.conversations[0]!;
    expect(expiredByGap(head, 1_000 + 5 * 60_000)).toBeUndefined();
    expect(expiredByGap(head, 1_000 + 5 * 60_000 + 1)).toBe("5m");
    const r = request("claude-sonnet-4-5", [...turn(), assistant("ok"), user("next")]);
    const blocks = canonicalBlocks(r);
    const current = { model: r.model, blocks, settings: settingsHash(r), promptTokens: promptTokens(blocks) };
    expect(
      judgeRead({ previous: head, current: { ...current, cacheRead: head.markedTokens }, expiredTtl: undefined, minCacheableTokens: 1024 }),
    ).toEqual({
      expectedRead: head.markedTokens,
    });
    const late = judgeRead({ previous: head, current: { ...current, cacheRead: 0 }, expiredTtl: "5m", minCacheableTokens: 1024 });
    expect(late.break).toMatchObject({ cause: "ttl-expired", detail: "5m", lostTokens: head.markedTokens });
  });
});

function turn(): Message[] {
  return [user("fix the bug"), assistant("looking"), user("tool output")];
}
