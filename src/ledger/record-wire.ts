/**
 * Usage records across the reader threads' boundary, packed: each distinct string once in a table (request keys,
 * unique within a source, without looking them up), every number in one Float64Array whose buffer is transferred,
 * not copied.
 *
 * Cloned as objects, a record cost about 500 bytes (structured clone writes every string of every record
 * again) and its decoding ran on the main thread, the one that writes the ledger and so sets the pace of a
 * first ingest: about 200 ms per 100,000 records, a tenth of a cold run. Packed, the main thread only
 * rebuilds the objects.
 */
import type { UsageRecord } from "./record.js";

/** The string fields, in table order; null is -1. */
const STRINGS = [
  "runtime",
  "key",
  "sessionId",
  "rootSessionId",
  "parentSessionId",
  "agentId",
  "conversationId",
  "project",
  "model",
  "provider",
  "version",
  "speed",
  "sourceRef",
] as const satisfies readonly (keyof UsageRecord)[];

/** The number fields; null is NaN, which JSON cannot hold, so no logged number is ever NaN. */
const NUMBERS = [
  "ts",
  "input",
  "cacheWrite5m",
  "cacheWrite1h",
  "cacheRead",
  "output",
  "reasoning",
  "reportedCostUsd",
  "marks",
  "sourceLine",
] as const satisfies readonly (keyof UsageRecord)[];

/** Every field of a record is in one list or is isSubagent. */
type Covered = (typeof STRINGS)[number] | (typeof NUMBERS)[number] | "isSubagent";
const _complete: Record<Exclude<keyof UsageRecord, Covered>, never> = {};
void _complete;

export interface PackedRecords {
  count: number;
  strings: string[];
  /** Per record, STRINGS.length indexes into `strings` (-1: null). */
  refs: Int32Array;
  /** Per record, NUMBERS.length numbers then isSubagent as 0 or 1. */
  numbers: Float64Array;
}

const NUMBER_WIDTH = NUMBERS.length + 1;

export function packRecords(records: readonly UsageRecord[]): PackedRecords {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (v: string | null | undefined): number => {
    if (v === null || v === undefined) return -1;
    let at = index.get(v);
    if (at === undefined) index.set(v, (at = strings.push(v) - 1));
    return at;
  };
  const refs = new Int32Array(records.length * STRINGS.length);
  const numbers = new Float64Array(records.length * NUMBER_WIDTH);
  // Every number, not only the nullable ones: a parser that broke its contract with a null gets NULL (refused by
  // the table) here as on the main thread, not a 0 from the Float64Array.
  const num = (v: number | null | undefined) => (v === null || v === undefined ? NaN : v);
  // Field by field at fixed positions, in STRINGS' and NUMBERS' order, as unpackRecords reads them back (the
  // round-trip property test in record-wire.test.ts checks both): a loop over the field names made every read a
  // generic keyed lookup, and this runs for every request of a first ingest.
  for (let k = 0, s = 0, n = 0; k < records.length; k++, s += STRINGS.length, n += NUMBER_WIDTH) {
    const r = records[k]!;
    refs[s] = ref(r.runtime);
    // A source's records have one key each (Collected keeps one copy per key): added as it is, without a lookup.
    refs[s + 1] = strings.push(r.key) - 1;
    refs[s + 2] = ref(r.sessionId);
    refs[s + 3] = ref(r.rootSessionId);
    refs[s + 4] = ref(r.parentSessionId);
    refs[s + 5] = ref(r.agentId);
    refs[s + 6] = ref(r.conversationId);
    refs[s + 7] = ref(r.project);
    refs[s + 8] = ref(r.model);
    refs[s + 9] = ref(r.provider);
    refs[s + 10] = ref(r.version);
    refs[s + 11] = ref(r.speed);
    refs[s + 12] = ref(r.sourceRef);
    numbers[n] = num(r.ts);
    numbers[n + 1] = num(r.input);
    numbers[n + 2] = num(r.cacheWrite5m);
    numbers[n + 3] = num(r.cacheWrite1h);
    numbers[n + 4] = num(r.cacheRead);
    numbers[n + 5] = num(r.output);
    numbers[n + 6] = num(r.reasoning);
    numbers[n + 7] = num(r.reportedCostUsd);
    numbers[n + 8] = num(r.marks);
    numbers[n + 9] = num(r.sourceLine);
    numbers[n + 10] = r.isSubagent ? 1 : 0;
  }
  return { count: records.length, strings, refs, numbers };
}

/** What a postMessage of packed records should transfer rather than copy. */
export function transferables(p: PackedRecords): ArrayBuffer[] {
  return [p.refs.buffer as ArrayBuffer, p.numbers.buffer as ArrayBuffer];
}

export function unpackRecords(p: PackedRecords): UsageRecord[] {
  const { strings, refs, numbers } = p;
  const str = (i: number) => (refs[i]! === -1 ? null : strings[refs[i]!]!);
  const num = (i: number) => (Number.isNaN(numbers[i]!) ? null : numbers[i]!);
  const out = new Array<UsageRecord>(p.count);
  for (let k = 0, s = 0, n = 0; k < p.count; k++, s += STRINGS.length, n += NUMBER_WIDTH) {
    // One object literal, fields in normalize()'s order: every record gets the same hidden class.
    out[k] = {
      runtime: str(s) as UsageRecord["runtime"],
      key: str(s + 1)!,
      sessionId: str(s + 2)!,
      rootSessionId: str(s + 3)!,
      parentSessionId: str(s + 4),
      agentId: str(s + 5),
      conversationId: str(s + 6)!,
      isSubagent: numbers[n + 10] === 1,
      project: str(s + 7),
      model: str(s + 8)!,
      provider: str(s + 9),
      ts: numbers[n]!,
      version: str(s + 10),
      speed: str(s + 11),
      input: numbers[n + 1]!,
      cacheWrite5m: numbers[n + 2]!,
      cacheWrite1h: numbers[n + 3]!,
      cacheRead: numbers[n + 4]!,
      output: numbers[n + 5]!,
      reasoning: numbers[n + 6]!,
      reportedCostUsd: num(n + 7),
      marks: numbers[n + 8]!,
      sourceLine: num(n + 9),
      sourceRef: str(s + 12),
    };
  }
  return out;
}
