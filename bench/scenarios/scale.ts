/**
 * scale: the hot path with 1,000 stored connections against the same with 100,000, and the same again spread over
 * 10,000 distinct users (the default cache size). Each runs in its own bridge process on its own schema, warmed by
 * one pass over its users (which reads each row from PostgreSQL once); rounds alternate between the three so load
 * from elsewhere on the machine hits them alike. Reports p99 against the 1,000-connection case and each process's
 * peak RSS. Then the cold path, which does touch the database: each case again on a freshly started instance, every
 * user's first request (session token never seen, row read from PostgreSQL and decrypted; no Google call).
 *
 * The first 1,000 connections come through the real connect flow (and are copied to the large schema). The other
 * 99,000 are written through the store API (`putConnection`, 24 at a time), with tokens encrypted by the
 * instances' keyring exactly as the bridge does, because 99,000 consent flows would take most of the benchmark's
 * time budget.
 */
import { randomBytes } from 'node:crypto';
import { Keyring } from '../../src/core/keyring.js';
import { riscTokenLookupKeys } from '../../src/core/risc.js';
import { openStore, type StoredConnection } from '../../src/storage/index.js';
import { dropSchema, PG_URL, uniqueSchema } from '../../test/core/pg.js';
import { type ClusterUser, type ClusterWorld, inBatches, PUBLIC_URL, startCluster } from '../../test/scale/cluster.js';
import { cpuMs } from '../lib/cpu.js';
import { percentile, runLoad } from '../lib/load.js';
import { BridgeInstance } from '../lib/processes.js';
import { printTable, writeResult, yes } from '../lib/report.js';
import {
  CONCURRENCY,
  loadRow,
  measureRounds,
  ROUND_SECONDS,
  ROUNDS,
  type RoundResult,
  THREADS,
} from '../lib/rounds.js';
import { authorization, log, seedConnectedUsers, warm } from '../lib/seed.js';
import { ensureWrk, wrkVersion } from '../lib/wrk.js';

const FLOW_USERS = 1000;
const STORED = 100_000;
/** Of the rows written through the store, this many belong to real Clerk users (for the wide case). */
const WIDE_USERS = 10_000;
const RSS_LIMIT_MIB = 250;

