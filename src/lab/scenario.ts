/**
 * Lab scenarios: a scripted task the lab walks every runtime through. YAML, validated strictly (it is
 * quartet's own format), with errors naming the file, line and field.
 *
 *   name: explore-edit-test
 *   description: …
 *   model: claude-sonnet-4-5
 *   delivery: per-turn            # a new process per turn (--continue), or `long-lived` (one process)
 *   repo: todo-lib                # the fixture repository the task runs in
 *   steps:
 *     - prompt: Find where todos are stored.
 *       actions:                  # what the scripted model does in this turn, in order
 *         - grep: addTodo
 *         - read: src/todos.js
 *         - say: They are kept in an array in src/todos.js.
 *     - pause: 6m                 # simulated idle time: the endpoint's clock moves, nobody waits
 *     - instructions: Always run the tests.   # appended to CLAUDE.md / AGENTS.md before the next turn
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { InputError } from "../core/errors.js";
import { parseYaml } from "../core/yaml-file.js";

/**
 * One of several object shapes told apart by which key they have (`read:`, `pause:`, …). A plain union would
 * report "invalid input" for the whole item; this names the unknown key or the wrong field.
 */
function keyed<S extends Record<string, z.ZodType>>(shapes: S, what: string) {
  const names = Object.keys(shapes);
  return z.unknown().transform((value, ctx): z.infer<S[keyof S]> => {
    const key = value && typeof value === "object" && !Array.isArray(value) ? names.find((k) => k in value) : undefined;
    if (!key) {
      const got = value && typeof value === "object" ? Object.keys(value).join(", ") : typeof value;
      ctx.addIssue({ code: "custom", message: `unknown ${what} "${got}" (one of ${names.join(", ")})` });
      return z.NEVER;
    }
    const parsed = shapes[key]!.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: "custom", message: issue.message, path: issue.path as (string | number)[] });
      return z.NEVER;
    }
    return parsed.data as z.infer<S[keyof S]>;
  });
}

const Action = keyed(
  {
    read: z.object({ read: z.string().min(1) }).strict(),
    grep: z.object({ grep: z.string().min(1), path: z.string().optional() }).strict(),
    glob: z.object({ glob: z.string().min(1) }).strict(),
    bash: z.object({ bash: z.string().min(1) }).strict(),
    edit: z.object({ edit: z.object({ path: z.string().min(1), old: z.string().min(1), new: z.string() }).strict() }).strict(),
    write: z.object({ write: z.object({ path: z.string().min(1), content: z.string() }).strict() }).strict(),
    say: z.object({ say: z.string().min(1) }).strict(),
  },
  "action",
);
export type Action = z.infer<typeof Action>;

/** `30s`, `6m`, `1h`: a scenario's pause, and what `lab serve --clock-control` advances the clock by. */
export const Duration = z.string().regex(/^\d+(?:\.\d+)?(?:s|m|h)$/, "a duration such as 30s, 6m or 1h");

const Step = keyed(
  {
    prompt: z.object({ prompt: z.string().min(1), actions: z.array(Action).default([]) }).strict(),
    pause: z.object({ pause: Duration }).strict(),
    instructions: z.object({ instructions: z.string().min(1) }).strict(),
  },
  "step",
);
export type Step = z.infer<typeof Step>;

export const Scenario = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
    description: z.string().min(1),
    model: z.string().min(1).default("claude-sonnet-4-5"),
    delivery: z.enum(["per-turn", "long-lived"]).default("per-turn"),
    repo: z.enum(["todo-lib"]).default("todo-lib"),
    steps: z.array(Step).min(1),
  })
  .strict()
  .refine((s) => s.steps.some((step) => "prompt" in step), { message: "a scenario needs at least one prompt", path: ["steps"] });
export type Scenario = z.infer<typeof Scenario>;

/** Milliseconds of a `30s` / `6m` / `1h` duration. */
export function durationMs(d: string): number {
  const n = Number.parseFloat(d);
  return n * (d.endsWith("h") ? 3_600_000 : d.endsWith("m") ? 60_000 : 1000);
}

/** The folder of the built-in scenarios, shipped with quartet. */
export function builtInDir(): string {
  // dist/*.js and src/lab/*.ts both sit two levels below the package root's scenarios/ sibling.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4 && !fs.existsSync(path.join(dir, "scenarios")); i++) dir = path.dirname(dir);
  return path.join(dir, "scenarios");
}

export function builtInScenarios(): { name: string; file: string; scenario: Scenario }[] {
  const dir = builtInDir();
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      const scenario = parseScenario(fs.readFileSync(file, "utf8"), file);
      return { name: scenario.name, file, scenario };
    });
}

/** A built-in scenario by name, or a scenario file by path. */
export function loadScenario(nameOrFile: string): { scenario: Scenario; file: string } {
  const builtIn = builtInScenarios().find((s) => s.name === nameOrFile);
  if (builtIn) return builtIn;
  if (!fs.existsSync(nameOrFile)) {
    throw new InputError({
      message: `no built-in scenario "${nameOrFile}" and no such file (built-ins: ${builtInScenarios()
        .map((s) => s.name)
        .join(", ")})`,
      file: nameOrFile,
    });
  }
  return { scenario: parseScenario(fs.readFileSync(nameOrFile, "utf8"), nameOrFile), file: nameOrFile };
}

export function parseScenario(text: string, file: string): Scenario {
  const doc = parseYaml(text, file);
  const parsed = Scenario.safeParse(doc.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".");
    throw new InputError({ message: `${field ? `${field}: ` : ""}${issue.message}`, file, line: doc.lineOf(issue.path), field });
  }
  return parsed.data;
}
