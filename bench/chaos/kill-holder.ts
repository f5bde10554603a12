/**
 * `kill -9` of one of three instances while it holds a user's refresh lock: its Google call is made to hang (a
 * latency fault on the next `POST /token`), PostgreSQL shows the advisory lock held, another instance is already
 * waiting for it, and then the holder is killed. The lock dies with its session; the waiter must complete the
 * refresh, and a third request must get the same token. Traffic of other users (with long-lived tokens, so none of
 * them refreshes and takes the hanging fault) runs throughout and follows the survivors.
 */
import { SANDBOX_BRIDGE_CLIENT } from '../../src/cli/sandbox.js';
import { type CliInstance, inBatches, untilLockHeld } from '../../test/scale/cluster.js';
import { askToken, type ChaosContext, phaseRow, type ScenarioResult, trafficFor } from './context.js';

const HANG_MS = 20_000;

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
  let grants = 0;
  let completedSeconds = 0;
  const tally = await trafficFor(context, others, 2_000, async () => {
    world.google.control.injectFault({ endpoint: '/token', method: 'POST', latencyMs: HANG_MS, times: 1 });
    const hanging = askToken(victim.url, victimUser).catch(() => undefined);
    await untilLockHeld(world.schema, victimUser.userId);
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
    ],
    detail: {
      answers: answers.map((answer) => ({ status: answer.status, code: answer.code })),
      grants,
      completedSeconds,
    },
  };
}
