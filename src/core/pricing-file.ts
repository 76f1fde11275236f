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

export const PriceOverrideFile = z.union([z.array(PriceRow), z.object({ models: z.array(PriceRow) }).strict()]);

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
  const parsed = PriceOverrideFile.safeParse(jsonc.getNodeValue(tree));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const node = jsonc.findNodeAtLocation(tree, issue.path as (string | number)[]);
    const field = issue.path.join(".");
    throw new InputError({
      message: `invalid price row${field ? ` at ${field}` : ""}: ${issue.message}`,
      file,
      line: lineAt(text, node?.offset ?? 0),
      field,
    });
  }
  return Array.isArray(parsed.data) ? parsed.data : parsed.data.models;
}
