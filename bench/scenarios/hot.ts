/**
 * hot: `/api/google-token` for 1,000 users with warm tokens, each reusing its session token as a browser does, driven
 * by wrk (1 thread, 32 connections), against baselines in the same run: the ceiling (a bare node:http hello world),
 * the floor (node:http + jose verifying the same Clerk JWT and remembering it until its `exp`, as the bridge does;
 * constant JSON) and the generator's own ceiling (a minimal C responder: what wrk reaches when the server costs nearly
 * nothing). Then the rotated case (bench/lib/rotated.ts): every request with a session token the server has not seen. The bridge runs twice: at the bench's log level
 * (`warn`) and at `info`, where every request writes its log line. Every server gets the same requests, session
 * tokens included. Rounds alternate between the servers so a noisy neighbour hurts all alike; the median round (by
 * throughput) of each is reported, and the ratios are between figures of the same run.
 */
import { startCluster } from '../../test/scale/cluster.js';
import { BridgeInstance, type ChildServer, forkServer, startResponder } from '../lib/processes.js';
import { printTable, writeResult, yes } from '../lib/report.js';
import { measureRotated, ROTATED_CONCURRENCY, ROTATED_REQUESTS } from '../lib/rotated.js';
import { CONCURRENCY, loadRow, measureRounds, ROUND_SECONDS, ROUNDS, type Target, THREADS } from '../lib/rounds.js';
import { seedConnectedUsers, warm } from '../lib/seed.js';
import { ensureWrk, wrkVersion } from '../lib/wrk.js';

const USERS = 1000;
/** The targets against the hello-world ceiling. */
const TARGET_THROUGHPUT = 0.6;
const TARGET_P99 = 2;