export async function scale(): Promise<void> {
  ensureWrk();
  const world = await startCluster({ accounts: FLOW_USERS, schemaPrefix: 'bench_scale' });
  const bigSchema = uniqueSchema('bench_scale_big');
  const bigUrl = `${PG_URL}?schema=${bigSchema}`;
  const bridges: BridgeInstance[] = [];
  try {
    const seeding = await BridgeInstance.start(world.env);
    const users = await seedConnectedUsers(world, [seeding.url], FLOW_USERS).finally(() => seeding.stop());
    const wideUsers = await storeConnections(world, bigUrl, users);

    const cases = {
      [`${FLOW_USERS} connections`]: { databaseUrl: world.databaseUrl, users },
      [`${STORED} connections`]: { databaseUrl: bigUrl, users },
      [`${STORED} connections, ${WIDE_USERS} users`]: { databaseUrl: bigUrl, users: wideUsers },
    };
    const servers: Record<string, { url: string; bearers: string[]; pid: number | undefined; bridge: BridgeInstance }> =
      {};
    for (const [label, { databaseUrl, users: caseUsers }] of Object.entries(cases)) {
      const bridge = await BridgeInstance.start({ ...world.env, DATABASE_URL: databaseUrl });
      bridges.push(bridge);
      await warm([bridge.url], caseUsers);
      servers[label] = {
        url: bridge.url,
        bearers: caseUsers.map((user) => user.sessionToken),
        pid: bridge.server.child.pid,
        bridge,
      };
    }
    const { median: results, rounds } = await measureRounds(servers, '/api/google-token');
    const rss: Record<string, number> = {};
    for (const [label, { bridge }] of Object.entries(servers)) {
      rss[label] = Math.round((await bridge.stats()).maxRssBytes / 2 ** 20);
    }
    // The cold path: a restarted instance (new process, empty caches) meets each user for the first time, so every
    // request verifies a session token it has not seen and reads the user's row from PostgreSQL.
    const cold: ColdCase[] = [];
    for (const [label, { databaseUrl, users: caseUsers }] of Object.entries(cases)) {
      cold.push(await coldPass(`${label}: first request per user after a restart`, world, databaseUrl, caseUsers));
    }
    const coldP99Ratio = cold[1]!.result.p99 / cold[0]!.result.p99;
    const [small, large, wide] = Object.keys(cases).map((label) => ({
      label,
      result: results[label]!,
      rssMiB: rss[label]!,
    })) as [Case, Case, Case];

    const p99Ratio = large.result.p99 / small.result.p99;
    const rssMiB = Math.max(small.rssMiB, large.rssMiB, wide.rssMiB);
    printTable(
      `scale: hot path with ${FLOW_USERS} vs ${STORED} stored connections (wrk ${THREADS} thread, ` +
        `${CONCURRENCY} connections, median of ${ROUNDS} × ${ROUND_SECONDS} s)`,
      [
        ...[small, large, wide].map((c) => ({
          ...loadRow(c.label, c.result, rounds[c.label]),
          'peak RSS MiB': c.rssMiB,
        })),
      ],
    );
    printTable(
      `scale, cold path: each user's first request to a freshly started instance (Node generator, ` +
        `${COLD_CONCURRENCY} connections, every user once)`,
      cold.map((c) => ({
        ...loadRow(c.label, c.result),
        'Google refreshes': c.refreshes,
        'answered 200': c.ok,
      })),
    );
    printTable('scale: targets', [
      {
        measure: `p99 with ${STORED} / with ${FLOW_USERS}`,
        value: p99Ratio,
        target: '≤ 1.20',
        met: yes(p99Ratio <= 1.2),
      },
      {
        measure: `p99 over ${WIDE_USERS} users / with ${FLOW_USERS}`,
        value: wide.result.p99 / small.result.p99,
        target: '',
        met: '',
      },
      {
        measure: `cold p99 with ${STORED} / with ${FLOW_USERS} (same ${FLOW_USERS} users)`,
        value: coldP99Ratio,
        target: '',
        met: '',
      },
      { measure: 'peak RSS MiB', value: rssMiB, target: `≤ ${RSS_LIMIT_MIB}`, met: yes(rssMiB <= RSS_LIMIT_MIB) },
    ]);
    writeResult('scale', {
      load: {
        generator: wrkVersion(),
        threads: THREADS,
        connections: CONCURRENCY,
        secondsPerRound: ROUND_SECONDS,
        rounds: ROUNDS,
      },
      storedConnections: STORED,
      cases: [small, large, wide].map((c) => ({ label: c.label, rssMiB: c.rssMiB, load: c.result })),
      rounds,
      cold: cold.map(({ label, result, refreshes, ok }) => ({ label, refreshes, ok, load: result })),
      ratios: { p99: p99Ratio, wideP99: wide.result.p99 / small.result.p99, coldP99: coldP99Ratio },
      targets: { p99Ratio: 1.2, rssMiB: RSS_LIMIT_MIB, met: p99Ratio <= 1.2 && rssMiB <= RSS_LIMIT_MIB },
    });
  } finally {
    await Promise.allSettled(bridges.map((bridge) => bridge.stop()));
    await world.close();
    await dropSchema(bigSchema);
  }
}

const COLD_CONCURRENCY = 32;

interface ColdCase {
  label: string;
  result: RoundResult;
  refreshes: number;
  ok: number;
}

