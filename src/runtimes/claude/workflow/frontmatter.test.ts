import { describe, expect, it } from "vitest";
import { parseFrontmatter } from "../../../core/frontmatter.js";
import { claudeYamlFallback } from "./frontmatter.js";
import { claudeToolList } from "./tool-list.js";

const read = (yaml: string) => parseFrontmatter(`---\n${yaml}\n---\nBody\n`, "a.md", claudeYamlFallback).data;

describe("Claude Code's frontmatter fallback", () => {
  it("reads as text what Claude Code quotes on its second try", () => {
    expect(read("description: Use it. Examples: <example>Context: x</example>")).toEqual({
      description: "Use it. Examples: <example>Context: x</example>",
    });
    expect(read("argument-hint: [--aggressive] | [--maximum]")).toEqual({ "argument-hint": "[--aggressive] | [--maximum]" });
    expect(read('description: Review code: find "bugs" # not a comment')).toEqual({
      description: 'Review code: find "bugs" # not a comment',
    });
  });

  it("leaves a list on its own and valid YAML as YAML", () => {
    expect(read("argument-hint: [message]\ndescription: Has: colon")).toEqual({ "argument-hint": ["message"], description: "Has: colon" });
    expect(read("description: Handles C# code #comment")).toEqual({ description: "Handles C# code" });
  });

  it("keeps line numbers, and fails where Claude Code fails", () => {
    const fm = parseFrontmatter("---\nname: a\ndescription: x: y\n---\n", "a.md", claudeYamlFallback);
    expect(fm.lineOf("description")).toBe(3);
    expect(() => read("description: Ends with a colon. Examples:")).toThrow(/invalid YAML/);
    expect(() => read("description: first\n  Context: continued")).toThrow(/invalid YAML/);
  });
});

describe("Claude Code's tool lists", () => {
  it("split on commas and spaces outside parentheses", () => {
    expect(claudeToolList("Read Grep, Bash(git log:*)")).toEqual(["Read", "Grep", "Bash(git log:*)"]);
    expect(claudeToolList(["Read, Edit", 3, "Bash(npm run test:*)"])).toEqual(["Read", "Edit", "Bash(npm run test:*)"]);
  });
});
