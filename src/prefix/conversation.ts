/**
 * Which conversation a request continues. A request carries a session id (Claude Code's
 * `x-claude-code-session-id` header or `metadata.user_id.session_id`, OpenCode's `x-session-id`) when the
 * runtime sends one, but one session can hold several conversations (Claude Code's subagents share the
 * main session's id), and some clients send none. So within the session, or among all conversations when
 * there is no id, a request continues the conversation whose last request shares the longest prefix with it.
 * A request whose only message is a first prompt (not a compaction summary) opens a new conversation.
 */
import type { Block } from "./blocks.js";
import { SUMMARY } from "./classify.js";

export interface ConversationHead {
  session: string | null;
  /** The blocks of the conversation's last request. */
  blocks: readonly Block[];
}

/** How many leading blocks two requests have in common (equal prefix hashes). */
export function commonPrefixBlocks(a: readonly Block[], b: readonly Block[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i]!.prefixHash === b[i]!.prefixHash) i++;
  return i;
}

/** A conversation's first request: a single message, and not the summary a compaction starts over from. */
export function isOpeningRequest(blocks: readonly Block[]): boolean {
  const messages = blocks.filter((b) => b.section === "messages");
  // Claude Code's first message also carries CLAUDE.md in <system-reminder> blocks: their words do not count.
  const summary = messages.some((b) => !b.text.includes("<system-reminder>") && SUMMARY.test(b.text));
  return messages.length > 0 && !summary && messages.every((b) => b.messageIndex === 0);
}

/**
 * The conversation a request continues, or undefined for a new one. With a session id, a request always
 * continues one of its session's conversations (even if its very first block changed: that is a break to
 * report, not a new conversation); without one, only a conversation it shares at least one block with.
 */
export function matchConversation<C extends ConversationHead>(
  conversations: readonly C[],
  session: string | null,
  blocks: readonly Block[],
): C | undefined {
  if (isOpeningRequest(blocks)) return undefined;
  let best: C | undefined;
  let bestShared = -1;
  for (const c of conversations) {
    if (c.session !== session) continue;
    const shared = commonPrefixBlocks(c.blocks, blocks);
    // Ties go to the latest conversation: a fresh subagent shares as much with its siblings as with the last.
    if (shared >= bestShared) {
      best = c;
      bestShared = shared;
    }
  }
  if (session === null && bestShared <= 0) return undefined;
  return best;
}