/** Starts a new instance on `databaseUrl` and sends each of `users` one request, `COLD_CONCURRENCY` at a time. */
async function coldPass(
  label: string,
  world: ClusterWorld,
  databaseUrl: string,
  users: readonly ClusterUser[],
): Promise<ColdCase> {
  const bridge = await BridgeInstance.start({ ...world.env, DATABASE_URL: databaseUrl });
  try {
    const pid = bridge.server.child.pid;
    const cpuBefore = cpuMs(pid);
    const { latencies, statuses, ...measured } = await runLoad({
      url: bridge.url,
      concurrency: COLD_CONCURRENCY,
      requests: users.length,
      request: (i) => ({ path: '/api/google-token', headers: authorization(users[i]!) }),
    });
    const cpu = cpuMs(pid) - cpuBefore;
    const { refreshes } = await bridge.stats();
    log(`${label}: ${measured.rps.toFixed(0)} req/s, p99 ${measured.p99.toFixed(1)} ms, ${refreshes} refreshes`);
    return {
      label,
      result: { ...measured, p90: percentile(latencies, 0.9), cpuMicrosPerRequest: (cpu * 1000) / users.length },
      refreshes,
      ok: statuses[200] ?? 0,
    };
  } finally {
    await bridge.stop();
  }
}

interface Case {
  label: string;
  result: RoundResult;
  rssMiB: number;
}

/**
 * Fills the large schema: the flow users' rows copied, then new ones until it holds {@link STORED}; the first
 * {@link WIDE_USERS} minus the flow users belong to new Clerk users with session tokens. Returns all those users.
 */
async function storeConnections(
  world: ClusterWorld,
  databaseUrl: string,
  flowUsers: readonly ClusterUser[],
): Promise<ClusterUser[]> {
  const started = performance.now();
  const keyring = Keyring.parse(world.encryptionKeys);
  const source = await openStore(world.databaseUrl);
  const store = await openStore(databaseUrl, { poolSize: 24 });
  try {
    await store.migrate();
    const flowRows = await inBatches(flowUsers, 8, async (user) => {
      const row = await source.getConnection(user.userId);
      if (!row) throw new Error(`${user.email} has no connection`);
      return store.putConnection(row);
    });
    const template = flowRows[0]!;
    const extra = STORED - (await store.countConnections());
    const wideExtra = WIDE_USERS - flowUsers.length;
    const clerkUsers = await inBatches(
      Array.from({ length: wideExtra }, (_, i) => i),
      8,
      async (i): Promise<ClusterUser> => {
        const email = `wide${i}@scale.example`;
        const user = world.clerk.control.createUser({ email });
        const session = world.clerk.control.createSession(user.id);
        const sessionToken = await world.clerk.control.sessionToken(session.id, {
          azp: PUBLIC_URL,
          expiresInSeconds: 6 * 3600,
        });
        return { index: FLOW_USERS + i, userId: user.id, email, sessionToken };
      },
    );
    log(`minted ${wideExtra} Clerk users and session tokens in ${secondsSince(started)} s`);
    const now = Date.now();
    await inBatches(
      Array.from({ length: extra }, (_, i) => i),
      24,
      async (i) => {
        const userId = clerkUsers[i]?.userId ?? `user_stored_${i}`;
        const refreshToken = `1//bench-${randomBytes(24).toString('base64url')}`;
        const connection: StoredConnection = {
          ...template,
          userId,
          googleSub: String(200_000_000_000_000_000_000n + BigInt(i)),
          googleEmail: `stored${i}@scale.example`,
          refreshToken: keyring.encrypt(refreshToken, { userId, purpose: 'refresh_token' }),
          accessToken: keyring.encrypt(`ya29.bench-${randomBytes(32).toString('base64url')}`, {
            userId,
            purpose: 'access_token',
          }),
          accessTokenExpiresAt: now + 3600_000,
          lastRefreshAt: now,
          riscKeys: riscTokenLookupKeys(refreshToken),
          version: 0,
          createdAt: now,
          updatedAt: now,
          connectedAt: now,
        };
        await store.putConnection(connection);
      },
    );
    log(`stored ${extra} more connections (${await store.countConnections()} in all) in ${secondsSince(started)} s`);
    return [...flowUsers, ...clerkUsers];
  } finally {
    await Promise.all([source.close(), store.close()]);
  }
}

const secondsSince = (started: number): string => ((performance.now() - started) / 1000).toFixed(1);
