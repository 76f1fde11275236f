/**
 * The WebAssembly line scanner (line-scan.as.ts) as the JSON-lines reader uses it: one instance per thread,
 * whose memory holds the read buffer itself, so a chunk is read from the file straight where it is scanned.
 *
 * A build puts the compiled module beside the bundle (scripts/build.mjs). Run from the TypeScript sources
 * (tests, tsx), the module is compiled on first use and kept in node_modules/.cache, under the hash of its
 * source and options, so an edited scanner is compiled again.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import {
  linePatternProblem,
  MAX_LINE_PATTERN_BYTES,
  MAX_LINE_PATTERNS,
  MAX_READ_KEY_BYTES,
  MAX_READ_KEYS,
  type JsonlParser,
} from "../contract/log-records.js";
import { NamedError } from "../core/errors.js";

/** The line is one JSON value, as JSON.parse judges it. */
export const VALID = 1;
/** Nothing but spaces, tabs and carriage returns (after a byte-order mark, if any). */
export const BLANK = 2;
/** Starts with a UTF-8 byte-order mark, which is not part of the line's JSON. */
export const BOM = 4;
/** Holds one of the parser's needles and all its `alsoNeeds`, or starts with one of its prefixes. */
export const WANTED = 8;

/** Lines reported per scan call; a chunk of short lines takes a few calls. */
const MAX_LINES = 16384;
/** A pattern's slot, as line-scan.as.ts lays it out: four bytes of header, then up to MAX_LINE_PATTERN_BYTES (252). */
const PATTERN_SLOT = 256;
if (4 + MAX_LINE_PATTERN_BYTES !== PATTERN_SLOT)
  throw new Error("line-scan: the pattern table's layout and MAX_LINE_PATTERN_BYTES disagree");
/**
 * The key tree of a parser's declared reads (see projection.ts): nodes of 64 bytes, an 8-byte header and a key
 * of up to 56 (the contract's limits; line-scan.as.ts has the same layout).
 */
const MAX_NODES = MAX_READ_KEYS;
const NODE_SLOT = 64;
const NODE_KEY = 8;
if (NODE_KEY + MAX_READ_KEY_BYTES !== NODE_SLOT) throw new Error("line-scan: the key table's layout and MAX_READ_KEY_BYTES disagree");
/** Values one projected line may report; a line with more is decoded whole. */
const MAX_EVENTS = 1024;
/** Room after the data for the scanner's sixteen-byte loads past a line's end and its sentinel newline. */
const PAD = 512;
const PAGE = 65536;

/** The little of the WebAssembly API used here (the project's TypeScript libraries declare none of it). */
interface Memory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly kind: "wasm";
}
const WebAssembly = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => WasmModule;
      Instance: new (module: WasmModule, imports: object) => { exports: unknown };
    };
  }
).WebAssembly;

interface Exports {
  memory: Memory;
  patternBase(): number;
  setPatterns(count: number): void;
  scan(data: number, len: number, from: number, out: number, maxLines: number, stack: number): number;
  tail(data: number, len: number, from: number, stack: number): number;
  setReads(base: number, roots: number): void;
  project(start: number, out: number, max: number): number;
}

/** One node of a parser's key tree: the node it is under (-1: the line's object), and whether it is a leaf. */
export interface ReadNode {
  parent: number;
  leaf: boolean;
  key: Buffer;
}

export class LineScanner {
  private readonly wasm: Exports;
  private readonly patternBase: number;
  private readonly out: number;
  private readonly nodes: number;
  private readonly eventsAt: number;
  private readonly dataBase: number;
  private capacityBytes = 0;
  /** The parser whose patterns and reads are set (useParser). */
  private parser: JsonlParser<unknown> | undefined;
  /** The read buffer, in the scanner's memory; replaced when it grows. */
  data!: Buffer;
  /** [end offset, flags] of each line of the last scan(). */
  results!: Uint32Array;
  /** [node, start, end] of each value of the last project() (see line-scan.as.ts). */
  events!: Uint32Array;

