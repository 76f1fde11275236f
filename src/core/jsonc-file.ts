/**
 * Reading the JSON and JSONC files users own (settings, configs, price overrides): a syntax error becomes an
 * InputError with the file and line, never a bare SyntaxError.
 */
import fs from "node:fs";
import * as jsonc from "jsonc-parser";
import { InputError } from "./errors.js";

export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The syntax tree of a JSON/JSONC document (comments and trailing commas allowed). */
export function parseJsoncTree(text: string, file: string): jsonc.Node {
  const errors: jsonc.ParseError[] = [];
  const tree = jsonc.parseTree(text, errors, { allowTrailingComma: true });
  if (errors.length > 0 || !tree) {
    throw new InputError({
      message: `invalid JSON: ${errors[0] ? jsonc.printParseErrorCode(errors[0].error) : "empty document"}`,
      file,
      line: lineAt(text, errors[0]?.offset ?? 0),
    });
  }
  return tree;
}

export function readJsoncFile(file: string): unknown {
  return jsonc.getNodeValue(parseJsoncTree(fs.readFileSync(file, "utf8"), file));
}
