import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../../src/core/errors.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { dropSchema, PG_URL, uniqueSchema } from './pg.js';

/**
 * What a PostgreSQL restart does to the bridge's pooled sessions, without restarting the shared server: the test's
 * own pool sessions (named `tokenbridge/<schema>`) are terminated while queries run on them.
 */
let store: Store | undefined;
let schema: string | undefined;
afterEach(async () => {
  await store?.close();
  if (schema) await dropSchema(schema);
  store = undefined;
  schema = undefined;
});

/** Ends every pooled session of the schema's store, as a PostgreSQL restart does; returns how many there were. */
async function terminatePoolSessions(name: string): Promise<number> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    const { rowCount } = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
      [`tokenbridge/${name}`],
    );
    return rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

describe('pooled PostgreSQL sessions that die under load', () => {
  it('sessions terminated mid-query fail those queries as storage_unavailable, and the store answers again', async () => {
    schema = uniqueSchema('pool_loss');
    const opened = await openStore(`${PG_URL}?schema=${schema}`, { poolSize: 4 });
    store = opened;
    await opened.migrate();

    let done = 0;
    let waiting: { at: number; resolve: () => void } | undefined;
    const failures: unknown[] = [];
    let stopped = false;
    const worker = async () => {
      while (!stopped) {
        await opened.getConnection('user_nobody').catch((error: unknown) => failures.push(error));
        done++;
        if (waiting && done >= waiting.at) waiting.resolve();
      }
    };
    /** Resolves once the workers have finished `n` more reads (so every pooled session is busy again). */
    const progress = (n: number) =>
      new Promise<void>((resolve) => {
        waiting = { at: done + n, resolve };
      });

    const workers = Array.from({ length: 8 }, worker);
    let terminated = 0;
    for (let round = 0; round < 5; round++) {
      await progress(40);
      terminated += await terminatePoolSessions(schema);
    }
    await progress(40);
    stopped = true;
    await Promise.all(workers);

    expect(terminated).toBeGreaterThan(0);
    expect(failures.filter((error) => !(error instanceof StorageUnavailableError))).toEqual([]);
    await expect(opened.ping()).resolves.toBeUndefined();
    await expect(opened.getConnection('user_nobody')).resolves.toBeNull();
  });
});