  constructor(module: WasmModule, capacity: number) {
    this.wasm = new WebAssembly.Instance(module, {}).exports as Exports;
    this.patternBase = this.wasm.patternBase();
    this.out = this.patternBase + MAX_LINE_PATTERNS * PATTERN_SLOT;
    this.nodes = this.out + MAX_LINES * 8;
    this.eventsAt = this.nodes + MAX_NODES * NODE_SLOT;
    this.dataBase = this.eventsAt + MAX_EVENTS * 12;
    this.grow(capacity);
  }

  get capacity(): number {
    return this.capacityBytes;
  }

  private get stack(): number {
    return this.dataBase + this.capacityBytes + PAD;
  }

  /** Makes the buffer hold `capacity` bytes, keeping what it holds. */
  grow(capacity: number): void {
    this.capacityBytes = capacity;
    const needed = this.stack + Math.ceil(capacity / 8) + PAD;
    const memory = this.wasm.memory;
    if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    this.data = Buffer.from(memory.buffer, this.dataBase, capacity);
    this.results = new Uint32Array(memory.buffer, this.out, MAX_LINES * 2);
    this.events = new Uint32Array(memory.buffer, this.eventsAt, MAX_EVENTS * 3);
  }

  /**
   * Sets a parser's patterns and, when it declares them, its reads, unless this scanner is already set for
   * that parser: a thread reads thousands of files with one parser, and each file used to set them again.
   */
  useParser(parser: JsonlParser<unknown>, reads: readonly ReadNode[] | undefined): void {
    if (this.parser === parser) return;
    this.setPatterns(parser.needles, parser.alsoNeeds ?? [], parser.linePrefixes ?? []);
    if (reads) this.setReads(reads);
    this.parser = parser;
  }

  setPatterns(needles: readonly string[], alsoNeeds: readonly string[], prefixes: readonly string[]): void {
    this.parser = undefined;
    // Parsers are checked when loaded (read-source.ts); this guards the scanner's memory against any other caller.
    const problem = linePatternProblem({ needles, alsoNeeds, linePrefixes: prefixes });
    if (problem) throw new Error(`unusable JSON-lines parser: ${problem}`);
    const all = [...needles.map((p) => [0, p] as const), ...alsoNeeds.map((p) => [1, p] as const), ...prefixes.map((p) => [2, p] as const)];
    const memory = Buffer.from(this.wasm.memory.buffer);
    all.forEach(([kind, text], k) => {
      const bytes = Buffer.from(text);
      const [a, b] = probes(bytes);
      const at = this.patternBase + k * PATTERN_SLOT;
      memory[at] = kind;
      memory[at + 1] = bytes.length;
      memory[at + 2] = a;
      memory[at + 3] = b;
      bytes.copy(memory, at + 4);
    });
    this.wasm.setPatterns(all.length);
  }

  /** The key tree project() follows, breadth first (projection.ts builds it from a parser's `reads`). */
  setReads(nodes: readonly ReadNode[]): void {
    this.parser = undefined;
    if (nodes.length > MAX_NODES) throw new Error(`a JSON-lines parser may read at most ${MAX_NODES} keys`);
    const memory = Buffer.from(this.wasm.memory.buffer);
    nodes.forEach((node, k) => {
      if (node.key.length > NODE_SLOT - NODE_KEY) throw new Error(`key too long to project: ${node.key.toString()}`);
      if (k > 0 && node.parent < nodes[k - 1]!.parent) throw new Error("the key tree must be breadth first");
      const at = this.nodes + k * NODE_SLOT;
      memory.writeInt32LE(node.parent, at);
      memory[at + 4] = node.leaf ? 1 : 0;
      memory[at + 5] = node.key.length;
      // Where its children are: breadth first, they are next to each other.
      const first = nodes.findIndex((n) => n.parent === k);
      memory[at + 6] = first < 0 ? 0 : first;
      memory[at + 7] = nodes.filter((n) => n.parent === k).length;
      node.key.copy(memory, at + NODE_KEY);
    });
    this.wasm.setReads(this.nodes, nodes.filter((n) => n.parent < 0).length);
  }

  /** Where data[0] is in the scanner's memory: project() reports positions from there. */
  get dataStart(): number {
    return this.dataBase;
  }

