import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SANDBOX_BRIDGE_CLIENT } from '../../src/cli/sandbox.js';
import { until } from '../support/patience.js';
import {
  type CliInstance,
  type ClusterUser,
  type ClusterWorld,
  clerkUser,
  connectGoogle,
  inBatches,
  spawnInstance,
  startCluster,
  untilLockHeld,
} from './cluster.js';

// Each case spawns or restarts real processes, which a machine busy with other suites makes slow: a failure bound only.
vi.setConfig({ testTimeout: 240_000 });

/**
 * Three `tokenbridge start` processes on one PostgreSQL schema, as replicas behind a load balancer, with the Google
 * and Clerk emulators in this process. Correctness only: no timing is asserted.
 */
let world: ClusterWorld;
let instances: CliInstance[] = [];
let nextAccount = 0;

beforeAll(async () => {
  world = await startCluster({ accounts: 40, schemaPrefix: 'scale' });
  instances = await Promise.all([0, 1, 2].map(() => spawnInstance(world.env)));
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(instances.map((instance) => instance.stop()));
  await world?.close();
});

interface TokenAnswer {
  status: number;
  accessToken?: string;
  code?: string;
}

async function askToken(instance: CliInstance, user: ClusterUser, query = ''): Promise<TokenAnswer> {
  const response = await fetch(`${instance.url}/api/google-token${query}`, {
    headers: { authorization: `Bearer ${user.sessionToken}` },
  });
  const body = (await response.json()) as { accessToken?: string; error?: { code?: string } };
  return {
    status: response.status,
    ...(body.accessToken ? { accessToken: body.accessToken } : {}),
    ...(body.error?.code ? { code: body.error.code } : {}),
  };
}

/**
 * Asks `instance` until its answer satisfies `done`. The change notification travels from PostgreSQL to each
 * instance on its own connection, so the first ask can race it by microseconds; a cache that waited for a TTL
 * (tokens here live an hour) would never flip within the patience bound.
 */
function untilAnswer(
  instance: CliInstance,
  user: ClusterUser,
  done: (answer: TokenAnswer) => boolean,
): Promise<TokenAnswer> {
  return until(() => askToken(instance, user), done);
}

/** New Clerk users whose Google accounts are connected through the instances in turn, with tokens of that lifetime. */
async function connectedUsers(count: number, lifetimeSeconds = 3600, first = 0): Promise<ClusterUser[]> {
  world.google.control.setTokenLifetime(SANDBOX_BRIDGE_CLIENT.clientId, lifetimeSeconds);
  try {
    return await inBatches(
      Array.from({ length: count }, (_, i) => i),
      4,
      async (i) => {
        const user = await clerkUser(world, nextAccount++);
        await connectGoogle(instances[(first + i) % 3]!.url, user, []);
        return user;
      },
    );
  } finally {
    world.google.control.setTokenLifetime(SANDBOX_BRIDGE_CLIENT.clientId, 3600);
  }
}

const refreshGrants = () => world.google.control.counters().grants.refresh_token;

