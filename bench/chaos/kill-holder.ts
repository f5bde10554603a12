/**
 * `kill -9` of one of three instances while it holds a user's refresh lock: its Google call is parked (a `hold` fault
 * on the next `POST /token`), PostgreSQL shows the advisory lock held, another instance is already waiting for it, and
 * then the holder is killed. The lock dies with its session; the waiter must complete the refresh with exactly one
 * grant at Google, serving a token other than the one stored before the kill, and a third request must get that same
 * new token. Traffic of other users (with long-lived tokens, so none of them refreshes and meets the fault) runs
 * throughout and follows the survivors.
 */
import { SANDBOX_BRIDGE_CLIENT } from '../../src/cli/sandbox.js';
import { Keyring } from '../../src/core/keyring.js';
import { openStore } from '../../src/storage/index.js';
import {
  type CliInstance,
  type ClusterUser,
  type ClusterWorld,
  inBatches,
  untilLockHeld,
} from '../../test/scale/cluster.js';
import { askToken, type ChaosContext, phaseRow, type ScenarioResult, trafficFor } from './context.js';

export async function killHolder(context: ChaosContext): Promise<ScenarioResult> {
  const { world } = context;
  const [victimUser, ...others] = context.oauthUsers;
  if (!victimUser) throw new Error('no users');
  // The others get hour-long tokens now, so the traffic never refreshes; the victim's token stays the 60 s one.
  world.google.control.setTokenLifetime(SANDBOX_BRIDGE_CLIENT.clientId, 3600);
  const urls = context.instances.map((instance) => instance.url);
  await inBatches(others, 8, async (user) => askToken(urls[user.index % urls.length]!, user));

  const [a, b, victim] = context.instances as [CliInstance, CliInstance, CliInstance];
  let answers: Array<Awaited<ReturnType<typeof askToken>>> = [];
  let heldBefore: string | undefined;
  let grants = 0;
  let completedSeconds = 0;
  const tally = await trafficFor(context, others, 2_000, async () => {
    // Parked at Google until the victim dies; a caller that went away gets nothing done on its behalf (no grant).
    world.google.control.injectFault({ endpoint: '/token', method: 'POST', hold: true, times: 1 });
    const hanging = askToken(victim.url, victimUser).catch(() => undefined);
    await world.google.control.whenHeld();
    await untilLockHeld(world.schema, victimUser.userId);
    heldBefore = await storedAccessToken(world, victimUser);
    const grantsBefore = world.google.control.counters().grants.refresh_token;
    const waiting = askToken(a.url, victimUser);
    const killed = performance.now();
    await victim.kill();
    context.instances = context.instances.filter((instance) => instance !== victim);
    await hanging;
    answers = [await waiting, await askToken(b.url, victimUser)];
    completedSeconds = (performance.now() - killed) / 1000;
    grants = world.google.control.counters().grants.refresh_token - grantsBefore;
  });
  const completed =
    answers.length === 2 &&
    answers.every((answer) => answer.status === 200) &&
    answers[0]!.accessToken === answers[1]!.accessToken;
  // Without this, the still-valid token stored before the kill, served with no refresh at all, would pass.
  const served = answers[0]?.accessToken;
  const newToken = heldBefore !== undefined && served !== undefined && served !== heldBefore;
  return {
    name: 'kill-holder',
    rows: [
      phaseRow('kill -9 of the lock holder', tally, {
        'waiter answered': answers.map((answer) => answer.status).join(', '),
        'refresh done after kill s': completedSeconds,
        'refresh grants': grants,
      }),
    ],
    tally,
    checks: [
      {
        measure: 'kill -9 of the lock holder: another instance completed the refresh',
        value: completed ? 'yes' : 'NO',
        target: 'yes',
        met: completed,
        gate: true,
      },
      {
        measure: 'kill -9 of the lock holder: refresh grants at Google',
        value: grants,
        target: '1',
        met: grants === 1,
        gate: true,
      },
      {
        measure: 'kill -9 of the lock holder: served a token other than the one stored before the kill',
        value: heldBefore === undefined ? 'no token stored' : newToken ? 'yes' : 'NO',
        target: 'yes',
        met: newToken,
        gate: true,
      },
    ],
    detail: {
      answers: answers.map((answer) => ({ status: answer.status, code: answer.code })),
      grants,
      servedNewToken: newToken,
      completedSeconds,
    },
  };
}

/** The user's access token as the store holds it now, decrypted with the instances' keyring. */
async function storedAccessToken(world: ClusterWorld, user: ClusterUser): Promise<string | undefined> {
  const store = await openStore(world.databaseUrl);
  try {
    const row = await store.getConnection(user.userId);
    if (!row?.accessToken) return undefined;
    return Keyring.parse(world.encryptionKeys).decrypt(row.accessToken, {
      userId: user.userId,
      purpose: 'access_token',
    });
  } finally {
    await store.close();
  }
}
