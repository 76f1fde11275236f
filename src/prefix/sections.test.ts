/**
 * Named sections on the system context the pinned runtimes really send (test/fixtures/requests, recorded by
 * the lab), edited the way a session edits them: the agent changes a file (git status), the user edits
 * CLAUDE.md / AGENTS.md, the day changes.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../../test/helpers.js";
import { canonicalBlocks, settingsHash, type CacheableRequest } from "./blocks.js";
import { classifyBreak } from "./classify.js";
import { blockProse, changedSections } from "./sections.js";

type TextBlock = { type: string; text: string };
const load = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, "requests", name), "utf8")) as CacheableRequest;
const claude = load("claude-before-continue.json");
const opencode = load("opencode-request.json");
const claudeSystem = (claude.system as TextBlock[])[2]!.text;
const claudeReminder = (claude.messages[0]!.content as TextBlock[])[0]!.text;
const opencodeSystem = (opencode.system as TextBlock[])[0]!.text;

function edited(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

const EARLY_RETURNS = ["after every change.", "after every change.\n- Prefer early returns."] as const;

describe("the sections of system context the runtimes send", () => {
  it.each([
    ["Claude Code: an edited file in `git status`", claudeSystem, "Status:\n(clean)", "Status:\nM src/todos.js", ["git-status"], false],
    ["Claude Code: the model line of # Environment", claudeSystem, "Opus 4.8 (1M context).", "Opus 4.8.", ["environment"], false],
    ["Claude Code: a heading outside every section", claudeSystem, "# Harness", "# Harness!", [], true],
    ["Claude Code: CLAUDE.md in the reminder", claudeReminder, ...EARLY_RETURNS, ["instructions"], false],
    ["Claude Code: the date in the reminder", claudeReminder, "2026-11-24", "2026-11-25", ["date"], false],
    ["OpenCode: AGENTS.md", opencodeSystem, ...EARLY_RETURNS, ["instructions"], false],
    ["OpenCode: the date inside <env>", opencodeSystem, "Today's date: Tue Nov 24 2026", "Today's date: Wed Nov 25 2026", ["date"], false],
    ["OpenCode: the rest of <env>", opencodeSystem, "Is directory a git repo: yes", "Is directory a git repo: no", ["environment"], false],
    [
      "OpenCode: the skills list",
      opencodeSystem,
      "<available_skills>",
      "<available_skills>\n  <skill><name>mine</name></skill>",
      ["skills"],
      false,
    ],
  ] as const)("%s", (_, text, from, to, sections, unnamed) => {
    expect(changedSections(text, edited(text, from, to))).toEqual({ sections, unnamed });
  });
});

describe("a system change classified on real requests", () => {
  it("carries the sections that changed across blocks: git status in system[2] and CLAUDE.md in messages[0]", () => {
    const after: CacheableRequest = JSON.parse(JSON.stringify(claude)) as CacheableRequest;
    const system = after.system as TextBlock[];
    system[2]!.text = edited(system[2]!.text, "Status:\n(clean)", "Status:\nM CLAUDE.md");
    const reminder = (after.messages[0]!.content as TextBlock[])[0]!;
    reminder.text = edited(reminder.text, "after every change.", "after every change.\n- Prefer early returns.");
    const prev = canonicalBlocks(claude);
    const curr = canonicalBlocks(after);
    const explanation = classifyBreak({
      previous: { model: claude.model, blocks: prev, settings: settingsHash(claude), cachedThrough: prev.length - 1 },
      current: { model: after.model, blocks: curr, settings: settingsHash(after), markerCount: 2 },
      expired: false,
      minCacheableTokens: 1024,
    });
    expect(explanation).toMatchObject({ cause: "system-changed", block: "system[2]", sections: ["git-status", "instructions"] });
  });

  it("reads the prose of a message block, not its JSON", () => {
    const block = canonicalBlocks(claude).find((b) => b.id === "messages[0].content[0]")!;
    expect(blockProse(block)).toBe(claudeReminder);
  });
});
