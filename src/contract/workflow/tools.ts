/**
 * The IR's tool ids. They are neutral: every runtime maps its own names to and from them in its folder
 * (src/runtimes/<id>/workflow/tools.ts). They are spelled as Claude Code spells its tools (`Read`, `Edit`,
 * `Bash`, `WebFetch`, `Agent`, `mcp__server__tool`), because that vocabulary is the finest of the three; a
 * tool only one runtime has is `<runtime>:<name>` (`opencode:lsp`), which no other runtime can hold.
 */

export type ToolMapping = { ok: true; key: string } | { ok: false; reason: string };

/** `opencode:lsp` → the runtime's id (as `quartet port` names it) and the tool's own name; undefined for a neutral id. */
export function runtimeOnlyTool(tool: string): { runtime: string; name: string } | undefined {
  const m = /^([a-z][\w-]*):(.+)$/.exec(tool);
  if (!m) return undefined;
  return { runtime: m[1]!, name: m[2]! };
}
