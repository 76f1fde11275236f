/**
 * The user's price override file: a JSON (comments allowed) array of price rows, or `{ "models": [...] }`,
 * in the built-in table's row shape. Validated strictly: it is quartet's own format, and a typo in a price
 * must not pass silently. Loaded only when such a file exists.
 */
import fs from "node:fs";
import * as jsonc from "jsonc-parser";
import { z } from "zod";
import { InputError } from "./errors.js";
import { lineAt, parseJsoncTree } from "./jsonc-file.js";
import type { PriceRow as PriceRowType } from "./pricing.js";

const Rate = z.number().nonnegative();

const RateFields = {
  input: Rate,
  output: Rate,
  cacheWrite5m: Rate.nullable(),
  cacheWrite1h: Rate.nullable(),
  cacheRead: Rate.nullable(),
};

export const PriceTier = z.object({ ...RateFields, above: z.number().int().positive() }).strict();

export const PriceRow = z
  .object({
    ...RateFields,
    model: z.string().min(1),
    aliases: z.array(z.string()).optional(),
    provider: z.string().min(1),
    from: z.iso.date(),
    tiers: z.array(PriceTier).optional(),
    fastMultiplier: z.number().positive().optional(),
    source: z.string().min(1),
    note: z.string().optional(),
  })
  .strict();
export type PriceRow = z.infer<typeof PriceRow>;

export function readPriceOverride(file: string): PriceRowType[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError({ message: `cannot read the pricing override: ${(e as Error).message}`, file });
  }
  return parsePriceOverride(text, file);
}

export function parsePriceOverride(text: string, file: string): PriceRowType[] {
  const tree = parseJsoncTree(text, file);
  const value: unknown = jsonc.getNodeValue(tree);
  // Checked against the shape the file has, so an error names the row and field, not "invalid union".
  const schema = Array.isArray(value) ? z.array(PriceRow) : z.object({ models: z.array(PriceRow) }).strict();
  if (value === null || typeof value !== "object") {
    throw new InputError({
      message: 'expected an array of price rows, or { "models": [ … ] }',
      file,
      line: lineAt(text, tree.offset),
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // An unknown key is pointed at itself, not at the row that holds it.
    const where = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]!] : issue.path;
    const node = jsonc.findNodeAtLocation(tree, where as (string | number)[]);
    // A missing field is pointed at the row that lacks it.
    const at = node ?? nearestNode(tree, where as (string | number)[]);
    const field = fieldPath(where as (string | number)[]);
    throw new InputError({
      message: `${field ? `${field}: ` : ""}${node === undefined && issue.code === "invalid_type" ? "missing" : issue.message}`,
      file,
      line: lineAt(text, at?.offset ?? 0),
      field,
    });
  }
  return Array.isArray(parsed.data) ? parsed.data : parsed.data.models;
}

function nearestNode(tree: jsonc.Node, at: readonly (string | number)[]): jsonc.Node | undefined {
  for (let n = at.length - 1; n >= 0; n--) {
    const node = jsonc.findNodeAtLocation(tree, at.slice(0, n) as (string | number)[]);
    if (node) return node;
  }
  return tree;
}

/** `models[0].input`, as a person would point at it in the file. */
function fieldPath(at: readonly (string | number)[]): string {
  return at.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}
