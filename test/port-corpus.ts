/**
 * Shapes from real public workflows that the runtimes accept, written here as small projects of our own:
 * the port tests read them, and the real-runtime tests check that Claude Code and OpenCode load them too.
 */
import fs from "node:fs";
import path from "node:path";
import { tempDir } from "./helpers.js";

/** A project holding exactly these files (paths relative to it). */
export function writeProject(files: Record<string, string>): string {
  const dir = tempDir("quartet-corpus-");
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** Claude Code agents and commands that Claude Code 2.1.197 loads (and two it refuses). */
export const CLAUDE_HARD_CASES: Record<string, string> = {
  // The common "Examples: <example>Context: …" description: invalid YAML, which Claude Code quotes and retries.
  ".claude/agents/helper.md":
    '---\nname: helper\ndescription: Use this agent when asked. Examples: <example>Context: the user wants X. user: "do X" assistant: "ok"</example>\ntools: Read Grep, Bash(git log:*)\n---\nHelp.\n',
  ".claude/agents/dotnet.md": "---\nname: dotnet-framework-4.8-expert\ndescription: Knows .NET 4.8\n---\nKnow.\n",
  ".claude/agents/escaped.md": "---\nname: escaped\ndescription: First line\\nSecond line\n---\nGo.\n",
  ".claude/commands/optimize.md": "---\ndescription: Optimize\nargument-hint: [--aggressive] | [--maximum]\n---\nOptimize $ARGUMENTS.\n",
  ".claude/commands/commit.md": "---\ndescription: Commit\nargument-hint: [message]\n---\nCommit with $ARGUMENTS.\n",
  ".claude/commands/count.md": "---\ndescription: 42\n---\nCount.\n",
  // What Claude Code cannot read either: it skips the agent, so the port reports it and goes on.
  ".claude/agents/lost.md": "---\nname: lost\ndescription: Use it when asked. Examples:\n---\nLost.\n",
  ".claude/agents/dash.md": "---\nname: -x\ndescription: A name Claude Code refuses\n---\nNo.\n",
  // A command whose frontmatter Claude Code cannot read keeps working there, without its fields.
  ".claude/commands/broken.md": "---\ndescription: Ends with a colon:\nargument-hint: [x]\n---\nDo the broken thing.\n",
};

/** The agents of CLAUDE_HARD_CASES that Claude Code loads, by name. */
export const CLAUDE_HARD_CASE_AGENTS = ["helper", "dotnet-framework-4.8-expert", "escaped"];

/** An OpenCode suite: nested folders, `name:`, `{file:}` prompts, `agent/` and `command/` folders. */
export const OPENCODE_SUITE: Record<string, string> = {
  "opencode.json": JSON.stringify(
    {
      $schema: "https://opencode.ai/config.json",
      agent: {
        planner: { description: "Plans", mode: "subagent", prompt: "{file:./prompts/plan.txt}", temperature: 0.1 },
        // Tunes OpenCode's own build agent: not an agent of the user's.
        build: { permission: { edit: "deny" } },
      },
      command: { hello: { description: "From JSON", template: "Say hello from JSON" } },
    },
    null,
    2,
  ),
  "prompts/plan.txt": "Plan carefully.\nThen plan again.\n",
  ".opencode/agent/subagents/code-reviewer.md": "---\nname: CodeReviewer\ndescription: Reviews code\nmode: subagent\n---\nReview it.\n",
  ".opencode/agent/subagents/plain.md": "---\ndescription: Plain nested agent\nmode: subagent\n---\nBe plain.\n",
  ".opencode/agent/loose.md": "---\ndescription: Use it. Examples:\nmode: subagent\n---\nLoose.\n",
  ".opencode/command/team/deploy.md": "---\ndescription: Deploy\n---\nDeploy $1.\n",
  ".opencode/command/hello.md": "---\ndescription: From markdown\n---\nSay hello from markdown\n",
};

/** The agents of OPENCODE_SUITE that OpenCode loads besides its own, by name. */
export const OPENCODE_SUITE_AGENTS = ["planner", "CodeReviewer", "subagents/plain", "loose"];
