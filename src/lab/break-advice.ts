/**
 * What a lab cache break means and what to do about it. The classifier (prefix/classify.ts) names the block
 * and the kind of change (`cause`); this names the break for what changed (`reason`: the `git status` section,
 * the project instructions, a tool's description, an expired TTL), in words, with one actionable hint.
 *
 * A system change is named after the section of system context that changed (prefix/sections.ts). When
 * several changed, the one the user acts on wins: editing CLAUDE.md also changes `git status` (it shows
 * `M CLAUDE.md`), so the instructions explain the break and the git status is mentioned beside them.
 */
import { CAUSE_TEXT, type BreakExplanation, type Cause } from "../prefix/classify.js";
import type { PromptSection } from "../prefix/sections.js";

const SECTION_REASON = {
  instructions: "instructions-changed",
  skills: "skills-changed",
  "git-status": "git-status-changed",
  environment: "environment-changed",
  date: "date-changed",
} as const satisfies Record<PromptSection, string>;

/** Sections in the order they explain a break: the first one present is the reason. */
const SECTION_PRIORITY = Object.keys(SECTION_REASON) as PromptSection[];

export type BreakReason = Cause | (typeof SECTION_REASON)[PromptSection];

const SECTION_NAME: Record<PromptSection, string> = {
  instructions: "project instructions",
  skills: "skills list",
  "git-status": "`git status`",
  environment: "environment",
  date: "date",
};

const SECTION_TEXT: Record<PromptSection, string> = {
  instructions: "project instructions (CLAUDE.md / AGENTS.md) changed mid-session",
  skills: "list of available skills in the system prompt changed",
  "git-status": "`git status` section of the system prompt changed",
  environment: "environment section of the system prompt changed (working directory, platform or model line)",
  date: "today's date in the system context changed",
};

const HINTS: Record<BreakReason, string> = {
  "instructions-changed":
    "Edit CLAUDE.md / AGENTS.md between sessions, not during one: every change re-writes the prompt from the instructions on.",
  "skills-changed": "Install or remove skills between sessions, not during one: the skills list is part of the system prompt.",
  "git-status-changed":
    "Claude Code snapshots `git status` into the system prompt when a process starts, so a new process after an edit (`claude -p --continue`) re-writes the whole prompt: keep one long-lived process for the session, or avoid `--continue` right after edits.",
  "environment-changed":
    "Start every process of a session from the same folder with the same model (pin `--model`), so the environment section stays the same.",
  "date-changed":
    "The runtime writes today's date into its prompt, so the first request after midnight re-writes it: nothing to fix unless sessions routinely span midnight.",
  "system-changed":
    "Something else in the system prompt changed between requests: `quartet lab show <run> --diff <n> <m>` shows the text; keep it fixed during a session.",
  "ttl-expired":
    "The cached prompt expired during an idle gap longer than its TTL: pause for less than the TTL (5 minutes), or use the 1-hour cache where the runtime offers it (its writes cost 2× input instead of 1.25×).",
  "tool-description-changed":
    "The runtime words this tool's description differently from one process to the next (Claude Code's Bash description names the model and its context size): pin the model with `--model` so every process sends the same tools.",
  "tool-schema-changed":
    "Pin the model (`--model`) and the runtime's version, and keep MCP servers at one version during a session: a tool's schema must not change between requests.",
  "tool-added":
    "Keep the same MCP servers, plugins and permissions for a whole session: a tool added mid-session re-writes the prompt from the tools on.",
  "tool-removed":
    "Keep the same MCP servers, plugins and permissions for a whole session: a tool removed mid-session re-writes the prompt from the tools on.",
  "tools-reordered":
    "The same tools came in another order, as MCP servers that list their tools in a varying order cause: pin the server's version or its tool order.",
  "model-changed": "Each model has its own cache: stay on one model for a session (pin `--model`) and switch models between sessions.",
  "settings-changed": "Keep thinking and tool_choice settings fixed within a session: toggling them re-writes every message.",
  compaction:
    "Compaction rewrites the conversation, so the request after it writes the whole prompt again: expected once per compaction; a new session per task compacts less often.",
  "message-rewritten":
    "The runtime rewrote an earlier message (for example pruning an old tool result), its own choice: `quartet lab show <run> --diff <n> <m>` shows what it changed.",
  "too-many-markers":
    "The request carried more than 4 cache_control markers and was rejected: remove whatever adds markers (a plugin or proxy).",
  "marker-missing":
    "The request asked for no caching: check that prompt caching is not turned off in the runtime's settings (Claude Code: DISABLE_PROMPT_CACHING).",
  "marker-moved":
    "The conversation grew by more than 20 blocks past the last cached point (many tool calls in one turn), beyond what the cache looks back over: fewer, larger tool calls per turn avoid it.",
  "below-minimum": "The prompt was shorter than the model's minimum cacheable length, so nothing could be cached: nothing to fix.",
  unexplained: "`quartet lab show <run> --diff <n> <m>` shows how the two requests differ.",
};

export interface BreakAdvice {
  reason: BreakReason;
  /** What changed, in words, with the facts the classifier found (the tool, the TTL, the other sections). */
  text: string;
  hint: string;
}

type Explained = Pick<BreakExplanation, "cause" | "detail" | "sections">;

export function adviseBreak(b: Explained): BreakAdvice {
  const section = SECTION_PRIORITY.find((s) => b.sections?.includes(s));
  const reason: BreakReason = b.cause === "system-changed" && section ? SECTION_REASON[section] : b.cause;
  return { reason, text: describe(b, section), hint: HINTS[reason] };
}

function describe(b: Explained, section: PromptSection | undefined): string {
  // The classifier's detail holds its facts ("Bash", "5m", "date/time, path") and, after "; ", a note
  // that the cache had also expired; the note is kept whatever the text says.
  const [facts, ...notes] = b.detail?.split("; ") ?? [];
  const withNotes = (text: string, more: string[] = []) => {
    const all = [...more, ...notes];
    return all.length > 0 ? `${text} (${all.join("; ")})` : text;
  };
  switch (b.cause) {
    case "system-changed": {
      // The flags say what the changed text looked like (a date, a path); the section says what it was.
      if (!section) return withNotes(CAUSE_TEXT[b.cause], facts ? [facts] : []);
      const others = (b.sections ?? []).filter((s) => s !== section).map((s) => SECTION_NAME[s]);
      return withNotes(SECTION_TEXT[section], others.length > 0 ? [`also changed: ${others.join(", ")}`] : []);
    }
    case "tool-description-changed":
      return withNotes(`description of the ${facts ?? "–"} tool changed`);
    case "tool-schema-changed":
      return withNotes(`input schema of the ${facts ?? "–"} tool changed`);
    case "ttl-expired":
      return withNotes(facts ? `cache expired: idle longer than its ${facts} TTL` : "cache expired: idle longer than its TTL");
    default:
      return withNotes(CAUSE_TEXT[b.cause], facts ? [facts] : []);
  }
}
