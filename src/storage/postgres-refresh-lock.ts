import { createHash } from 'node:crypto';
import pg from 'pg';
import { StorageUnavailableError } from '../core/errors.js';
import type { ChangeFeed } from './change-feed.js';
import { KeyedMutex } from './keyed-mutex.js';

/** How long a waiter waits for the holder's write before trying the lock again (only a crashed holder makes it wait). */
const RECHECK_MS = 1_000;
/** How long a waiter waits in all: above the holder's worst case (3 attempts of 10 s plus 8 s of backoff). */
const GIVE_UP_MS = 45_000;
/** The version announced when a lock is released: below every row version, so no cache mistakes it for a newer row. */
const FREED = -1;

/**
 * The cross-instance refresh lock on PostgreSQL: session-level advisory locks taken with `pg_try_advisory_lock` on one
 * dedicated connection per process, so a holder keeps no pooled connection busy during its HTTP call, and hundreds of
 * users can refresh at once. A waiter sleeps until the change feed reports the holder's write; it then re-reads the row
 * without the lock (`settled`) and, when the holder's work is what it wanted, is done without ever holding the lock:
 * one query after the write instead of a lock, a read, an unlock and a notify per waiting instance in turn. The lock
 * lives in the holder's session: if its process dies, PostgreSQL drops the lock with the connection, and a waiter
 * takes it at its next check.
 */
export class PostgresRefreshLocks {
  readonly #local = new KeyedMutex();
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client> | null = null;
  #closed = false;
  #tries: {
    key: string;
    resolve(tried: { client: pg.Client; acquired: boolean }): void;
    reject(error: unknown): void;
  }[] = [];
  #trying = false;

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly namespace: string,
    private readonly feed: ChangeFeed,
    /** The change feed's channel: releasing a lock is announced there, waking waiters at once. */
    private readonly channel: string,
  ) {}

  /**
   * Runs `fn` while holding the lock for `userId`, across every process sharing the database. While waiting, each
   * write to the user's row by another holder calls `settled` (without the lock); a value it returns is the answer,
   * and `fn` does not run.
   */
  run<T>(userId: string, fn: () => Promise<T>, settled?: () => Promise<T | undefined>): Promise<T> {
    // Advisory locks are re-entrant within a session, so callers in this process queue here first.
    return this.#local.run(userId, () => this.#acquireAndRun(userId, fn, settled));
  }

  /** Resolves when the lock's session answers, re-opening it if it had dropped; rejects when it cannot. */
  async probe(): Promise<void> {
    const client = await this.#connect();
    await client.query('select 1');
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  async #acquireAndRun<T>(
    userId: string,
    fn: () => Promise<T>,
    settled: (() => Promise<T | undefined>) | undefined,
  ): Promise<T> {
    const key = advisoryKey(`${this.namespace}:refresh:${userId}`);
    // A deadline on time spent waiting: monotonic, so a wall-clock jump (or a frozen test clock) cannot move it.
    const started = performance.now();
    for (;;) {
      // Subscribe before trying, so the holder's write cannot slip between a failed try and the wait.
      const changed = this.#nextChange(userId);
      let client: pg.Client;
      let acquired: boolean;
      try {
        ({ client, acquired } = await this.#tryLock(key));
      } catch (error) {
        changed.cancel();
        throw new StorageUnavailableError(error);
      }
      if (acquired) {
        changed.cancel();
        try {
          return await fn();
        } finally {
          // One round trip: unlock, and announce it with version -1 ("the lock is free", which no cache mistakes for
          // a newer row), waking waiters whose holder wrote nothing.
          await client
            .query('select pg_advisory_unlock($1::bigint), pg_notify($2, $3)', [
              key,
              this.channel,
              JSON.stringify({ u: userId, v: FREED }),
            ])
            .catch(() => {});
        }
      }
      if (performance.now() - started > GIVE_UP_MS) {
        changed.cancel();
        throw new StorageUnavailableError(new Error('refresh lock wait timed out'));
      }
      await changed.promise;
      // The holder's committed write (or its release after one) may be all this waiter wanted: one read, no lock.
      if (settled) {
        const answer = await settled();
        if (answer !== undefined) return answer;
      }
    }
  }

  /**
   * Resolves on the next change to the user's row (a write, or the lock's release), a feed interruption, or after
   * {@link RECHECK_MS} (only a crashed holder makes a waiter wait that long).
   */
  #nextChange(userId: string): { promise: Promise<void>; cancel(): void } {
    let timer: NodeJS.Timeout | undefined;
    let watch: { close(): void } | undefined;
    let settle!: () => void;
    const promise = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const done = () => {
      clearTimeout(timer);
      watch?.close();
      settle();
    };
    watch = this.feed.watch((change) => {
      if (change.userId === userId || change.userId === null) done();
    });
    timer = setTimeout(done, RECHECK_MS);
    timer.unref?.();
    return { promise, cancel: done };
  }

  /**
   * `pg_try_advisory_lock` for one key, batched: tries asked for while a batch is on the wire go out together in the
   * next one. In a storm hundreds of users want a lock at once, and one session answering them one round trip (and
   * one busy event-loop turn) each made the last wait for all the others. Keys in a batch are distinct: the in-process
   * mutex lets one try per user at a time (a repeated key would lock twice, and one unlock would not free it).
   */
  #tryLock(key: string): Promise<{ client: pg.Client; acquired: boolean }> {
    return new Promise((resolve, reject) => {
      this.#tries.push({ key, resolve, reject });
      if (this.#tries.length === 1 && !this.#trying) void this.#sendTries();
    });
  }

  async #sendTries(): Promise<void> {
    this.#trying = true;
    try {
      while (this.#tries.length > 0) {
        const batch = this.#tries.splice(0);
        try {
          const client = await this.#connect();
          const { rows } = await client.query<{ ok: boolean }>(
            'select pg_try_advisory_lock(k) as ok from unnest($1::bigint[]) with ordinality as t(k, i) order by i',
            [batch.map((t) => t.key)],
          );
          batch.forEach((t, i) => {
            t.resolve({ client, acquired: rows[i]?.ok === true });
          });
        } catch (error) {
          for (const t of batch) t.reject(error);
        }
      }
    } finally {
      this.#trying = false;
    }
  }

  #connect(): Promise<pg.Client> {
    if (this.#closed) return Promise.reject(new Error('closed'));
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= (async () => {
      const client = new pg.Client(this.clientConfig);
      const forget = () => {
        // Locks held by this session are gone with it; holders finish their work, waiters re-try.
        if (this.#client === client) this.#client = null;
        client.end().catch(() => {});
      };
      client.on('error', forget);
      client.on('end', forget);
      try {
        await client.connect();
      } catch (error) {
        forget();
        throw error;
      }
      this.#client = client;
      return client;
    })().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }
}

/** A stable signed 64-bit advisory-lock key for a name, as a decimal string. */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}
