/**
 * "Have I seen this before?" in a fixed amount of memory, however many strings go by: a blocked Bloom filter.
 *
 * A bulk load asks it of every request key and conversation. It can answer "maybe" for a string it has not
 * seen (more often the more strings it holds), never "no" for one it has: so a caller treats "maybe" as a
 * question to settle exactly later (in SQL, once the indexes exist) and "no" as certain. At 4 bytes a string
 * (8 MiB for 2 million) it gives about one false "maybe" in 15,000 over the whole load (one in 4,600 by its
 * end); at 0.8 bytes a string (8 MiB for ten million), one in 100 (one in 24 by the end).
 *
 * Blocked: a string's bits all lie in one 64-byte block, so each question costs one cache miss, not one per bit.
 */

const BLOCK_WORDS = 16; // 16 × 32 bits: one 64-byte cache line

export class SeenFilter {
  private readonly words: Uint32Array;
  private readonly blockMask: number;

  /**
   * `bytes`: the filter's size, rounded down to a power of two and to at least one block; 0 (tests) makes a
   * filter that remembers nothing and answers "maybe" to everything.
   */
  constructor(bytes: number) {
    if (bytes <= 0) {
      this.words = new Uint32Array(0);
      this.blockMask = -1;
      return;
    }
    let blocks = 1;
    while (blocks * 2 * BLOCK_WORDS * 4 <= bytes) blocks *= 2;
    this.words = new Uint32Array(blocks * BLOCK_WORDS);
    this.blockMask = blocks - 1;
  }

  /**
   * Adds the pair (`a`, `b`), read as one string with a separator no text holds; returns whether it was
   * certainly new. Two strings rather than one joined: the caller's pair is never copied into a new string.
   */
  add(a: string, b = ""): boolean {
    if (this.blockMask < 0) return false;
    this.hash(a, b);
    const { base, h1, h2 } = this;
    return (
      (this.set(base, h2 & 511) | this.set(base, (h2 >>> 9) & 511) | this.set(base, (h2 >>> 18) & 511) | this.set(base, h1 >>> 23)) !== 0
    );
  }

  /** Whether the pair may have been added (false: certainly not). */
  has(a: string, b = ""): boolean {
    if (this.blockMask < 0) return true;
    this.hash(a, b);
    const { base, h1, h2 } = this;
    return this.get(base, h2 & 511) && this.get(base, (h2 >>> 9) & 511) && this.get(base, (h2 >>> 18) & 511) && this.get(base, h1 >>> 23);
  }

  // The last pair's hashes, in fields rather than a returned object: this runs for every request of a load.
  private base = 0;
  private h1 = 0;
  private h2 = 0;

  /** Two independent 32-bit hashes (FNV-1a and a multiply-xorshift mix) over both strings' UTF-16 units. */
  private hash(a: string, b: string): void {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < a.length; i++) {
      const c = a.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul((h2 ^ c) + 0x7f4a7c15, 0x85ebca6b);
      h2 ^= h2 >>> 15;
    }
    // The separator: a value no UTF-16 unit has, so ("ab", "c") and ("a", "bc") differ.
    h1 = Math.imul(h1 ^ 0x10000, 0x01000193);
    h2 = Math.imul((h2 ^ 0x10000) + 0x7f4a7c15, 0x85ebca6b);
    for (let i = 0; i < b.length; i++) {
      const c = b.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul((h2 ^ c) + 0x7f4a7c15, 0x85ebca6b);
      h2 ^= h2 >>> 15;
    }
    h1 ^= h1 >>> 16;
    h1 = Math.imul(h1, 0x7feb352d);
    h1 ^= h1 >>> 15;
    h2 ^= h2 >>> 13;
    h2 = Math.imul(h2, 0xc2b2ae35);
    h2 ^= h2 >>> 16;
    // The block from the first hash's low bits; the bits' places in its 512 from three 9-bit pieces of the
    // second hash and the first's top 9 bits.
    this.base = (h1 & this.blockMask) * BLOCK_WORDS;
    this.h1 = h1;
    this.h2 = h2;
  }

  /** Sets one bit of the block at `base`; 1 if it was clear. */
  private set(base: number, bit: number): number {
    const word = base + (bit >>> 5);
    const mask = 1 << (bit & 31);
    const was = this.words[word]!;
    this.words[word] = was | mask;
    return (was & mask) === 0 ? 1 : 0;
  }

  private get(base: number, bit: number): boolean {
    return (this.words[base + (bit >>> 5)]! & (1 << (bit & 31))) !== 0;
  }
}