export async function hot(): Promise<void> {
  ensureWrk();
  const world = await startCluster({ accounts: USERS, schemaPrefix: 'bench_hot' });
  const servers: ChildServer[] = [];
  const bridges: BridgeInstance[] = [];
  try {
    const bridge = await BridgeInstance.start(world.env);
    bridges.push(bridge);
    const chatty = await BridgeInstance.start({ ...world.env, LOG_LEVEL: 'info' });
    bridges.push(chatty);
    const users = await seedConnectedUsers(world, [bridge.url], USERS);
    await warm([bridge.url, chatty.url], users);
    const floor = await forkServer('baselines/floor.ts', { CLERK_JWT_KEY: world.clerk.jwtKey });
    const ceiling = await forkServer('baselines/ceiling.ts', {});
    servers.push(floor, ceiling);
    const responder = await startResponder();
    if (responder) servers.push(responder);

    const bearers = users.map((user) => user.sessionToken);
    const targets: Record<string, Target> = {
      ...(responder ? { generator: { url: responder.url, bearers, pid: responder.child.pid } } : {}),
      ceiling: { url: ceiling.url, bearers, pid: ceiling.child.pid },
      floor: { url: floor.url, bearers, pid: floor.child.pid },
      tokenbridge: { url: bridge.url, bearers, pid: bridge.server.child.pid },
      tokenbridgeInfo: { url: chatty.url, bearers, pid: chatty.server.child.pid },
    };
    const { median, rounds } = await measureRounds(targets, '/api/google-token');
    const c = median['ceiling']!;
    const tb = median['tokenbridge']!;
    const info = median['tokenbridgeInfo']!;
    const throughputRatio = tb.rps / c.rps;
    const p99Ratio = tb.p99 / c.p99;
    const rows = [
      ...(median['generator']
        ? [loadRow('generator ceiling (wrk → minimal C responder)', median['generator'], rounds['generator'])]
        : []),
      loadRow('ceiling (node:http hello world)', c, rounds['ceiling']),
      loadRow('floor (node:http + jose verify, cached until exp)', median['floor']!, rounds['floor']),
      loadRow('tokenbridge (LOG_LEVEL=warn)', tb, rounds['tokenbridge']),
      loadRow('tokenbridge (LOG_LEVEL=info, a line per request)', info, rounds['tokenbridgeInfo']),
    ];
    printTable(
      `hot: /api/google-token, ${USERS} users with warm tokens, wrk ${THREADS} thread ${CONCURRENCY} connections, ` +
        `median of ${ROUNDS} × ${ROUND_SECONDS} s`,
      rows,
    );
    printTable('hot: ratios (same run)', [
      {
        ratio: 'tokenbridge / ceiling throughput',
        value: throughputRatio,
        target: `≥ ${TARGET_THROUGHPUT.toFixed(2)}`,
        met: yes(throughputRatio >= TARGET_THROUGHPUT),
      },
      {
        ratio: 'tokenbridge / ceiling p99',
        value: p99Ratio,
        target: `≤ ${TARGET_P99.toFixed(2)}`,
        met: yes(p99Ratio <= TARGET_P99),
      },
      {
        ratio: 'tokenbridge / ceiling CPU per request',
        value: tb.cpuMicrosPerRequest / c.cpuMicrosPerRequest,
        target: '',
        met: '',
      },
      { ratio: 'tokenbridge at info / ceiling throughput', value: info.rps / c.rps, target: '', met: '' },
      { ratio: 'tokenbridge at info / ceiling p99', value: info.p99 / c.p99, target: '', met: '' },
      { ratio: 'tokenbridge / floor throughput', value: tb.rps / median['floor']!.rps, target: '', met: '' },
      ...(median['generator']
        ? [
            {
              ratio: 'ceiling / generator ceiling throughput',
              value: c.rps / median['generator'].rps,
              target: '',
              met: '',
            },
          ]
        : []),
    ]);

    const rotated = await measureRotated(
      world,
      users,
      {
        ...(targets['generator'] ? { generator: targets['generator'] } : {}),
        floor: targets['floor']!,
        tokenbridge: targets['tokenbridge']!,
      },
      '/api/google-token',
    );
    const rf = rotated.median['floor']!;
    const rtb = rotated.median['tokenbridge']!;
    printTable(
      `hot, rotated: every request with a 60-s session token the server has not seen (as clerk-js rotates them), ` +
        `Node generator ${ROTATED_CONCURRENCY} connections, median of ${ROUNDS} × ${ROTATED_REQUESTS} requests`,
      [
        ...(rotated.median['generator']
          ? [
              loadRow(
                'generator ceiling (Node generator → minimal C responder)',
                rotated.median['generator'],
                rotated.rounds['generator'],
              ),
            ]
          : []),
        loadRow('floor (node:http + jose verify)', rf, rotated.rounds['floor']),
        loadRow('tokenbridge (LOG_LEVEL=warn)', rtb, rotated.rounds['tokenbridge']),
        {
          server: 'tokenbridge / floor',
          'req/s': (rtb.rps / rf.rps).toFixed(2),
          'CPU µs/req': rtb.cpuMicrosPerRequest / rf.cpuMicrosPerRequest,
        },
      ],
    );
    const stats = await bridge.stats();
    writeResult('hot', {
      load: {
        generator: wrkVersion(),
        threads: THREADS,
        connections: CONCURRENCY,
        secondsPerRound: ROUND_SECONDS,
        rounds: ROUNDS,
        users: USERS,
        generatorCeiling: responder ? 'wrk against bench/baselines/responder.c' : 'none (no C compiler)',
      },
      results: median,
      rounds,
      ratios: {
        throughput: throughputRatio,
        p99: p99Ratio,
        cpuPerRequest: tb.cpuMicrosPerRequest / c.cpuMicrosPerRequest,
        infoCpuPerRequest: info.cpuMicrosPerRequest / c.cpuMicrosPerRequest,
        infoThroughput: info.rps / c.rps,
        infoP99: info.p99 / c.p99,
        floorThroughput: tb.rps / median['floor']!.rps,
        rotatedFloorThroughput: rtb.rps / rf.rps,
        rotatedFloorCpuPerRequest: rtb.cpuMicrosPerRequest / rf.cpuMicrosPerRequest,
      },
      rotated: {
        generator: 'bench/lib/load.ts (Node, closed loop)',
        connections: ROTATED_CONCURRENCY,
        requestsPerRound: ROTATED_REQUESTS,
        sessionTokenSeconds: 60,
        results: rotated.median,
        rounds: rotated.rounds,
      },
      targets: {
        throughput: TARGET_THROUGHPUT,
        p99: TARGET_P99,
        met: throughputRatio >= TARGET_THROUGHPUT && p99Ratio <= TARGET_P99,
      },
      bridgeRssMiB: stats.maxRssBytes / 2 ** 20,
    });
  } finally {
    await Promise.allSettled([...servers.map((s) => s.stop()), ...bridges.map((b) => b.stop())]);
    await world.close();
  }
}
