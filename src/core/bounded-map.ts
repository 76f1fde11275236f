/**
 * A Map that forgets its oldest entries past a size, for what a long-running process keeps per session or per
 * day: without a bound, a gateway that runs for weeks would keep every session it ever saw. "Oldest" is the
 * order of insertion; `touch` moves an entry to the newest end, for a map that should forget the least recently
 * used instead.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.max) this.delete(this.keys().next().value as K);
    return this;
  }

  /** Sets `key` as the newest entry. */
  touch(key: K, value: V): this {
    this.delete(key);
    return this.set(key, value);
  }
}
