import { describe, expect, it } from "vitest";
import { fromOpencodeTemplate, toOpencodeTemplate } from "../../runtimes/opencode/workflow/arguments.js";
import { fromCodexTemplate, toCodexTemplate } from "../../runtimes/codex/workflow/arguments.js";
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

  it("shifts to and from Codex's 1-based $N, whose last placeholder takes one argument like Claude Code's", () => {
    const out = toCodexTemplate("Review #$0 in ${CLAUDE_PROJECT_DIR}/src; all: $ARGUMENTS");
    expect(out.text).toBe("Review #$1 in ./src; all: $ARGUMENTS");
    expect(out.lossy).toEqual(["${CLAUDE_PROJECT_DIR} became . (Codex works in the project folder)"]);
    expect(fromCodexTemplate("Squash the last $1 commits with message: $2")).toEqual({
      text: "Squash the last $0 commits with message: $1",
      lossy: [],
      unsupported: [],
    });
  });

  it("says a tenth argument and beyond cannot be said in Codex, which reads $10 as $1 followed by 0", () => {
    const out = toCodexTemplate("Files: $8 $9 $10 and again $ARGUMENTS[9]; price $5x");
    expect(out.text).toBe("Files: $9 $10 $11 and again $10; price $5x");
    expect(out.unsupported).toEqual([
      "argument 10 ($10): Codex has only $1…$9 and would read $10 as $1 followed by 0; not portable",
      "argument 11 ($11): Codex has only $1…$9 and would read $11 as $1 followed by 1; not portable",
    ]);
    // Named arguments count by their place: the tenth is $10.
    const names = Array.from({ length: 10 }, (_, i) => `a${i}`);
    expect(toCodexTemplate("Last: $a9, first: $a0", names).unsupported).toEqual([
      "argument 10 ($10): Codex has only $1…$9 and would read $10 as $1 followed by 0; not portable",
    ]);
    expect(toCodexTemplate("Up to $8", names).unsupported).toEqual([]);
    // OpenCode has no such limit.
    expect(toOpencodeTemplate("Files: $9 $10").unsupported).toEqual([]);
    // A Codex prompt's $10 is its $1 and a 0: reading it says so.
    expect(fromCodexTemplate("Take $10").lossy).toEqual(["$10 is $1 followed by 0 in Codex, but argument 10 in Claude Code"]);
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
