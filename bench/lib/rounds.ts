/** Alternating measurement rounds over several servers, and how a result is shown. */
import type { ClusterUser } from '../../test/scale/cluster.js';
import { type LoadResult, runLoad } from './load.js';
import type { Row } from './report.js';
import { authorization, log } from './seed.js';

export const ROUNDS = 3;
export const REQUESTS = 20_000;
export const CONCURRENCY = 32;

/**
 * Measures each server in `ROUNDS` rounds, alternating, so a noisy neighbour hurts all alike; a short warm-up round
 * first. Returns the median round (by throughput) of each.
 */
export async function measureRounds(
  servers: Record<string, { url: string; users: readonly ClusterUser[] }>,
  path: string,
): Promise<Record<string, LoadResult>> {
  const rounds: Record<string, LoadResult[]> = {};
  const load = ({ url, users }: { url: string; users: readonly ClusterUser[] }, requests: number) =>
    runLoad({
      url,
      concurrency: CONCURRENCY,
      requests,
      request: (i) => ({ path, headers: authorization(users[i % users.length]!) }),
    });
  for (const server of Object.values(servers)) await load(server, 3000);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, server] of Object.entries(servers)) {
      const result = await load(server, REQUESTS);
      rounds[name] = [...(rounds[name] ?? []), result];
      log(`${name} round ${round + 1}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99.toFixed(2)} ms`);
    }
  }
  return Object.fromEntries(
    Object.entries(rounds).map(([name, results]) => {
      const sorted = [...results].sort((a, b) => a.rps - b.rps);
      return [name, sorted[Math.floor(sorted.length / 2)]!];
    }),
  );
}

/** A table row for one server's result. */
export function loadRow(name: string, result: LoadResult): Row {
  return {
    server: name,
    'req/s': Math.round(result.rps),
    'p50 ms': result.p50,
    'p99 ms': result.p99,
    'max ms': result.max,
    errors: result.errors,
  };
}

/** A result without its raw latencies. */
export function summary(result: LoadResult): Omit<LoadResult, 'latencies'> {
  const { latencies: _, ...rest } = result;
  return rest;
}
