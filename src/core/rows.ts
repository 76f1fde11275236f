/**
 * Moving records between SQLite rows (snake_case columns, 0/1 for booleans) and objects (camelCase keys),
 * for the tables whose columns are named after the object's keys.
 */

export function columnOf(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function keyOf(column: string): string {
  return column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** A row as an object; the columns named in `booleans` (by key) become true/false. */
export function fromRow<T>(row: Record<string, unknown>, booleans: readonly string[] = []): T {
  return Object.fromEntries(
    Object.entries(row).map(([column, v]) => {
      const key = keyOf(column);
      return [key, booleans.includes(key) ? v === 1 : v];
    }),
  ) as T;
}

/** An object's fields as named SQL parameters by column; booleans become 1/0, undefined fields are left out. */
export function toColumns(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o)) {
    if (value === undefined) continue;
    out[columnOf(key)] = typeof value === "boolean" ? (value ? 1 : 0) : value;
  }
  return out;
}