describe('three bridge processes on one PostgreSQL', () => {
  it('concurrent requests for expired tokens over all instances spend exactly one refresh grant per token', async () => {
    // A 60 s token is inside the bridge's 5-minute refresh window: every instance sees it as expired.
    const users = await connectedUsers(12, 60);
    const before = refreshGrants();

    const requests = users.flatMap((user) => Array.from({ length: 25 }, (_, n) => ({ user, instance: n % 3 })));
    const answers = await Promise.all(
      requests.map(async ({ user, instance }) => ({ user, answer: await askToken(instances[instance]!, user) })),
    );

    expect(answers.filter(({ answer }) => answer.status !== 200)).toEqual([]);
    expect(refreshGrants() - before).toBe(users.length);
    for (const user of users) {
      const tokens = new Set(answers.filter((a) => a.user === user).map((a) => a.answer.accessToken));
      expect(tokens.size, `one token for ${user.email} on every instance`).toBe(1);
    }
  });

  it('a disconnect on one instance is seen by the others at once, and so is the reconnect', async () => {
    const [a, b, c] = instances as [CliInstance, CliInstance, CliInstance];
    const [user] = (await connectedUsers(1)) as [ClusterUser];
    const first = await askToken(b, user);
    expect(first.status).toBe(200);
    expect((await askToken(c, user)).accessToken).toBe(first.accessToken);

    const disconnected = await fetch(`${a.url}/api/google/connection`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${user.sessionToken}` },
    });
    expect(disconnected.status).toBe(204);
    for (const other of [b, c]) {
      await expect(untilAnswer(other, user, (x) => x.status !== 200)).resolves.toMatchObject({ code: 'not_connected' });
    }

    await connectGoogle(a.url, user, []);
    const fresh = await askToken(a, user);
    expect(fresh.status).toBe(200);
    expect(fresh.accessToken).not.toBe(first.accessToken);
    for (const other of [b, c]) {
      await expect(untilAnswer(other, user, (x) => x.status === 200)).resolves.toMatchObject({
        accessToken: fresh.accessToken,
      });
    }
  });

  it('a Clerk user.deleted webhook handled by one instance purges the connection on all of them', async () => {
    const [a, b, c] = instances as [CliInstance, CliInstance, CliInstance];
    const [user] = (await connectedUsers(1, 3600, 1)) as [ClusterUser];
    for (const instance of [a, b, c]) expect((await askToken(instance, user)).status).toBe(200);

    world.clerk.control.setWebhookEndpoint({ url: `${a.url}/webhooks/clerk` });
    try {
      world.clerk.control.deleteUser(user.userId);
      await world.clerk.control.webhooksIdle();
      const deliveries = world.clerk.control.webhookDeliveries().filter((d) => d.type === 'user.deleted');
      expect(deliveries.at(-1)?.state).toBe('delivered');
    } finally {
      world.clerk.control.setWebhookEndpoint(undefined);
    }

    // The session token still verifies offline until it expires; the connection behind it is gone everywhere.
    for (const other of [b, c]) {
      await expect(untilAnswer(other, user, (x) => x.status !== 200)).resolves.toMatchObject({ code: 'not_connected' });
    }
  });

  it('a grant found revoked by one instance makes the others answer reconnect_required without asking Google', async () => {
    const [a, b, c] = instances as [CliInstance, CliInstance, CliInstance];
    // 30 minutes left: fine for the default 5-minute margin, too short for a caller wanting 50 minutes.
    const [user] = (await connectedUsers(1, 1800)) as [ClusterUser];
    expect((await askToken(b, user)).status).toBe(200);
    expect((await askToken(c, user)).status).toBe(200);

    world.google.control.revokeGrant({ email: user.email });
    const refused = await askToken(a, user, '?minValiditySeconds=3000');
    expect(refused).toMatchObject({ status: 409, code: 'reconnect_required' });

    const before = refreshGrants();
    for (const other of [b, c]) {
      await expect(untilAnswer(other, user, (x) => x.status !== 200)).resolves.toMatchObject({
        code: 'reconnect_required',
      });
    }
    expect(refreshGrants()).toBe(before);
  });

  it('a lock holder killed with SIGKILL mid-refresh leaves no lock behind: another instance completes the refresh', async () => {
    const [a, b, victim] = instances as [CliInstance, CliInstance, CliInstance];
    const [user] = (await connectedUsers(1, 60)) as [ClusterUser];
    // The victim's refresh call hangs at Google, so it is killed while holding the lock.
    world.google.control.injectFault({ endpoint: '/token', method: 'POST', hold: true, times: 1 });
    const hanging = askToken(victim, user).catch(() => undefined);
    await world.google.control.whenHeld();
    await untilLockHeld(world.schema, user.userId);

    const before = refreshGrants();
    // One instance is already waiting for the lock when the holder dies; another arrives after.
    const waiting = askToken(a, user);
    await victim.kill();
    await hanging;
    const answers = await Promise.all([waiting, askToken(b, user)]);
    expect(answers.map((x) => x.status)).toEqual([200, 200]);
    expect(answers[0]!.accessToken).toBe(answers[1]!.accessToken);
    expect(refreshGrants()).toBe(before + 1);
  });
});
