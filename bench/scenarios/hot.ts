/**
 * hot: `/api/google-token` for 1,000 users with warm tokens, each reusing its session token as a browser does,
 * against two baselines in the same run: the floor (node:http + jose verifying the same Clerk JWT, constant JSON)
 * and the ceiling (node:http hello world). Rounds alternate between the three servers so a noisy neighbour hurts
 * all of them alike; the median round (by throughput) of each is reported.
 */
import { startCluster } from '../../test/scale/cluster.js';
import type { LoadResult } from '../lib/load.js';
import { BridgeInstance, type ChildServer, forkServer } from '../lib/processes.js';
import { printTable, writeResult, yes } from '../lib/report.js';
import { CONCURRENCY, loadRow, measureRounds, REQUESTS, ROUNDS, summary } from '../lib/rounds.js';
import { seedConnectedUsers, warm } from '../lib/seed.js';

const USERS = 1000;

export async function hot(): Promise<void> {
  const world = await startCluster({ accounts: USERS, schemaPrefix: 'bench_hot' });
  const servers: ChildServer[] = [];
  let bridge: BridgeInstance | undefined;
  try {
    bridge = await BridgeInstance.start(world.env);
    const users = await seedConnectedUsers(world, [bridge.url], USERS);
    await warm([bridge.url], users);
    const floor = await forkServer('baselines/floor.ts', { CLERK_JWT_KEY: world.clerk.jwtKey });
    const ceiling = await forkServer('baselines/ceiling.ts', {});
    servers.push(floor, ceiling);

    const results = await measureRounds(
      {
        ceiling: { url: ceiling.url, users },
        floor: { url: floor.url, users },
        tokenbridge: { url: bridge.url, users },
      },
      '/api/google-token',
    );
    const { tokenbridge, floor: f, ceiling: c } = results as Record<'tokenbridge' | 'floor' | 'ceiling', LoadResult>;
    const throughputRatio = tokenbridge.rps / f.rps;
    const p99Ratio = tokenbridge.p99 / f.p99;
    const rows = [
      loadRow('ceiling (hello world)', c),
      loadRow('floor (jose verify)', f),
      loadRow('tokenbridge', tokenbridge),
    ];
    printTable(`hot: /api/google-token, ${USERS} users with warm tokens, ${CONCURRENCY} connections`, rows);
    printTable('hot: ratios', [
      {
        ratio: 'tokenbridge / floor throughput',
        value: throughputRatio,
        target: '≥ 0.80',
        met: yes(throughputRatio >= 0.8),
      },
      { ratio: 'tokenbridge / floor p99', value: p99Ratio, target: '≤ 2.00', met: yes(p99Ratio <= 2) },
      { ratio: 'tokenbridge / ceiling throughput', value: tokenbridge.rps / c.rps, target: '', met: '' },
    ]);
    const stats = await bridge.stats();
    writeResult('hot', {
      users: USERS,
      concurrency: CONCURRENCY,
      requestsPerRound: REQUESTS,
      rounds: ROUNDS,
      results: Object.fromEntries(Object.entries(results).map(([name, r]) => [name, summary(r)])),
      ratios: { throughput: throughputRatio, p99: p99Ratio, ceilingThroughput: tokenbridge.rps / c.rps },
      targets: { throughput: 0.8, p99: 2, met: throughputRatio >= 0.8 && p99Ratio <= 2 },
      bridgeRssMiB: stats.maxRssBytes / 2 ** 20,
    });
  } finally {
    await Promise.allSettled([...servers.map((s) => s.stop()), bridge?.stop()]);
    await world.close();
  }
}
