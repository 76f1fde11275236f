/**
 * How a port is done, as a writer receives it: the workflow layer builds it from `.quartet/config.jsonc` and
 * the command line (workflow/settings.ts); a runtime's writer only reads it.
 */
export interface PortSettings {
  /** The person's alias → provider/id (config and --model); a writer looks here before its own table. */
  models: Record<string, string>;
  imports: "list" | "inline";
  skills: "native" | "copy";
}
