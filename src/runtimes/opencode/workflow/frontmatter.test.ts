import { expect, it } from "vitest";
import { parseFrontmatter } from "../../../core/frontmatter.js";
import { opencodeYamlFallback } from "./frontmatter.js";

it("reads a value with a colon as text, as OpenCode does on its second try", () => {
  const read = (yaml: string) => parseFrontmatter(`---\n${yaml}\n---\n`, "a.md", opencodeYamlFallback).data;
  expect(read("description: Use it. Examples:\nmode: subagent")).toEqual({ description: "Use it. Examples:", mode: "subagent" });
  expect(read('description: a: "b"')).toEqual({ description: 'a: "b"' });
  expect(() => read("description: 'broken: x\nmode: [")).toThrow(/invalid YAML/);
});
