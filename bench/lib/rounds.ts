/** Alternating measurement rounds over several servers with wrk, and how a result is shown. */
import type { LoadResult } from './load.js';
import type { Row } from './report.js';
import { log } from './seed.js';
import { runWrk, WRK_CONNECTIONS, WRK_THREADS, type WrkResult } from './wrk.js';

export const ROUNDS = 3;
/** Seconds of load per server per round; a 1 s warm-up round runs first. */
export const ROUND_SECONDS = 5;
export const CONCURRENCY = WRK_CONNECTIONS;
export const THREADS = WRK_THREADS;

/** A server to measure: where it is, and the Bearer credentials its simulated users send in turn (none: none). */
export interface Target {
  url: string;
  bearers?: readonly string[];
}

/**
 * Measures each server for {@link ROUND_SECONDS} in {@link ROUNDS} rounds with wrk ({@link THREADS} thread,
 * {@link CONCURRENCY} connections), alternating servers within each round, so a noisy neighbour hurts all alike;
 * one short warm-up round first. Returns every round, and the median round (by throughput) of each server.
 */
export async function measureRounds(
  servers: Record<string, Target>,
  path: string,
): Promise<{ median: Record<string, WrkResult>; rounds: Record<string, WrkResult[]> }> {
  const rounds: Record<string, WrkResult[]> = {};
  const load = (target: Target, seconds: number) =>
    runWrk({ url: target.url, path, seconds, ...(target.bearers ? { bearers: target.bearers } : {}) });
  for (const target of Object.values(servers)) await load(target, 1);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, target] of Object.entries(servers)) {
      const result = await load(target, ROUND_SECONDS);
      rounds[name] = [...(rounds[name] ?? []), result];
      log(`${name} round ${round + 1}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99.toFixed(2)} ms`);
    }
  }
  const median = Object.fromEntries(
    Object.entries(rounds).map(([name, results]) => {
      const sorted = [...results].sort((a, b) => a.rps - b.rps);
      return [name, sorted[Math.floor(sorted.length / 2)]!];
    }),
  );
  return { median, rounds };
}

/** A table row for one server's result. */
export function loadRow(name: string, result: Pick<WrkResult, 'rps' | 'p50' | 'p99' | 'max' | 'errors'>): Row {
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
