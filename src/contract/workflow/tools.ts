/**
 * The IR's tool ids. They are neutral: every runtime maps its own names to and from them in its folder
 * (src/runtimes/<id>/workflow/tools.ts). They are spelled as Claude Code spells its tools (`Read`, `Edit`,
 * `Bash`, `WebFetch`, `Agent`, `mcp__server__tool`), because that vocabulary is the finest of the three; a
 * tool only one runtime has is `<runtime>:<name>` (`opencode:lsp`), which no other runtime can hold.
 */

export type ToolMapping = { ok: true; key: string } | { ok: false; reason: string };

const RUNTIME_NAMES: Readonly<Record<string, string>> = { claude: "Claude Code", opencode: "OpenCode", codex: "Codex" };

/** `opencode:lsp` → the runtime's display name and the tool's own name; undefined for a neutral id. */
export function runtimeOnlyTool(tool: string): { runtime: string; name: string } | undefined {
  const m = /^([a-z][\w-]*):(.+)$/.exec(tool);
  if (!m) return undefined;
  return { runtime: RUNTIME_NAMES[m[1]!] ?? m[1]!, name: m[2]! };
}