  /**
   * Finds the declared keys' values in the valid line starting at data[from]: how many `events` holds, or -1
   * when the line must be decoded whole.
   */
  project(from: number): number {
    return this.wasm.project(this.dataBase + from, this.eventsAt, MAX_EVENTS);
  }

  /** Scans the complete lines of data[from, len); returns how many `results` holds (at most MAX_LINES). */
  scan(len: number, from: number): number {
    return this.wasm.scan(this.dataBase, len, from, this.out, MAX_LINES, this.stack);
  }

  /** The flags of data[from, len) as one line. */
  tail(len: number, from: number): number {
    return this.wasm.tail(this.dataBase, len, from, this.stack);
  }

  static readonly maxLines = MAX_LINES;
}

/**
 * The two bytes a search compares before comparing a whole needle: a needle's quotes are in almost every
 * JSON line, so its inner ends are used when it has them.
 */
function probes(bytes: Buffer): [number, number] {
  const n = bytes.length;
  if (n < 4) return [0, n - 1];
  return [bytes[0] === 0x22 ? 1 : 0, bytes[n - 1] === 0x22 ? n - 2 : n - 1];
}

/** Node without WebAssembly (started with --jitless, e.g. through NODE_OPTIONS) cannot read logs. */
export const NoWebAssemblyError = NamedError.create<"NoWebAssemblyError", { message: string }>("NoWebAssemblyError");

/** Throws NoWebAssemblyError when this process has no WebAssembly to scan lines with. */
export function requireWebAssembly(): void {
  // Typed as always there (the project's libraries declare no WebAssembly), but absent under --jitless.
  if ((WebAssembly as unknown) === undefined)
    throw new NoWebAssemblyError({
      message: "reading logs needs WebAssembly, which this Node.js process does not have (started with --jitless?)",
    });
}

let compiled: WasmModule | undefined;
let scanner: LineScanner | undefined;

/** This thread's scanner, with a buffer of at least `capacity` bytes when it is made. */
export function lineScanner(capacity: number): LineScanner {
  scanner ??= separateLineScanner(capacity);
  return scanner;
}

/** A scanner of its own with a buffer of `capacity` bytes, for tests that read with small buffers. */
export function separateLineScanner(capacity: number): LineScanner {
  requireWebAssembly();
  compiled ??= new WebAssembly.Module(moduleBytes());
  return new LineScanner(compiled, capacity);
}

function moduleBytes(): Buffer {
  const built = new URL("./line-scan.wasm", import.meta.url);
  if (!import.meta.url.endsWith(".ts")) return fs.readFileSync(built);
  return compiledFromSource();
}

/** Development only: the scanner compiled from its AssemblyScript source, cached by content. */
function compiledFromSource(): Buffer {
  const source = fileURLToPath(new URL("./line-scan.as.ts", import.meta.url));
  const config = fileURLToPath(new URL("./line-scan.asconfig.json", import.meta.url));
  const hash = crypto.createHash("sha1").update(fs.readFileSync(source)).update(fs.readFileSync(config)).digest("hex").slice(0, 16);
  const cacheDir = fileURLToPath(new URL("../../node_modules/.cache/quartet/", import.meta.url));
  const cached = `${cacheDir}line-scan-${hash}.wasm`;
  if (!fs.existsSync(cached)) {
    fs.mkdirSync(cacheDir, { recursive: true });
    // Several test workers may compile at once: each writes its own file and renames it into place.
    const tmp = `${cached}.${process.pid}.${crypto.randomUUID()}.tmp`;
    const asc = fileURLToPath(new URL("../../node_modules/assemblyscript/bin/asc.js", import.meta.url));
    // Loaded here only: child_process takes milliseconds to load, and the status line reads logs too.
    const { execFileSync } = createRequire(import.meta.url)("node:child_process") as typeof import("node:child_process");
    execFileSync(process.execPath, [asc, source, "--config", config, "-o", tmp], { stdio: ["ignore", "ignore", "inherit"] });
    fs.renameSync(tmp, cached);
  }
  return fs.readFileSync(cached);
}
