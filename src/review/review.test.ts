import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { errorMessage } from "../core/errors.js";
import { splitPatch } from "./diff.js";
import { mergeStrategy, reviewPrompt } from "./review.js";
import type { Comment } from "./store.js";

test("the merge strategy comes from the project's config, else the user's, else merge", () => {
  const configDir = tempDir();
  const repo = tempDir();
  expect(mergeStrategy(configDir, repo)).toBe("merge");
  fs.writeFileSync(path.join(configDir, "config.jsonc"), '{ "review": { "merge": "squash" } }');
  expect(mergeStrategy(configDir, repo)).toBe("squash");
  fs.mkdirSync(path.join(repo, ".quartet"));
  fs.writeFileSync(path.join(repo, ".quartet", "config.jsonc"), '{\n  "review": { "merge": "rebase" }\n}');
  let message = "";
  try {
    mergeStrategy(configDir, repo);
  } catch (e) {
    message = errorMessage(e);
  }
  expect(message).toBe(`${path.join(repo, ".quartet", "config.jsonc")}:2: review.merge: Invalid option: expected one of "merge"|"squash"`);
});

const PATCH = `diff --git a/src/cart.js b/src/cart.js
index 1111111..2222222 100644
--- a/src/cart.js
+++ b/src/cart.js
@@ -1,3 +1,3 @@
 const items = [];
-export function total() { return 0; }
+export function total() { return items.reduce((a, i) => a + i.price, 0); }
 export { items };
diff --git a/notes.md b/notes.md
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/notes.md
@@ -0,0 +1,2 @@
+# Notes
+Cart totals.
`;

test("splitPatch gives each file its counts, status and a digest of its change", () => {
  const files = splitPatch(PATCH);
  expect(files.map((f) => [f.path, f.status, f.additions, f.deletions])).toEqual([
    ["src/cart.js", "modified", 1, 1],
    ["notes.md", "added", 2, 0],
  ]);
  expect(files[0]!.digest).not.toBe(splitPatch(PATCH.replace("i.price", "i.cost"))[0]!.digest);
});

test("the review prompt lists every comment with its file, line and the line's text", () => {
  const c = (path: string, line: number, side: "new" | "old", body: string): Comment => ({
    id: 1,
    taskId: 1,
    path,
    line,
    side,
    body,
    createdAt: 0,
    sentAt: null,
  });
  const prompt = reviewPrompt(
    [
      c("src/cart.js", 2, "new", "Handle a missing price."),
      c("src/cart.js", 2, "old", "Why was this removed?"),
      c("notes.md", 2, "new", " Say more. "),
    ],
    { files: splitPatch(PATCH) },
  );
  expect(prompt).toBe(
    [
      "Review comments on your changes (3). Address each one, then stop.",
      "",
      "- src/cart.js:2: Handle a missing price.",
      "  > export function total() { return items.reduce((a, i) => a + i.price, 0); }",
      "- src/cart.js:2 (removed line): Why was this removed?",
      "  > export function total() { return 0; }",
      "- notes.md:2: Say more.",
      "  > Cart totals.",
    ].join("\n"),
  );
});
