/**
 * The fixture repositories lab scenarios run in: small, real projects written fresh for each run, committed
 * to git so every runtime sees a normal repository. `todo-lib` is a tiny Node library with a bug in
 * `completeTodo` that its tests catch.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const INSTRUCTIONS = "# Project rules\n\n- Keep functions small and pure where possible.\n- Run `node --test` after every change.\n";

const TODO_LIB: Record<string, string> = {
  "package.json": JSON.stringify({ name: "todo-lib", version: "1.0.0", type: "module", scripts: { test: "node --test" } }, null, 2) + "\n",
  "README.md":
    "# todo-lib\n\nA tiny in-memory todo list.\n\n- `addTodo(title)` adds a todo and returns it.\n- `listTodos()` lists them.\n- `completeTodo(id)` marks one done.\n\nRun the tests with `node --test`.\n",
  "src/todos.js": [
    "// In-memory todo list.",
    "const todos = [];",
    "let nextId = 1;",
    "",
    "export function addTodo(title) {",
    "  const todo = { id: nextId++, title, done: false };",
    "  todos.push(todo);",
    "  return todo;",
    "}",
    "",
    "export function listTodos() {",
    "  return todos.map((t) => ({ ...t }));",
    "}",
    "",
    "export function completeTodo(id) {",
    "  const todo = todos[id];",
    "  if (!todo) throw new Error(`no todo ${id}`);",
    "  todo.done = true;",
    "  return todo;",
    "}",
    "",
  ].join("\n"),
  "src/format.js": [
    "// Formatting todos for the terminal.",
    "export function formatTodo(todo) {",
    '  return `${todo.done ? "[x]" : "[ ]"} ${todo.id}. ${todo.title}`;',
    "}",
    "",
  ].join("\n"),
  "test/todos.test.js": [
    'import { test } from "node:test";',
    'import assert from "node:assert/strict";',
    'import { addTodo, completeTodo, listTodos } from "../src/todos.js";',
    "",
    'test("adds todos", () => {',
    '  const a = addTodo("write tests");',
    "  assert.equal(a.done, false);",
    "  assert.ok(listTodos().some((t) => t.id === a.id));",
    "});",
    "",
    'test("completes a todo by id", () => {',
    '  const b = addTodo("fix the bug");',
    "  completeTodo(b.id);",
    "  assert.equal(listTodos().find((t) => t.id === b.id).done, true);",
    "});",
    "",
  ].join("\n"),
  "CLAUDE.md": INSTRUCTIONS,
  "AGENTS.md": INSTRUCTIONS,
};

export const REPOS = { "todo-lib": TODO_LIB } as const;
export type RepoName = keyof typeof REPOS;

/** Writes the repository into `dir` (which must be empty or missing) and commits it. */
export function writeFixtureRepo(name: RepoName, dir: string): void {
  for (const [rel, content] of Object.entries(REPOS[name])) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      stdio: "ignore",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "quartet lab",
        GIT_AUTHOR_EMAIL: "lab@quartet.invalid",
        GIT_COMMITTER_NAME: "quartet lab",
        GIT_COMMITTER_EMAIL: "lab@quartet.invalid",
      },
    });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "todo-lib");
}
