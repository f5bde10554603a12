/**
 * PostgreSQL restarts (`pg_ctlcluster … restart`: a fast shutdown cuts every connection) while the bridge's users
 * keep asking through every instance. Meanwhile `/readyz` of each instance is sampled next to a probe of PostgreSQL
 * itself. The bridge must come back by itself: every instance ready again and serving tokens, with nobody restarted.
 */
import { askToken, type ChaosContext, liveUrls, noReconnectGate, phaseRow, type ScenarioResult } from './context.js';
import { ReadinessWatch, readinessFigures, restartPostgres } from './postgres.js';
import { Traffic } from './traffic.js';

const BEFORE_MS = 3_000;
const AFTER_MS = 5_000;
const RECOVERY_LIMIT_MS = 60_000;

export async function postgresRestart(context: ChaosContext): Promise<ScenarioResult> {
  const urls = liveUrls(context);
  const watch = new ReadinessWatch(urls);
  const traffic = new Traffic({ targets: urls, users: context.oauthUsers });
  let recovered = false;
  let servingAgainSeconds: number | null = null;
  try {
    await watch.until((sample) => sample.postgres && sample.readyz.every((s) => s === 200), 10_000, 'ready before');
    await new Promise((resolve) => setTimeout(resolve, BEFORE_MS));
    const restarted = performance.now();
    await restartPostgres();
    await watch.until((sample) => sample.postgres, RECOVERY_LIMIT_MS, 'PostgreSQL back');
    await watch.until((sample) => sample.readyz.every((s) => s === 200), RECOVERY_LIMIT_MS, 'every instance ready');
    // Ready is not enough: each instance must serve a token again (pool, lock connection and change feed back).
    await Promise.all(urls().map((url, i) => untilServed(url, context.oauthUsers[i]!, RECOVERY_LIMIT_MS)));
    servingAgainSeconds = (performance.now() - restarted) / 1000;
    recovered = true;
    await new Promise((resolve) => setTimeout(resolve, AFTER_MS));
  } finally {
    await Promise.all([traffic.stop(), watch.stop()]);
  }
  const readiness = readinessFigures(watch.samples);
  const tally = traffic.tally;
  const statuses = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([status, n]) => `${status}×${n}`)
      .join(', ') || 'none';
  return {
    name: 'postgres-restart',
    rows: [
      phaseRow('PostgreSQL restart', tally, {
        'outage s': readiness.outageSeconds,
        '/readyz while down': statuses(readiness.whileDown),
        'all ready after s': readiness.readyAgainSeconds ?? 'never',
        'serving again after restart s': servingAgainSeconds ?? 'never',
      }),
    ],
    tally,
    checks: [
      {
        // The next gate holds vacuously unless some answer was taken while PostgreSQL was down.
        measure: '/readyz answers taken while PostgreSQL was down',
        value: readiness.answersWhileDown,
        target: '≥ 1',
        met: readiness.answersWhileDown >= 1,
        gate: true,
      },
      {
        measure: '/readyz answered 200 while PostgreSQL was down',
        value: readiness.liedReady,
        target: '0',
        met: readiness.liedReady === 0,
        gate: true,
      },
      {
        measure: 'every instance recovered by itself (ready and serving)',
        value: recovered ? 'yes' : 'NO',
        target: 'yes',
        met: recovered,
        gate: true,
      },
      noReconnectGate('PostgreSQL restart', tally),
    ],
    detail: { readiness, servingAgainSeconds, samples: watch.samples.length },
  };
}

/** Asks until the instance serves the user a token, or throws after `ms`. */
async function untilServed(url: string, user: Parameters<typeof askToken>[1], ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    const answer = await askToken(url, user).catch(() => undefined);
    if (answer?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} serves no token ${ms / 1000} s after the restart`);
}
