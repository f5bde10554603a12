import { createHash } from 'node:crypto';
import pg from 'pg';
import { type LockTurn, type RefreshLock, StorageUnavailableError } from '../core/ports.js';
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
 * users can refresh at once. A waiter sleeps until the change feed reports the holder's write, and is then told
 * `changed`: the caller re-reads the row and, when the holder's work is what it wanted, is done without ever holding
 * the lock. Waiters are never polled awake; only a holder that vanished without a word makes them try again after
 * {@link RECHECK_MS}. The lock lives in the holder's session: if its process dies, PostgreSQL drops the lock with the
 * connection, and a waiter takes it at its next try.
 */
export class PostgresRefreshLocks implements RefreshLock {
  readonly #local = new KeyedMutex();
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client> | null = null;
  #closed = false;
  readonly #tries = new Batch<string, { client: pg.Client; acquired: boolean }>((keys) => this.#sendTries(keys));
  readonly #unlocks = new Batch<{ key: string; userId: string }, undefined>((items) => this.#sendUnlocks(items));

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly namespace: string,
    private readonly feed: ChangeFeed,
    /** The change feed's channel: releasing a lock is announced there, waking waiters at once. */
    private readonly channel: string,
  ) {}

  async acquireOrJoin(userId: string): Promise<LockTurn> {
    const key = advisoryKey(`${this.namespace}:refresh:${userId}`);
    // Advisory locks are re-entrant within a session, so callers in this process queue here first.
    const releaseLocal = await this.#local.lock(userId);
    // A deadline on time spent waiting: monotonic, so a wall-clock jump (or a frozen test clock) cannot move it.
    const started = performance.now();
    try {
      for (;;) {
        // Subscribe before trying, so the holder's write cannot slip between a failed try and the wait.
        const next = this.#nextChange(userId);
        let tried: { client: pg.Client; acquired: boolean };
        try {
          tried = await this.#tries.add(key);
        } catch (error) {
          next.cancel();
          throw new StorageUnavailableError(error);
        }
        if (tried.acquired) {
          next.cancel();
          let released = false;
          const release = async () => {
            if (released) return;
            released = true;
            try {
              await this.#unlocks.add({ key, userId });
            } catch {
              // The session is gone, and the lock with it.
            } finally {
              releaseLocal();
            }
          };
          return { kind: 'lease', lease: { release } };
        }
        if (performance.now() - started > GIVE_UP_MS) {
          next.cancel();
          throw new StorageUnavailableError(new Error('refresh lock wait timed out'));
        }
        if ((await next.promise) === 'changed') {
          releaseLocal();
          return { kind: 'changed' };
        }
      }
    } catch (error) {
      releaseLocal();
      throw error;
    }
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

  /**
   * Resolves `changed` on the next write to the user's row (or a feed interruption: anything may have changed), and
   * `retry` when the lock was released without a write, or after {@link RECHECK_MS} (only a crashed holder makes a
   * waiter wait that long).
   */
  #nextChange(userId: string): { promise: Promise<'changed' | 'retry'>; cancel(): void } {
    let timer: NodeJS.Timeout | undefined;
    let watch: { close(): void } | undefined;
    let settle!: (wake: 'changed' | 'retry') => void;
    const promise = new Promise<'changed' | 'retry'>((resolve) => {
      settle = resolve;
    });
    const done = (wake: 'changed' | 'retry') => {
      clearTimeout(timer);
      watch?.close();
      settle(wake);
    };
    watch = this.feed.watch((change) => {
      if (change.userId === null) done('changed');
      else if (change.userId === userId) done(change.version === FREED ? 'retry' : 'changed');
    });
    timer = setTimeout(() => done('retry'), RECHECK_MS);
    timer.unref?.();
    return { promise, cancel: () => done('retry') };
  }

  /**
   * `pg_try_advisory_lock` for a batch of keys: tries asked for while a batch is on the wire go out together in the
   * next one. In a storm hundreds of users want a lock at once, and one session answering them one round trip (and
   * one busy event-loop turn) each made the last wait for all the others. Keys in a batch are distinct: the in-process
   * mutex lets one try per user at a time (a repeated key would lock twice, and one unlock would not free it).
   */
  async #sendTries(keys: string[]): Promise<{ client: pg.Client; acquired: boolean }[]> {
    const client = await this.#connect();
    const { rows } = await client.query<{ ok: boolean }>(
      'select pg_try_advisory_lock(k) as ok from unnest($1::bigint[]) with ordinality as t(k, i) order by i',
      [keys],
    );
    return keys.map((_, i) => ({ client, acquired: rows[i]?.ok === true }));
  }

  /**
   * Unlocks a batch of keys and announces each release with version -1 ("the lock is free", which no cache mistakes
   * for a newer row), waking waiters whose holder wrote nothing: one round trip for every holder done meanwhile.
   */
  async #sendUnlocks(items: { key: string; userId: string }[]): Promise<undefined[]> {
    const client = await this.#connect();
    await client.query(
      'select pg_advisory_unlock(k), pg_notify($3, p) from unnest($1::bigint[], $2::text[]) as t(k, p)',
      [items.map((t) => t.key), items.map((t) => JSON.stringify({ u: t.userId, v: FREED })), this.channel],
    );
    return items.map(() => undefined);
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

/**
 * Requests made while a batch is on the wire go out together in the next one, in order; each caller gets its own
 * answer (or the batch's failure).
 */
class Batch<In, Out> {
  #queue: { input: In; resolve(out: Out): void; reject(error: unknown): void }[] = [];
  #sending = false;

  constructor(private readonly send: (inputs: In[]) => Promise<Out[]>) {}

  add(input: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      if (!this.#sending) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        try {
          const outs = await this.send(batch.map((b) => b.input));
          batch.forEach((b, i) => {
            b.resolve(outs[i] as Out);
          });
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.#sending = false;
    }
  }
}
