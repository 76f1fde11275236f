/** Codex CLI 0.169's custom prompts: `$1`…`$9` are the arguments in order, `$ARGUMENTS` all of them. */
import { oneBasedTemplates } from "../../../contract/workflow/arguments.js";

export const { to: toCodexTemplate, from: fromCodexTemplate } = oneBasedTemplates({
  name: "Codex",
  lastTakesRest: false,
  highest: 9,
  projectDirIsCwd: "Codex works in the project folder",
});
