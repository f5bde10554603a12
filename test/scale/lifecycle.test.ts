import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SANDBOX_BRIDGE_CLIENT } from '../../src/cli/sandbox.js';
import { PG_URL } from '../core/pg.js';
import { until } from '../support/patience.js';
import {
  type CliInstance,
  type ClusterUser,
  type ClusterWorld,
  clerkUser,
  connectGoogle,
  spawnInstance,
  startCluster,
} from './cluster.js';

// Each case spawns or restarts real processes, which a machine busy with other suites makes slow: a failure bound only.
vi.setConfig({ testTimeout: 240_000 });

/**
 * Readiness and shutdown of `tokenbridge start` processes on PostgreSQL. The database is never restarted: a
 * session is cut with `pg_terminate_backend`, and only this file's own sessions (its own role and schema) are cut.
 */
let world: ClusterWorld;
let admin: pg.Client;
let nextAccount = 0;
/** A login role of this file's own, so its connections can be refused without touching anyone else's. */
const role = `tb_lifecycle_${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  world = await startCluster({ accounts: 8, schemaPrefix: 'lifecycle' });
  admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create role "${role}" login`);
  await admin.query(`grant create on database "${new URL(PG_URL).pathname.slice(1)}" to "${role}"`);
  await admin.query(`grant all on schema "${world.schema}" to "${role}"`);
  await admin.query(`grant all on all tables in schema "${world.schema}" to "${role}"`);
  await admin.query(`grant all on all sequences in schema "${world.schema}" to "${role}"`);
}, 240_000);

afterAll(async () => {
  await world?.close();
  await admin?.query(`drop owned by "${role}"`).catch(() => {});
  await admin?.query(`drop role if exists "${role}"`).catch(() => {});
  await admin?.end();
});

async function askToken(instance: CliInstance, user: ClusterUser): Promise<{ status: number; accessToken?: string }> {
  const response = await fetch(`${instance.url}/api/google-token`, {
    headers: { authorization: `Bearer ${user.sessionToken}` },
  });
  const body = (await response.json()) as { accessToken?: string };
  return { status: response.status, ...(body.accessToken ? { accessToken: body.accessToken } : {}) };
}

async function readiness(instance: CliInstance): Promise<{ status: number; checks: Record<string, string> }> {
  const response = await fetch(`${instance.url}/readyz`);
  const body = (await response.json()) as { checks: Record<string, string> };
  return { status: response.status, checks: body.checks };
}

type Readiness = Awaited<ReturnType<typeof readiness>>;

/**
 * Asks `/readyz` until its answer passes `accept`, and returns that answer. Each session's loss is noticed on its
 * own, so the checks may pass through a mixed state on the way.
 */
function untilReadiness(instance: CliInstance, accept: (answer: Readiness) => boolean): Promise<Readiness> {
  return until(() => readiness(instance), accept);
}

/** A connected user whose 60 s token is inside the bridge's refresh window: every request for it needs a refresh. */
async function expiredUser(through: CliInstance): Promise<ClusterUser> {
  world.google.control.setTokenLifetime(SANDBOX_BRIDGE_CLIENT.clientId, 60);
  try {
    const user = await clerkUser(world, nextAccount++);
    await connectGoogle(through.url, user, []);
    return user;
  } finally {
    world.google.control.setTokenLifetime(SANDBOX_BRIDGE_CLIENT.clientId, 3600);
  }
}

const refreshGrants = () => world.google.control.counters().grants.refresh_token;

/** The schema's refresh-lock sessions holding an advisory lock, as pg_locks shows them. */
async function heldLocks(): Promise<number> {
  const { rowCount } = await admin.query(
    `select 1 from pg_locks l join pg_stat_activity a using (pid)
      where l.locktype = 'advisory' and l.granted and a.application_name = $1`,
    [`tokenbridge-refresh-locks/${world.schema}`],
  );
  return rowCount ?? 0;
}

describe('readiness on PostgreSQL', () => {
  it('/readyz answers 503 while the refresh lock and change feed sessions cannot be re-opened, and ready again once they can', async () => {
    const url = new URL(world.databaseUrl);
    url.username = role;
    const instance = await spawnInstance({ ...world.env, DATABASE_URL: url.toString() });
    try {
      const user = await expiredUser(instance);
      await expect(readiness(instance)).resolves.toEqual({
        status: 200,
        checks: { database: 'ok', locks: 'ok', changeFeed: 'ok' },
      });

      // The role may open no new connection, and its two dedicated sessions are cut.
      await admin.query(`alter role "${role}" connection limit 0`);
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where usename = $1 and application_name = any($2)`,
        [role, [`tokenbridge-refresh-locks/${world.schema}`, `tokenbridge-change-feed/${world.schema}`]],
      );
      const down = await untilReadiness(instance, ({ checks }) => checks.locks !== 'ok' && checks.changeFeed !== 'ok');
      expect(down.status).toBe(503);
      expect(down.checks).toMatchObject({ locks: 'unreachable', changeFeed: 'unreachable' });

      // The database takes the role again: the sessions come back without a restart, and refreshes work.
      await admin.query(`alter role "${role}" connection limit -1`);
      await expect(untilReadiness(instance, ({ status }) => status === 200)).resolves.toEqual({
        status: 200,
        checks: { database: 'ok', locks: 'ok', changeFeed: 'ok' },
      });
      const before = refreshGrants();
      await expect(askToken(instance, user)).resolves.toMatchObject({ status: 200 });
      expect(refreshGrants()).toBe(before + 1);
    } finally {
      await admin.query(`alter role "${role}" connection limit -1`);
      await instance.stop();
    }
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM lets a refresh in flight finish and releases its lock: the instance waiting on it answers with the same token', async () => {
    const [stopping, other] = await Promise.all([spawnInstance(world.env), spawnInstance(world.env)]);
    try {
      const user = await expiredUser(other);
      // The stopping instance's refresh is slow at Google, so SIGTERM lands while it holds the lock.
      world.google.control.injectFault({ endpoint: '/token', method: 'POST', hold: true, times: 1 });
      const before = refreshGrants();
      const inFlight = askToken(stopping, user);
      await world.google.control.whenHeld();
      expect(await heldLocks()).toBe(1);
      const waiting = askToken(other, user);

      const stopped = stopping.stop();
      // Google answers only once the stopping instance refuses new connections: SIGTERM has surely landed.
      await until(
        () => refusesConnections(stopping.url),
        (refused) => refused,
      );
      world.google.control.releaseHeld();
      const answered = await inFlight;
      expect(answered).toMatchObject({ status: 200 });
      await stopped;
      expect(stopping.child.exitCode).toBe(0);

      await expect(waiting).resolves.toEqual(answered);
      expect(refreshGrants()).toBe(before + 1);
      expect(await heldLocks()).toBe(0);
    } finally {
      await Promise.allSettled([stopping.stop(), other.stop()]);
    }
  });
});

/** Whether a new TCP connection to `url` is refused (the server has stopped listening). */
function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}
