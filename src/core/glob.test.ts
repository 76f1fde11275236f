import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { expandGlob, hasGlob } from "./glob.js";

function tree(files: string[]): string {
  const dir = tempDir("quartet-glob-");
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), f);
  }
  return dir;
}

it("expands instructions globs the way OpenCode does: classes, braces, ** and literal paths", () => {
  const dir = tree(["docs/a.md", "docs/b.md", "docs/c.md", "docs/deep/x.md", "docs/.hidden.md", "rules/one.md", "rules/two.txt"]);
  const rel = (pattern: string) => expandGlob(pattern, dir).map((f) => path.relative(dir, f));
  expect(rel("docs/[ab].md")).toEqual(["docs/a.md", "docs/b.md"]);
  expect(rel("docs/{a,c}.md")).toEqual(["docs/a.md", "docs/c.md"]);
  expect(rel("docs/*.md")).toEqual(["docs/a.md", "docs/b.md", "docs/c.md"]);
  expect(rel("docs/**/*.md")).toEqual(["docs/a.md", "docs/b.md", "docs/c.md", "docs/deep/x.md"]);
  expect(rel("{docs,rules}/?.md")).toEqual(["docs/a.md", "docs/b.md", "docs/c.md"]);
  expect(rel("rules/one.md")).toEqual(["rules/one.md"]);
  expect(rel("rules/missing.md")).toEqual([]);
  expect(rel(path.join(dir, "rules/*.md"))).toEqual(["rules/one.md"]);
  expect(hasGlob("docs/[ab].md")).toBe(true);
  expect(hasGlob("docs/plain.md")).toBe(false);
});
