/**
 * `{env:NAME}` references, OpenCode's syntax for a value taken from the environment at run time. They travel
 * inside IR text (an agent prompt read from an OpenCode JSON config), so the reader that meets them and any
 * writer that must flag them share this one definition, below both runtimes.
 */
export function envRefs(text: string): string[] {
  return [...text.matchAll(/\{env:([^}]+)\}/g)].map((m) => m[1]!);
}
