/**
 * Argument placeholders in command templates.
 *
 * Claude Code (since 2.1.19): `$ARGUMENTS` is everything, `$0` / `$ARGUMENTS[0]` the first argument, `$1`
 * the second; `$name` is a named argument declared in `arguments:`. OpenCode 1.18: `$ARGUMENTS` is
 * everything, `$1` the first argument, and the highest-numbered placeholder takes all the remaining text.
 * The IR keeps Claude Code's spelling.
 */

export interface Converted {
  text: string;
  /** Why the converted template may behave differently, one entry per kind of difference. */
  lossy: string[];
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

/** IR (Claude Code syntax) → OpenCode. */
export function toOpencodeTemplate(text: string, argumentNames: readonly string[] = []): Converted {
  const lossy: string[] = [];
  let out = text.replace(
    /\$(?:ARGUMENTS\[(\d+)\]|(\d+))(?!\w)/g,
    (_, a: string | undefined, b: string | undefined) => `$${Number(a ?? b) + 1}`,
  );
  argumentNames.forEach((name, i) => {
    out = out.replace(new RegExp(`\\$${escapeRegExp(name)}(?![\\w-])`, "g"), `$${i + 1}`);
  });
  const positions = claudePositions(text).length + argumentNames.filter((n) => text.includes(`$${n}`)).length;
  if (positions > 0) {
    lossy.push("OpenCode's last numbered placeholder takes all remaining arguments; Claude Code's takes one");
  }
  if (/\$\{CLAUDE_PROJECT_DIR\}/.test(out)) {
    // OpenCode runs shell lines in the project root, so the project folder is the current folder.
    out = out.replace(/"?\$\{CLAUDE_PROJECT_DIR\}"?/g, ".");
    lossy.push("${CLAUDE_PROJECT_DIR} became . (OpenCode runs shell lines in the project root)");
  }
  for (const [name, what] of Object.entries(CLAUDE_ONLY_VARIABLES)) {
    if (out.includes(`\${${name}}`)) lossy.push(`\${${name}} (${what}) has no OpenCode equivalent and is left as text`);
  }
  return { text: out, lossy };
}

/** OpenCode → IR (Claude Code syntax). */
export function fromOpencodeTemplate(text: string): Converted {
  const lossy: string[] = [];
  const positions = [...text.matchAll(/\$(\d+)(?!\w)/g)].map((m) => Number(m[1]));
  if (positions.includes(0)) lossy.push("$0 is plain text in OpenCode but the first argument in Claude Code");
  if (positions.some((p) => p > 0)) {
    lossy.push(`$${Math.max(...positions)} takes all remaining arguments in OpenCode; in Claude Code it takes one`);
  }
  const out = text.replace(/\$(\d+)(?!\w)/g, (whole, n: string) => (Number(n) === 0 ? whole : `$${Number(n) - 1}`));
  return { text: out, lossy };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
