import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CliInstance, type ClusterWorld, clerkUser, spawnInstance, startCluster } from './cluster.js';

// Each case spawns or restarts real processes, which a machine busy with other suites makes slow: a failure bound only.
vi.setConfig({ testTimeout: 240_000 });

/**
 * Three `tokenbridge start` processes on one PostgreSQL schema share their rate-limit buckets, so a limit holds
 * across them, not once per instance. The window is a day, so no bucket refills while the test runs: what passes is
 * counted, never timed.
 */
const PER_USER = 6;
const PER_IP = 4;

let world: ClusterWorld;
let instances: CliInstance[] = [];

beforeAll(async () => {
  world = await startCluster({
    accounts: 2,
    schemaPrefix: 'shared_limits',
    env: {
      TOKENBRIDGE_RATE_LIMIT_PER_USER: String(PER_USER),
      TOKENBRIDGE_RATE_LIMIT_PER_IP: String(PER_IP),
      TOKENBRIDGE_RATE_LIMIT_WINDOW_SECONDS: '86400',
    },
  });
  instances = await Promise.all([0, 1, 2].map(() => spawnInstance(world.env)));
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(instances.map((instance) => instance.stop()));
  await world?.close();
});

async function ask(instance: CliInstance, path: string, token: string) {
  const response = await fetch(`${instance.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { error?: { code: string; scope?: string } };
  return { status: response.status, code: body.error?.code, scope: body.error?.scope };
}

describe('rate limits across instances sharing PostgreSQL', () => {
  it('a user’s limit holds across three instances: the limit passes in all, then every instance answers 429', async () => {
    const ada = await clerkUser(world, 0);
    const answers = [];
    for (let i = 0; i < PER_USER; i++) {
      answers.push((await ask(instances[i % 3]!, '/api/google/connection', ada.sessionToken)).status);
    }
    expect(answers).toEqual(Array(PER_USER).fill(200));
    for (const instance of instances) {
      expect(await ask(instance, '/api/google/connection', ada.sessionToken)).toMatchObject({
        status: 429,
        code: 'rate_limited',
        scope: 'user',
      });
    }
    // Another user keeps a full allowance on every instance.
    const bob = await clerkUser(world, 1);
    for (const instance of instances)
      expect((await ask(instance, '/api/google/connection', bob.sessionToken)).status).toBe(200);
  });

  it('a guesser’s address is limited across the instances too: wrong API keys stop after the per-address limit', async () => {
    const answers = [];
    for (let i = 0; i < PER_IP + 3; i++) {
      answers.push((await ask(instances[i % 3]!, '/api/users/user_x/audit', `wrong-key-${i}-0123456789abcdef`)).status);
    }
    expect(answers).toEqual([...Array(PER_IP).fill(401), 429, 429, 429]);
  });
});
