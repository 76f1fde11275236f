/**
 * Reading YAML the user owns (scenarios, frontmatter) so that every problem points at a line: a syntax
 * error becomes an InputError with the file and line, and `lineOf(path)` finds the line of any field for
 * schema errors found later.
 */
import { LineCounter, isMap, isSeq, parseDocument, type Node } from "yaml";
import { InputError } from "./errors.js";

export interface YamlDocument {
  value: unknown;
  /** The line of the deepest node along `path` (1-based, counted in the whole file). */
  lineOf(path: readonly PropertyKey[]): number;
}

/**
 * Parses YAML; `firstLine` is the file line the text starts on (frontmatter starts on line 2). With
 * `duplicateKeys`, a key given twice is not an error and the last one counts (as in Bun's parser).
 */
export function parseYaml(text: string, file: string, firstLine = 1, o: { duplicateKeys?: boolean } = {}): YamlDocument {
  const lines = new LineCounter();
  // logLevel "error": a key that is a collection (`{ NAME }: …`) becomes its text without a warning printed.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: !o.duplicateKeys, logLevel: "error" });
  const at = (offset: number) => lines.linePos(offset).line + firstLine - 1;
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    // An error found only at the end (an unclosed bracket) is reported on the last line with text.
    const offset = Math.max(0, Math.min(e.pos[0], text.trimEnd().length - 1));
    throw new InputError({ message: `invalid YAML: ${e.message.split("\n")[0]}`, file, line: at(offset) });
  }
  return {
    value: doc.toJS(),
    lineOf: (path) => {
      const node = nodeAt(doc.contents, path);
      return node?.range ? at(node.range[0]) : firstLine;
    },
  };
}

function nodeAt(node: unknown, keys: readonly PropertyKey[]): Node | undefined {
  let current = node as Node | undefined;
  for (const key of keys) {
    if (isMap(current)) {
      const pair = current.items.find((p) => (p.key as { value?: unknown })?.value === key);
      if (!pair) return current;
      current = pair.value as Node;
    } else if (isSeq(current) && typeof key === "number") {
      const item = current.items[key] as Node | undefined;
      if (!item) return current;
      current = item;
    } else return current;
  }
  return current;
}
