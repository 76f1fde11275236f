import { describe, expect, it } from "vitest";
import { fromOpencodeTemplate, toOpencodeTemplate } from "../../runtimes/opencode/workflow/arguments.js";
import { fromCodexTemplate, toCodexSkillBody } from "../../runtimes/codex/workflow/arguments.js";
import { editTools, fromOpencodeTool, toOpencodeTool } from "../../runtimes/opencode/workflow/tools.js";

describe("command arguments", () => {
  it("shifts Claude Code's 0-based $N and $ARGUMENTS[N] to OpenCode's 1-based $N", () => {
    const out = toOpencodeTemplate("Review #$0, focus on $1; all: $ARGUMENTS; first again: $ARGUMENTS[0]; price $5x");
    expect(out.text).toBe("Review #$1, focus on $2; all: $ARGUMENTS; first again: $1; price $5x");
    expect(out.lossy).toEqual(["OpenCode's last numbered placeholder takes all remaining arguments; Claude Code's takes one"]);
  });

  it("turns named arguments into their positions, and ${CLAUDE_PROJECT_DIR} into the project root", () => {
    const out = toOpencodeTemplate("Fix #$issue (priority $priority) in ${CLAUDE_PROJECT_DIR}/src", ["issue", "priority"]);
    expect(out.text).toBe("Fix #$1 (priority $2) in ./src");
    expect(out.lossy).toContain("${CLAUDE_PROJECT_DIR} became . (OpenCode runs shell lines in the project root)");
  });

  it("leaves templates without placeholders alone", () => {
    expect(toOpencodeTemplate("Run the tests for $ARGUMENTS.")).toEqual({
      text: "Run the tests for $ARGUMENTS.",
      lossy: [],
      unsupported: [],
    });
  });

  it("shifts OpenCode's $N back, and says the last one no longer takes the rest", () => {
    const out = fromOpencodeTemplate("Squash the last $1 commits with message: $2");
    expect(out.text).toBe("Squash the last $0 commits with message: $1");
    expect(out.lossy).toEqual(["$2 takes all remaining arguments in OpenCode; in Claude Code it takes one"]);
    expect(toOpencodeTemplate(out.text).text).toBe("Squash the last $1 commits with message: $2");
  });

  it("says Codex's arguments in words, since a skill gets none: the text after `$name`, and its words in order", () => {
    const out = toCodexSkillBody("Review #$0 in ${CLAUDE_PROJECT_DIR}/src, then $ARGUMENTS[1]; all: $ARGUMENTS", "review");
    const after = "after `$review` in the person's message";
    expect(out.text).toBe(`Review #(the first word ${after}) in ./src, then (the second word ${after}); all: (the text ${after})`);
    expect(out.lossy).toEqual([
      "Codex passes no arguments to a skill (invoked as `$review args`): its argument placeholders became words telling the model where to find them",
      "${CLAUDE_PROJECT_DIR} became . (Codex works in the project folder)",
    ]);
    expect(out.unsupported).toEqual([]);
    // Named arguments count by their place, with no limit; a template without placeholders is kept as it is.
    const names = Array.from({ length: 11 }, (_, i) => `a${i}`);
    expect(toCodexSkillBody("Last: $a10, tenth: $a9; price $5x", "x", names).text).toBe(
      "Last: (the word number 11 after `$x` in the person's message), tenth: (the tenth word after `$x` in the person's message); price $5x",
    );
    expect(toCodexSkillBody("Run the tests.\n", "t")).toEqual({ text: "Run the tests.\n", lossy: [], unsupported: [] });
  });

  it("reads an old Codex prompt's 1-based $N, whose $10 is its $1 and a 0", () => {
    expect(fromCodexTemplate("Squash the last $1 commits with message: $2")).toEqual({
      text: "Squash the last $0 commits with message: $1",
      lossy: [],
      unsupported: [],
    });
    expect(fromCodexTemplate("Take $10").lossy).toEqual(["$10 is $1 followed by 0 in Codex, but argument 10 in Claude Code"]);
    // OpenCode has no such limit.
    expect(toOpencodeTemplate("Files: $9 $10").unsupported).toEqual([]);
  });
});

describe("tool names", () => {
  it("maps Claude Code tools and MCP names to OpenCode keys and back", () => {
    expect(toOpencodeTool("Write")).toEqual({ ok: true, key: "edit" });
    expect(toOpencodeTool("mcp__github__create_issue")).toEqual({ ok: true, key: "github_create_issue" });
    expect(toOpencodeTool("mcp__github")).toEqual({ ok: true, key: "github_*" });
    expect(toOpencodeTool("CronCreate")).toMatchObject({ ok: false });
    expect(fromOpencodeTool("my_server_search", ["my_server"])).toEqual(["mcp__my_server__search"]);
    expect(fromOpencodeTool("lsp", [])).toEqual(["opencode:lsp"]);
    expect(editTools(["Read", "Edit"])).toEqual(["Read", "Edit", "Write", "NotebookEdit"]);
  });
});
