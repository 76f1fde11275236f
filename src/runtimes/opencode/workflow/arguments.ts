/** OpenCode 1.18's command templates: `$1` is the first argument, and the highest-numbered one takes the rest. */
import { oneBasedTemplates } from "../../../contract/workflow/arguments.js";

export const { to: toOpencodeTemplate, from: fromOpencodeTemplate } = oneBasedTemplates({
  name: "OpenCode",
  lastTakesRest: true,
  projectDirIsCwd: "OpenCode runs shell lines in the project root",
});
