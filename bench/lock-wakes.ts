/**
 * Whether waiters for the PostgreSQL refresh lock are woken by the holder's write or polled awake by the lock's 1 s
 * re-check: `USERS` holders on one store, and two more stores (two more instances) waiting for each of their locks;
 * the holders' writes are announced as the store announces a write (one `pg_notify` per row on the change-feed
 * channel), then the leases are released. Prints how each waiter's turn ended (`changed`: woken by the write) and how
 * long after the writes, and writes bench/results/lock-wakes.json.
 *
 *   node --import tsx bench/lock-wakes.ts [--users 200]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ManualClock } from '../src/clock.js';
import { openStore } from '../src/storage/index.js';
import { PG_URL, uniqueSchema } from '../test/core/pg.js';
import { printTable, writeResult } from './lib/report.js';
import { log } from './lib/seed.js';

const { values } = parseArgs({ options: { users: { type: 'string', default: '200' } } });
const users = Array.from({ length: Number(values.users) }, (_, i) => `user_${i}`);
const schema = uniqueSchema('bench_lock_wakes');
const clock = new ManualClock(Date.now());
const open = () => openStore(`${PG_URL}?schema=${schema}`, { clock });
const holder = await open();
await holder.migrate();
const waiters = [await open(), await open()];
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
try {
  // Every store's lock session and change feed up before the storm.
  for (const store of [holder, ...waiters]) {
    const turn = await store.acquireOrJoin('warm-up');
    if (turn.kind === 'lease') await turn.lease.release();
  }
  const leases = await Promise.all(users.map((user) => holder.acquireOrJoin(user)));
  const turns = waiters.flatMap((store) =>
    users.map((user) => store.acquireOrJoin(user).then((turn) => ({ turn, at: performance.now() }))),
  );
  // Let every waiter try and fail before the holders write.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const written = performance.now();
  await admin.query('select pg_notify($1, p) from unnest($2::text[]) as t(p)', [
    `tb_connections_${schema}`,
    users.map((u) => JSON.stringify({ u, v: 2 })),
  ]);
  for (const lease of leases) if (lease.kind === 'lease') await lease.lease.release();
  const ended = await Promise.all(turns);
  const byKind: Record<string, number> = {};
  for (const { turn } of ended) byKind[turn.kind] = (byKind[turn.kind] ?? 0) + 1;
  const after = ended.map(({ at }) => at - written).sort((a, b) => a - b);
  const pick = (q: number) => after[Math.min(after.length - 1, Math.floor(after.length * q))] ?? 0;
  const result = {
    holders: users.length,
    waiters: ended.length,
    endedBy: byKind,
    msAfterWrites: { p50: pick(0.5), p99: pick(0.99), max: pick(1) },
  };
  printTable(
    `lock-wakes: ${users.length} refresh-lock holders on one store, ${ended.length} waiters on two others, over PostgreSQL`,
    [
      {
        waiters: ended.length,
        ...Object.fromEntries(Object.entries(byKind).map(([kind, n]) => [`ended ${kind}`, n])),
        'ms after the writes p50': result.msAfterWrites.p50,
        p99: result.msAfterWrites.p99,
        max: result.msAfterWrites.max,
      },
    ],
  );
  log(`wrote ${writeResult('lock-wakes', result)}`);
  for (const { turn } of ended) if (turn.kind === 'lease') await turn.lease.release();
} finally {
  await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
  await Promise.all([holder, ...waiters].map((store) => store.close()));
}
