import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../../test/helpers.js";
import { loadScenario } from "./scenario.js";
import { scriptedAnswer, type RequestLike } from "./scripted-model.js";

const recorded = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, "requests", name), "utf8")) as RequestLike;
const scenario = loadScenario("explore-edit-test").scenario;
const steps = scenario.steps.filter((s) => "prompt" in s) as { prompt: string }[];

/** The tools a recorded request offered, with a conversation of our own. */
function conversation(tools: RequestLike["tools"], messages: RequestLike["messages"]): RequestLike {
  return { tools, messages };
}

describe("the scripted model, on the tools the real runtimes offer", () => {
  it("uses Claude Code's tool names and argument names (Grep {pattern}, Read {file_path})", () => {
    const tools = recorded("claude-before-continue.json").tools;
    const ask = [{ role: "user", content: [{ type: "text", text: steps[1]!.prompt }] }];
    const first = scriptedAnswer(conversation(tools, ask), scenario, "/work/repo", 1);
    expect(first.content).toEqual([{ type: "tool_use", id: "toolu_lab_1", name: "Grep", input: { pattern: "addTodo" } }]);
    const afterGrep = [
      ...ask,
      { role: "assistant", content: [first.content[0]!] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_lab_1", content: "src/todos.js" }] },
    ];
    expect(scriptedAnswer(conversation(tools, afterGrep), scenario, "/work/repo", 2).content).toEqual([
      { type: "tool_use", id: "toolu_lab_2", name: "Read", input: { file_path: "/work/repo/src/todos.js" } },
    ]);
  });

  it("uses OpenCode's (grep {pattern}, read {filePath}, edit {filePath, oldString, newString})", () => {
    const tools = recorded("opencode-request.json").tools;
    const edit = steps.findIndex((s) => s.prompt.startsWith("Fix completeTodo"));
    const ask = [{ role: "user", content: [{ type: "text", text: steps[edit]!.prompt }] }];
    const read = scriptedAnswer(conversation(tools, ask), scenario, "/w", 1).content[0]!;
    expect(read).toMatchObject({ name: "read", input: { filePath: "/w/src/todos.js" } });
    const after = [
      ...ask,
      { role: "assistant", content: [read] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "x", content: "…" }] },
    ];
    expect(scriptedAnswer(conversation(tools, after), scenario, "/w", 2).content[0]).toMatchObject({
      name: "edit",
      input: {
        filePath: "/w/src/todos.js",
        oldString: "  const todo = todos[id];",
        newString: "  const todo = todos.find((t) => t.id === id);",
      },
    });
  });

  it("fills a required string argument the scenario does not name", () => {
    const tools = recorded("opencode-request.json").tools as {
      name: string;
      input_schema: { required: string[]; properties: Record<string, unknown> };
    }[];
    const ask = [{ role: "user", content: [{ type: "text", text: "Run the tests." }] }];
    expect(scriptedAnswer(conversation(tools, ask), scenario, "/w", 1).content[0]).toMatchObject({
      name: "bash",
      input: { command: "node --test" },
    });
    // A bash tool that also requires a description (as Claude Code's older Bash did).
    const described = (t: (typeof tools)[number]) => ({
      ...t,
      input_schema: {
        ...t.input_schema,
        properties: { ...t.input_schema.properties, description: { type: "string" } },
        required: ["command", "description"],
      },
    });
    const strict = tools.map((t) => (t.name === "bash" ? described(t) : t));
    expect(scriptedAnswer(conversation(strict, ask), scenario, "/w", 1).content[0]).toMatchObject({
      input: { command: "node --test", description: "quartet lab step" },
    });
  });

  it("ends a turn with its text once its actions are done, and answers a tool-less request as auxiliary", () => {
    const tools = recorded("claude-before-continue.json").tools;
    const messages = [
      { role: "user", content: steps[3]!.prompt },
      { role: "assistant", content: [{ type: "tool_use", id: "a", name: "Bash", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "a", content: "fail" }] },
    ];
    expect(scriptedAnswer(conversation(tools, messages), scenario, "/w", 3)).toMatchObject({
      turn: 3,
      auxiliary: false,
      content: [{ type: "text", text: "One test fails - completing a todo by id does not find it." }],
    });
    expect(scriptedAnswer({ messages: [{ role: "user", content: "Generate a title" }] }, scenario, "/w", 4)).toMatchObject({
      auxiliary: true,
      turn: null,
    });
  });
});
