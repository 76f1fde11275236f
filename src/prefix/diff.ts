/**
 * Where two consecutive requests of one conversation stop sharing a prefix, and a short excerpt of what
 * changed in that block. Pure.
 */
import type { Block } from "./blocks.js";

export interface Divergence {
  /** Index of the first block whose prefix differs (in both requests' block lists). */
  index: number;
  previous?: Block;
  current?: Block;
  /** A short before/after excerpt of the changed text, or a description when a block was added or removed. */
  excerpt: string;
}

/** The first block where `current` stops extending `previous`; null when it extends it completely. */
export function firstDivergence(previous: readonly Block[], current: readonly Block[]): Divergence | null {
  const n = Math.min(previous.length, current.length);
  for (let i = 0; i < n; i++) {
    if (previous[i]!.prefixHash !== current[i]!.prefixHash) {
      const p = previous[i]!;
      const c = current[i]!;
      // A block rebuilt from a stored fingerprint has no text (blocksFromFingerprints): say so, not a diff.
      const excerpt =
        p.id !== c.id
          ? `${p.id} → ${c.id}`
          : p.text === "" && c.text !== ""
            ? `${c.id} changed (its earlier text is not kept)`
            : textExcerpt(p.text, c.text);
      return { index: i, previous: p, current: c, excerpt };
    }
  }
  if (current.length >= previous.length) return null;
  return { index: n, previous: previous[n], excerpt: `${previous.length - n} block(s) from ${previous[n]!.id} on are no longer sent` };
}

/** Where two texts differ: the common prefix ends at `start`, the common suffix starts at `endB` / `endA`. */
function changedRange(before: string, after: string): { start: number; endB: number; endA: number } {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
    endB--;
    endA--;
  }
  return { start, endB, endA };
}

/**
 * The changed part of two texts with a little context: `…same[-old-]{+new+}same…`, each side cut to
 * `width` characters.
 */
export function textExcerpt(before: string, after: string, width = 60): string {
  const { start, endB, endA } = changedRange(before, after);
  const cut = (s: string) => (s.length > width ? `${s.slice(0, width)}…` : s);
  const context = 30;
  const lead = before.slice(Math.max(0, start - context), start);
  const trail = before.slice(endB, endB + context);
  return `${start > context ? "…" : ""}${lead}[-${cut(before.slice(start, endB))}-]{+${cut(after.slice(start, endA))}+}${trail}${endB + context < before.length ? "…" : ""}`;
}

/** The removed and added text of a change, for classifying what kind of text changed. */
export function changedText(before: string, after: string): { removed: string; added: string } {
  const { start, endB, endA } = changedRange(before, after);
  // Widen an edit inside a token to the whole token, so a changed digit is seen as part of its date or
  // path; an insertion between tokens (appended text) stays as it is.
  const token = (c: string | undefined) => c !== undefined && /[\w:./\\-]/.test(c);
  const inside = (s: string, a: number, b: number) => (a < b ? token(s[a]) : false);
  const widenStart = inside(before, start, endB) || inside(after, start, endA);
  const widenEnd = (endB > start && token(before[endB - 1])) || (endA > start && token(after[endA - 1]));
  const widen = (s: string, a: number, b: number) => {
    if (widenStart) while (a > 0 && token(s[a - 1])) a--;
    if (widenEnd) while (b < s.length && token(s[b])) b++;
    return s.slice(a, b);
  };
  return { removed: widen(before, start, endB), added: widen(after, start, endA) };
}
