/**
 * Argument placeholders and Codex CLI 0.169. Commands reach Codex as skills, and Codex passes a skill no
 * arguments: `$name args` sends the person's words unchanged beside the skill's text, so the placeholders
 * become words telling the model where the arguments are. Old custom prompts (~/.codex/prompts, which Codex
 * 0.169 no longer reads) numbered them from 1: `$1`…`$9`, `$ARGUMENTS` all of them; read back as commands.
 */
import { oneBasedTemplates, type Converted } from "../../../contract/workflow/arguments.js";

const ONE_BASED = { name: "Codex", lastTakesRest: false, projectDirIsCwd: "Codex works in the project folder" };

export const { from: fromCodexTemplate } = oneBasedTemplates({ ...ONE_BASED, highest: 9 });
const { to: toNumbered } = oneBasedTemplates(ONE_BASED);

const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];

/** A command's template (IR syntax) as the body of the skill `$skill`, its placeholders said in words. */
export function toCodexSkillBody(text: string, skill: string, argumentNames?: readonly string[]): Converted {
  const numbered = toNumbered(text, argumentNames);
  let placeholders = false;
  const after = `after \`$${skill}\` in the person's message`;
  const out = numbered.text
    .replace(/\$ARGUMENTS(?!\w)/g, () => ((placeholders = true), `(the text ${after})`))
    .replace(/\$(\d+)(?!\w)/g, (_, n: string) => {
      placeholders = true;
      const i = Number(n);
      return `(the ${ORDINALS[i - 1] ?? `word number ${i}`}${i <= ORDINALS.length ? " word" : ""} ${after})`;
    });
  const lossy = [...numbered.lossy];
  if (placeholders)
    lossy.unshift(
      `Codex passes no arguments to a skill (invoked as \`$${skill} args\`): its argument placeholders became words telling the model where to find them`,
    );
  return { text: out, lossy, unsupported: numbered.unsupported };
}
