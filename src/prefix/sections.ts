/**
 * The named sections runtimes write into their system context, so a cache break can say which part of a
 * system block changed ("the `git status` section") instead of only which block. Pure.
 *
 * The markers are the headings the pinned runtimes print (Claude Code 2.1.197, OpenCode 1.18.33):
 *   Claude Code  system[2]: `# Environment` … `gitStatus: This is the git status …` (last in the block);
 *                messages[0] `<system-reminder>`: `# claudeMd` (CLAUDE.md files), then `# currentDate`.
 *   OpenCode     system[0]: `<env>` … `Today's date: …` … `</env>`, `Instructions from: <AGENTS.md path>`,
 *                `Skills provide specialized instructions …` `<available_skills>` … `</available_skills>`.
 * A section starts at its marker (at the start of a line) and ends at its own end marker, else at the next
 * section's marker, else at the end of the text; so sections never overlap, and text outside them is
 * "unnamed". A runtime that renames a heading only makes the break less precise, never wrong.
 */
import type { Block } from "./blocks.js";

export const PROMPT_SECTIONS = ["git-status", "instructions", "date", "environment", "skills"] as const;
export type PromptSection = (typeof PROMPT_SECTIONS)[number];

interface SectionRule {
  name: PromptSection;
  start: RegExp;
  /** Where the section ends, searched from its start; else it runs to the next section or the end. */
  end?: RegExp;
}

const RULES: readonly SectionRule[] = [
  { name: "git-status", start: /^gitStatus: /m },
  { name: "instructions", start: /^# claudeMd$/m, end: /^<\/system-reminder>/m },
  { name: "instructions", start: /^Instructions from: /m },
  { name: "date", start: /^# currentDate$/m, end: /\n\n/ },
  { name: "date", start: /^ *Today's date: /m, end: /$/m },
  { name: "environment", start: /^# Environment$/m, end: /\n# / },
  { name: "environment", start: /^<env>$/m, end: /^<\/env>$/m },
  { name: "skills", start: /^Skills provide specialized instructions/m, end: /^<\/available_skills>$/m },
];

interface Span {
  name: PromptSection;
  from: number;
  to: number;
}

function spans(text: string): Span[] {
  const starts: { rule: SectionRule; at: number }[] = [];
  for (const rule of RULES) {
    const global = new RegExp(rule.start.source, "gm");
    for (const m of text.matchAll(global)) starts.push({ rule, at: m.index });
  }
  starts.sort((a, b) => a.at - b.at);
  return starts.map(({ rule, at }, i) => {
    const next = starts[i + 1]?.at ?? text.length;
    let to = next;
    if (rule.end) {
      // Searched past the marker's own line, so an end marker that also matches at the start cannot end it there.
      const lineEnd = text.indexOf("\n", at);
      const from = lineEnd < 0 ? text.length : lineEnd;
      const m = new RegExp(rule.end.source, "m").exec(text.slice(from));
      if (m) to = Math.min(next, from + m.index);
    }
    return { name: rule.name, from: at, to };
  });
}

/** Each named section's text (several occurrences joined), and the text outside every section. */
function split(text: string): { named: Map<PromptSection, string>; unnamed: string } {
  const named = new Map<PromptSection, string>();
  let unnamed = "";
  let cursor = 0;
  for (const s of spans(text)) {
    unnamed += text.slice(cursor, s.from);
    named.set(s.name, (named.get(s.name) ?? "") + text.slice(s.from, s.to));
    cursor = s.to;
  }
  return { named, unnamed: unnamed + text.slice(cursor) };
}

/**
 * The named sections whose text differs between two versions of a block, in the order they appear, and
 * whether text outside every named section changed too.
 */
export function changedSections(before: string, after: string): { sections: PromptSection[]; unnamed: boolean } {
  const a = split(before);
  const b = split(after);
  const names = [...new Set([...b.named.keys(), ...a.named.keys()])];
  return { sections: names.filter((n) => a.named.get(n) !== b.named.get(n)), unnamed: a.unnamed !== b.unnamed };
}

/** The prose of a block: the `text` of a text block (system or message), else its canonical JSON. */
export function blockProse(block: Pick<Block, "text" | "role">): string {
  const json = block.role !== undefined ? block.text.slice(block.role.length + 1) : block.text;
  try {
    const parsed = JSON.parse(json) as { text?: unknown };
    return typeof parsed.text === "string" ? parsed.text : json;
  } catch {
    return json;
  }
}
