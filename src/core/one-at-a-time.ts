/**
 * Async work run one at a time per key: work for a key starts once the work before it for the same key has
 * settled (failed or not); work for other keys runs meanwhile. For a server whose actions on one thing (a task)
 * must not interleave at their awaits, as they could not while they blocked.
 */
export class OneAtATime<K> {
  private readonly tails = new Map<K, Promise<unknown>>();

  run<T>(key: K, work: () => Promise<T>): Promise<T> {
    // A tail never rejects (below), so work runs after a failure too.
    const result = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    // The last in line cleans up, so keys done with hold no memory.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
