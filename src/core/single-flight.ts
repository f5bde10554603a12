/**
 * Shares one in-flight promise per key: concurrent callers for the same key get the same result, and the work runs
 * once. The key is forgotten as soon as the work settles, so a later call starts afresh.
 *
 * @example
 * const flights = new SingleFlight<string, Token>();
 * const token = await flights.run(userId, () => refresh(userId));
 */
export class SingleFlight<K, V> {
  readonly #inFlight = new Map<K, Promise<V>>();

  /** Runs `work` unless a run for `key` is already in flight, in which case it joins that run. */
  run(key: K, work: () => Promise<V>): Promise<V> {
    const existing = this.#inFlight.get(key);
    if (existing) return existing;
    // The work starts on a microtask, so the key is registered before it can settle (even by a synchronous throw).
    const promise: Promise<V> = Promise.resolve()
      .then(work)
      .finally(() => {
        if (this.#inFlight.get(key) === promise) this.#inFlight.delete(key);
      });
    this.#inFlight.set(key, promise);
    return promise;
  }

  /** How many keys have work in flight. */
  get size(): number {
    return this.#inFlight.size;
  }

  /** Settles when every run in flight has settled (successfully or not). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#inFlight.values()]);
  }
}
