/**
 * The house rules of DESIGN.md's layout, checked over src/'s import graph: the runtime contract sits at the
 * bottom and imports no layer; layers reach runtimes only through what the CLI hands them, never through the
 * registry or a runtime's folder; runtimes implement the contract without reaching up into a layer.
 *
 * Only production modules are walked: a test, like the CLI, may wire real runtimes into a layer.
 * Imports are read with a regex over import/export/import() statements (TypeScript 7 has no compiler API
 * in JS); prettier keeps them in that one shape.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(import.meta.dirname, "..");

/** Folders of layers: each is a domain the CLI composes, none may know a particular runtime. */
const LAYERS = ["ledger", "lab", "sessions", "review", "prefix", "workflow", "gateway", "team"];

/** The contract's files outside src/contract/: the adapter interfaces, and where a log parser's module is. */
const CONTRACT = ["runtimes/types.ts", "runtimes/log-parsers.ts"];

/**
 * A file's place in the layout, by its path relative to src/. Any other file beside the registry (directly in
 * runtimes/) would be a table with a row per runtime, which knows every runtime as the registry does.
 */
function kind(file: string): "contract" | "registry" | "runtime" | "layer" | "cli" | "core" | "other" {
  const parts = file.split("/");
  if (parts[0] === "contract" || CONTRACT.includes(file)) return "contract";
  if (parts[0] === "core") return "core";
  if (parts[0] === "cli") return "cli";
  if (parts[0] === "runtimes") return parts.length > 2 ? "runtime" : "registry";
  return LAYERS.includes(parts[0]!) ? "layer" : "other";
}

/**
 * Edges allowed against the rules for now, each named so this list says exactly what is left: empty since
 * issue 14's item 1 was done. An entry that matches nothing fails the test, so the list cannot go stale.
 */
const PENDING: { why: string; from: RegExp; to: RegExp }[] = [];

interface Edge {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) out.push(full);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s(?:[^;"']*?\sfrom\s)?\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g;

/** Every import of a module inside src/, as paths relative to src/ (`.js` specifiers name the `.ts` file). */
function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith(".")) continue;
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, ".ts");
      if (!target.startsWith(SRC + path.sep)) continue;
      out.push({ from: path.relative(SRC, file), to: path.relative(SRC, target) });
    }
  }
  return out;
}

/** Why an edge breaks the layout, or null when it is allowed. */
function violation(e: Edge): string | null {
  const from = kind(e.from);
  const to = kind(e.to);
  if (from === "contract" && !["contract", "core"].includes(to)) return "the contract imports only core/ and itself";
  if (from === "core" && to !== "core") return "core/ imports nothing above it";
  if (from === "layer" && (to === "registry" || to === "runtime"))
    return "a layer gets runtimes from the CLI, not from the registry (or a table of every runtime) or a runtime's folder";
  if (from === "layer" && to === "cli") return "a layer does not import the CLI";
  if (from === "runtime" && (to === "layer" || to === "cli")) return "a runtime implements the contract without reaching into a layer";
  if (from === "runtime" && (to === "registry" || (to === "runtime" && e.from.split("/")[1] !== e.to.split("/")[1])))
    return "a runtime does not import the registry or another runtime";
  return null;
}

describe("the layout's import rules", () => {
  const all = edges();
  const pending = (e: Edge) => PENDING.find((p) => p.from.test(e.from) && p.to.test(e.to));

  it("reads the import graph", () => {
    // A regex that stopped matching would pass every rule below: make sure it sees the known edges.
    expect(all).toContainEqual({ from: "runtimes/registry.ts", to: "runtimes/claude/index.ts" });
    expect(all).toContainEqual({ from: "runtimes/claude/index.ts", to: "runtimes/claude/workflow/index.ts" });
  });

  it("has no edge against the rules, apart from the named pending ones", () => {
    const broken = all
      .filter((e) => !pending(e))
      .map((e) => ({ e, why: violation(e) }))
      .filter((v) => v.why !== null)
      .map((v) => `${v.e.from} → ${v.e.to}: ${v.why}`);
    expect(broken).toEqual([]);
  });

  it("lists only pending exceptions that still have edges", () => {
    const used = new Set(all.filter((e) => violation(e) !== null).map(pending));
    expect(PENDING.filter((p) => !used.has(p)).map((p) => p.why)).toEqual([]);
  });
});
