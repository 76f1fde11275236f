/**
 * Argument placeholders in command templates.
 *
 * The IR keeps Claude Code's spelling (since 2.1.19): `$ARGUMENTS` is everything, `$0` / `$ARGUMENTS[0]` the
 * first argument, `$1` the second; `$name` is a named argument declared in `arguments:`. Other runtimes
 * number from 1 (`$ARGUMENTS` everything, `$1` the first argument); each describes its own in its folder
 * (src/runtimes/<id>/workflow/arguments.ts) as a OneBasedTemplates.
 */

/** How a runtime that numbers arguments from 1 reads a template. */
export interface OneBasedTemplates {
  /** The runtime's display name, for the loss report. */
  name: string;
  /** Whether its highest-numbered placeholder takes all the remaining text (OpenCode's does). */
  lastTakesRest: boolean;
  /** Why the project folder is the current folder there (`${CLAUDE_PROJECT_DIR}` becomes `.`). */
  projectDirIsCwd: string;
  /** Its highest placeholder when it has a last one (Codex: `$9`): it reads `$10` as `$1` followed by `0`. */
  highest?: number;
}

export interface Converted {
  text: string;
  /** Why the converted template may behave differently, one entry per kind of difference. */
  lossy: string[];
  /** Placeholders the runtime cannot say at all, one entry each. */
  unsupported: string[];
}

const CLAUDE_ONLY_VARIABLES: Readonly<Record<string, string>> = {
  CLAUDE_SKILL_DIR: "the skill's folder",
  CLAUDE_SESSION_ID: "the session id",
  CLAUDE_EFFORT: "the effort level",
};

/** Positional placeholders of a Claude Code template (0-based). */
function claudePositions(text: string): number[] {
  return [...text.matchAll(/\$(?:ARGUMENTS\[(\d+)\]|(\d+))(?!\w)/g)].map((m) => Number(m[1] ?? m[2]));
}

/** IR (Claude Code syntax) → a runtime numbering from 1. */
export function toOneBasedTemplate(to: OneBasedTemplates, text: string, argumentNames: readonly string[] = []): Converted {
  const lossy: string[] = [];
  let out = text.replace(
    /\$(?:ARGUMENTS\[(\d+)\]|(\d+))(?!\w)/g,
    (_, a: string | undefined, b: string | undefined) => `$${Number(a ?? b) + 1}`,
  );
  argumentNames.forEach((name, i) => {
    out = out.replace(new RegExp(`\\$${escapeRegExp(name)}(?![\\w-])`, "g"), `$${i + 1}`);
  });
  const used = argumentNames.map((n, i) => (new RegExp(`\\$${escapeRegExp(n)}(?![\\w-])`).test(text) ? i : -1)).filter((i) => i >= 0);
  const positions = claudePositions(text).length + used.length;
  const unsupported = [...new Set([...claudePositions(text), ...used])]
    .filter((p) => to.highest !== undefined && p + 1 > to.highest)
    .sort((a, b) => a - b)
    .map((p) => {
      const n = String(p + 1);
      return `argument ${n} ($${n}): ${to.name} has only $1…$${to.highest} and would read $${n} as $${n[0]} followed by ${n.slice(1)}; not portable`;
    });
  if (positions > 0 && to.lastTakesRest) {
    lossy.push(`${to.name}'s last numbered placeholder takes all remaining arguments; Claude Code's takes one`);
  }
  if (/\$\{CLAUDE_PROJECT_DIR\}/.test(out)) {
    out = out.replace(/"?\$\{CLAUDE_PROJECT_DIR\}"?/g, ".");
    lossy.push(`\${CLAUDE_PROJECT_DIR} became . (${to.projectDirIsCwd})`);
  }
  for (const [name, what] of Object.entries(CLAUDE_ONLY_VARIABLES)) {
    if (out.includes(`\${${name}}`)) lossy.push(`\${${name}} (${what}) has no ${to.name} equivalent and is left as text`);
  }
  return { text: out, lossy, unsupported };
}

/** A runtime numbering from 1 → IR (Claude Code syntax). */
export function fromOneBasedTemplate(from: OneBasedTemplates, text: string): Converted {
  const lossy: string[] = [];
  const positions = [...text.matchAll(/\$(\d+)(?!\w)/g)].map((m) => Number(m[1]));
  if (positions.includes(0)) lossy.push(`$0 is plain text in ${from.name} but the first argument in Claude Code`);
  for (const p of new Set(positions.filter((p) => from.highest !== undefined && p > from.highest)))
    lossy.push(`$${p} is $${String(p)[0]} followed by ${String(p).slice(1)} in ${from.name}, but argument ${p} in Claude Code`);
  if (from.lastTakesRest && positions.some((p) => p > 0)) {
    lossy.push(`$${Math.max(...positions)} takes all remaining arguments in ${from.name}; in Claude Code it takes one`);
  }
  const out = text.replace(/\$(\d+)(?!\w)/g, (whole, n: string) => (Number(n) === 0 ? whole : `$${Number(n) - 1}`));
  return { text: out, lossy, unsupported: [] };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A runtime's pair of converters, to and from the IR. */
export function oneBasedTemplates(t: OneBasedTemplates): {
  to(text: string, argumentNames?: readonly string[]): Converted;
  from(text: string): Converted;
} {
  return { to: (text, argumentNames = []) => toOneBasedTemplate(t, text, argumentNames), from: (text) => fromOneBasedTemplate(t, text) };
}
