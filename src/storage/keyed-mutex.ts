/**
 * One holder at a time per key, within this process: waiters queue in arrival order and wake as soon as the holder
 * releases. The refresh lock on SQLite, whose file belongs to one process, and the first queue of PostgreSQL's.
 *
 * @example
 * const release = await mutex.lock('user_1');
 * try { await work(); } finally { release(); }
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  /** Resolves, once every earlier holder of `key` has released, with this holder's release (safe to call twice). */
  async lock(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }

  /** Runs `fn` once every earlier holder of `key` has finished. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.lock(key);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
