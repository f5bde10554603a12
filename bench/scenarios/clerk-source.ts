/**
 * clerk-source: 100 users who signed in with Google through Clerk (the bridge holds no connection of its own for
 * them, so every token comes from Clerk's Backend API), 10,000 `/api/google-token` requests spread over two
 * simulated hours: every clock (the bridge's, Clerk's, Google's) moves a minute between steps. Counts the Backend
 * API calls the Clerk emulator saw, next to the naive one-call-per-request figure and to the number of distinct
 * Google tokens served (one per user per token lifetime).
 */
import { startCluster } from '../../test/scale/cluster.js';
import { runLoad } from '../lib/load.js';
import { BridgeInstance } from '../lib/processes.js';
import { printTable, writeResult, yes } from '../lib/report.js';
import { authorization, log, seedClerkHeldUsers } from '../lib/seed.js';

const USERS = 100;
const REQUESTS = 10_000;
const STEPS = 120;
const STEP_MS = 60_000;

export async function clerkSource(): Promise<void> {
  const world = await startCluster({ accounts: USERS, schemaPrefix: 'bench_clerk' });
  let bridge: BridgeInstance | undefined;
  try {
    bridge = await BridgeInstance.start(world.env);
    const users = await seedClerkHeldUsers(world, USERS);

    const callsBefore = backendCalls(world.clerk.control.counters().calls);
    const refreshesBefore = world.clerk.control.counters().googleRefreshes;
    const tokensByUser = new Map<number, Set<string>>();
    const statuses: Record<number, number> = {};
    let sent = 0;
    let errors = 0;
    for (let step = 0; step < STEPS; step++) {
      const count = Math.round(((step + 1) * REQUESTS) / STEPS) - sent;
      // Users in a fixed, scattered order (Knuth's multiplicative hash), so every run asks the same way.
      const picks = Array.from({ length: count }, (_, i) => (Math.imul(sent + i, 2654435761) >>> 0) % USERS);
      const result = await runLoad({
        url: bridge.url,
        concurrency: 8,
        requests: count,
        request: (i) => ({ path: '/api/google-token', headers: authorization(users[picks[i]!]!) }),
        onResponse: (i, status, body) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status !== 200) return;
          const token = (JSON.parse(body) as { accessToken: string }).accessToken;
          const seen = tokensByUser.get(picks[i]!) ?? new Set<string>();
          seen.add(token);
          tokensByUser.set(picks[i]!, seen);
        },
      });
      errors += result.errors;
      sent += count;
      world.clock.advance(STEP_MS);
      await bridge.advance(STEP_MS);
    }
    const counters = world.clerk.control.counters();
    const calls = backendCalls(counters.calls) - callsBefore;
    log(`Clerk calls by route: ${JSON.stringify(counters.calls)}`);
    const lifetimes = [...tokensByUser.values()].reduce((sum, tokens) => sum + tokens.size, 0);
    const perUserLifetime = calls / lifetimes;
    log(`statuses ${JSON.stringify(statuses)}`);

    printTable(`clerk-source: ${USERS} Clerk-held users, ${REQUESTS} requests over 2 simulated hours`, [
      { measure: 'requests', value: sent, target: '', met: '' },
      { measure: 'errors', value: errors, target: '0', met: yes(errors === 0) },
      { measure: 'Backend API calls, naive (one per request)', value: sent, target: '', met: '' },
      {
        measure: 'Backend API calls, Tokenbridge',
        value: calls,
        target: `≤ ${lifetimes}`,
        met: yes(calls <= lifetimes),
      },
      { measure: 'distinct Google tokens served (user × lifetime)', value: lifetimes, target: '', met: '' },
      {
        measure: 'calls per user per token lifetime',
        value: perUserLifetime,
        target: '≤ 1',
        met: yes(perUserLifetime <= 1),
      },
      { measure: 'calls saved vs naive', value: `${(100 * (1 - calls / sent)).toFixed(2)} %`, target: '', met: '' },
      { measure: 'Google refreshes by Clerk', value: counters.googleRefreshes - refreshesBefore, target: '', met: '' },
    ]);
    writeResult('clerk-source', {
      users: USERS,
      requests: sent,
      simulatedSeconds: (STEPS * STEP_MS) / 1000,
      errors,
      statuses,
      backendApiCalls: calls,
      naiveCalls: sent,
      distinctTokens: lifetimes,
      callsPerUserPerLifetime: perUserLifetime,
      googleRefreshesByClerk: counters.googleRefreshes - refreshesBefore,
      targets: { callsPerUserPerLifetime: 1, met: perUserLifetime <= 1 && errors === 0 },
    });
  } finally {
    await bridge?.stop();
    await world.close();
  }
}

/** Every call the emulator answered (control API excluded); while the load runs only the bridge calls it. */
function backendCalls(calls: Record<string, number>): number {
  return Object.values(calls).reduce((sum, n) => sum + n, 0);
}
