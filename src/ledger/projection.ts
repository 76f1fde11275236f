/**
 * Decoding a wanted line into only the keys its parser reads (JsonlParser.reads). Building every key of a
 * Claude Code assistant line (about 35, with the message's content) was the largest cost of reading a log after
 * the scan; the scanner finds the declared keys' values (line-scan.as.ts, project) and only those are decoded,
 * each exactly as JSON.parse would: the last of duplicate keys wins, and a line where a followed object has a
 * key with escapes (which might spell a declared key) is decoded whole.
 */
import type { JsonKeys } from "../contract/log-records.js";
import type { LineScanner, ReadNode } from "./line-scan.js";

/** The key tree in the scanner's form: nodes breadth first, so the children of each are next to each other. */
export function readNodes(keys: JsonKeys): ReadNode[] {
  const nodes: ReadNode[] = [];
  const trees: (JsonKeys | undefined)[] = [];
  const add = (tree: JsonKeys, parent: number) => {
    for (const [key, sub] of Object.entries(tree)) {
      // Assigned as a property, this one would set the prototype instead.
      if (key === "__proto__") throw new Error("a parser cannot declare that it reads __proto__");
      nodes.push({ parent, leaf: sub === true, key: Buffer.from(key) });
      trees.push(sub === true ? undefined : sub);
    }
  };
  add(keys, -1);
  for (let k = 0; k < nodes.length; k++) if (trees[k]) add(trees[k]!, k);
  return nodes;
}

const PLAIN = 0x80000000;

/**
 * The projection of the valid, well-formed UTF-8 line starting at data[from] (after its byte-order mark), or
 * undefined when it must be decoded whole. `keys` are the nodes' keys as strings, in the same order as the
 * scanner's tree; `parents` their parents.
 */
export function project(scanner: LineScanner, from: number, keys: readonly string[], parents: readonly number[]): object | undefined {
  const count = scanner.project(from);
  if (count < 0) return undefined;
  const data = scanner.data;
  const events = scanner.events;
  const base = scanner.dataStart;
  const root: Record<string, unknown> = {};
  // The object each inner node's value last opened, where its children go.
  const opened: Record<string, unknown>[] = [];
  for (let k = 0; k < count; k++) {
    const tag = events[3 * k]!;
    const node = tag & ~PLAIN;
    const s = events[3 * k + 1]! - base;
    const e = events[3 * k + 2]!;
    const parent = parents[node]!;
    const into = parent < 0 ? root : opened[parent]!;
    if (e === 0) {
      const o: Record<string, unknown> = {};
      opened[node] = o;
      into[keys[node]!] = o;
    } else {
      into[keys[node]!] = value(data, s, e - base, tag >= PLAIN);
    }
  }
  return root;
}

function value(data: Buffer, s: number, e: number, plain: boolean): unknown {
  if (plain) return data.toString("utf8", s + 1, e - 1);
  const c = data[s];
  if (c === 0x74) return true;
  if (c === 0x66) return false;
  if (c === 0x6e) return null;
  return integer(data, s, e) ?? JSON.parse(data.toString("utf8", s, e));
}

/**
 * A number written as up to 15 digits (and a minus sign), which is exactly the integer the digits spell as
 * JSON.parse reads it (-0 included); token counts are. Otherwise undefined.
 */
function integer(data: Buffer, s: number, e: number): number | undefined {
  const negative = data[s] === 0x2d;
  const from = negative ? s + 1 : s;
  if (e - from > 15) return undefined;
  let n = 0;
  for (let i = from; i < e; i++) {
    const d = data[i]! - 0x30;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}
