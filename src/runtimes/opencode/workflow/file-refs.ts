/**
 * OpenCode's `{file:path}` in its JSON config files: replaced, before the file is parsed, by the referenced
 * file's text (trimmed, escaped for a JSON string). The path is relative to the config file, `~/` is the
 * home folder; a reference on a `//` comment line is left alone. A missing file stops OpenCode; here it
 * is an error at its line and the reference stays as text. `{env:…}` is left as it is: its value is the
 * user's environment at run time, not part of the workflow (and often a secret).
 */
import fs from "node:fs";
import path from "node:path";
import type { Diagnostics } from "../../../contract/workflow/read-helpers.js";

const FILE_REF = /\{file:([^}]+)\}/g;

export function substituteFileRefs(text: string, configFile: string, home: string, diags: Diagnostics): string {
  return text
    .split("\n")
    .map((line, i) => {
      if (line.trim().startsWith("//")) return line;
      return line.replace(FILE_REF, (ref, target: string) => {
        const file = target.startsWith("~/")
          ? path.join(home, target.slice(2))
          : path.isAbsolute(target)
            ? target
            : path.resolve(path.dirname(configFile), target);
        try {
          return JSON.stringify(fs.readFileSync(file, "utf8").trim()).slice(1, -1);
        } catch {
          diags.add("error", configFile, `${ref} names a file that cannot be read (${file}); OpenCode refuses this config`, {
            line: i + 1,
          });
          return ref;
        }
      });
    })
    .join("\n");
}
