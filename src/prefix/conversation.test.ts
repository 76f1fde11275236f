import { describe, expect, it } from "vitest";
import { canonicalBlocks, type CacheableRequest } from "./blocks.js";
import { commonPrefixBlocks, isOpeningRequest, matchConversation, type ConversationHead } from "./conversation.js";

const tools = [{ name: "Read", description: "Reads a file", input_schema: { type: "object" } }];
type Message = CacheableRequest["messages"][number];
const user = (text: string): Message => ({ role: "user", content: [{ type: "text", text }] });
const assistant = (text: string): Message => ({ role: "assistant", content: [{ type: "text", text }] });
const blocks = (system: string, messages: Message[]) => canonicalBlocks({ model: "claude-sonnet-4-5", tools, system, messages });
const head = (session: string | null, b: ReturnType<typeof blocks>, name: string) => ({ session, blocks: b, name });

const MAIN = "You are the main agent.";
const SUBAGENT = "You are a search subagent.";

describe("conversation matching", () => {
  const main1 = blocks(MAIN, [user("fix the bug")]);
  const main2 = blocks(MAIN, [user("fix the bug"), assistant("looking"), user("tool output")]);
  const sub2 = blocks(SUBAGENT, [user("find completeTodo"), assistant("searching"), user("tool output")]);

  it("counts the leading blocks two requests share", () => {
    expect(commonPrefixBlocks(main1, main2)).toBe(3); // tools[Read], system[0], messages[0]
    expect(commonPrefixBlocks(main2, sub2)).toBe(1); // only the tool
  });

  it("opens a new conversation for a single first prompt, but not for a compaction summary", () => {
    expect(isOpeningRequest(main1)).toBe(true);
    expect(isOpeningRequest(main2)).toBe(false);
    expect(isOpeningRequest(blocks(MAIN, [user("This session is being continued from a previous conversation. Summary: …")]))).toBe(false);
    const reminder = blocks(MAIN, [
      {
        role: "user",
        content: [
          { type: "text", text: "<system-reminder>Keep answers compact.</system-reminder>" },
          { type: "text", text: "hi" },
        ],
      },
    ]);
    expect(isOpeningRequest(reminder)).toBe(true);
  });

  it("follows a subagent and the main agent sharing one session id, each to its own conversation", () => {
    const conversations: (ConversationHead & { name: string })[] = [head("s1", main2, "main"), head("s1", sub2, "subagent")];
    const main3 = blocks(MAIN, [user("fix the bug"), assistant("looking"), user("tool output"), assistant("editing"), user("done")]);
    const sub3 = blocks(SUBAGENT, [user("find completeTodo"), assistant("searching"), user("tool output"), assistant("found"), user("ok")]);
    expect(matchConversation(conversations, "s1", main3)?.name).toBe("main");
    expect(matchConversation(conversations, "s1", sub3)?.name).toBe("subagent");
    // A new subagent's first request opens a conversation of its own instead of "breaking" the main one.
    expect(matchConversation(conversations, "s1", blocks(SUBAGENT, [user("find addTodo")]))).toBeUndefined();
  });

  it("keeps a conversation whose first block changed when the session id says it is the same one", () => {
    const changedTools = canonicalBlocks({
      model: "claude-sonnet-4-5",
      tools: [{ ...tools[0]!, description: "Reads a file (1M context)" }],
      system: MAIN,
      messages: [user("fix the bug"), assistant("looking"), user("more")],
    });
    expect(commonPrefixBlocks(main2, changedTools)).toBe(0);
    expect(matchConversation([head("s1", main2, "main")], "s1", changedTools)?.name).toBe("main");
    expect(matchConversation([head("s1", main2, "main")], "s2", changedTools)).toBeUndefined();
  });

  it("without session ids, matches by the longest shared prefix and opens a new conversation when nothing is shared", () => {
    const conversations = [head(null, main2, "main"), head(null, sub2, "subagent")];
    const main3 = blocks(MAIN, [user("fix the bug"), assistant("looking"), user("tool output"), assistant("editing"), user("done")]);
    expect(matchConversation(conversations, null, main3)?.name).toBe("main");
    const otherTools = canonicalBlocks({
      model: "claude-sonnet-4-5",
      tools: [],
      system: "Other.",
      messages: [user("a"), assistant("b"), user("c")],
    });
    expect(matchConversation(conversations, null, otherTools)).toBeUndefined();
  });
});
