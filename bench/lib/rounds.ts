/** Alternating measurement rounds over several servers with wrk, and how a result is shown. */
import { cpuMs } from './cpu.js';
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
  /** The server's process, whose CPU time per request is reported (robust to a busy machine, unlike req/s). */
  pid?: number | undefined;
}

/** A round's figures, with the CPU time the server spent per request (µs; 0 when its process is unknown). */
export type RoundResult = WrkResult & { cpuMicrosPerRequest: number };

/**
 * Measures each server for {@link ROUND_SECONDS} in {@link ROUNDS} rounds with wrk ({@link THREADS} thread,
 * {@link CONCURRENCY} connections), alternating servers within each round, so a noisy neighbour hurts all alike;
 * one short warm-up round first. Returns every round, and the median round (by throughput) of each server.
 */
export async function measureRounds(
  servers: Record<string, Target>,
  path: string,
): Promise<{ median: Record<string, RoundResult>; rounds: Record<string, RoundResult[]> }> {
  const rounds: Record<string, RoundResult[]> = {};
  const load = (target: Target, seconds: number) =>
    runWrk({ url: target.url, path, seconds, ...(target.bearers ? { bearers: target.bearers } : {}) });
  for (const target of Object.values(servers)) await load(target, 1);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, target] of Object.entries(servers)) {
      const cpuBefore = cpuMs(target.pid);
      const measured = await load(target, ROUND_SECONDS);
      const cpu = cpuMs(target.pid) - cpuBefore;
      const result = { ...measured, cpuMicrosPerRequest: measured.requests > 0 ? (cpu * 1000) / measured.requests : 0 };
      rounds[name] = [...(rounds[name] ?? []), result];
      log(
        `${name} round ${round + 1}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99.toFixed(2)} ms, ` +
          `${result.cpuMicrosPerRequest.toFixed(0)} µs CPU per request`,
      );
    }
  }
  return { median: medianRounds(rounds), rounds };
}

/** Each server's median round by throughput. */
export function medianRounds(rounds: Record<string, RoundResult[]>): Record<string, RoundResult> {
  return Object.fromEntries(
    Object.entries(rounds).map(([name, results]) => {
      const sorted = [...results].sort((a, b) => a.rps - b.rps);
      return [name, sorted[Math.floor(sorted.length / 2)]!];
    }),
  );
}

/** The lowest and highest throughput over a server's rounds, e.g. "9,420–11,870": the spread behind a median. */
export function spread(results: readonly RoundResult[]): string {
  const rps = results.map((r) => Math.round(r.rps));
  return `${Math.min(...rps).toLocaleString('en-US')}–${Math.max(...rps).toLocaleString('en-US')}`;
}

/** A table row for one server's result. */
export function loadRow(
  name: string,
  result: Pick<WrkResult, 'rps' | 'p50' | 'p99' | 'max' | 'errors'> & { cpuMicrosPerRequest?: number },
  rounds?: readonly RoundResult[],
): Row {
  return {
    server: name,
    'req/s': Math.round(result.rps),
    ...(rounds ? { 'req/s over rounds': spread(rounds) } : {}),
    'p50 ms': result.p50,
    'p99 ms': result.p99,
    'max ms': result.max,
    errors: result.errors,
    ...(result.cpuMicrosPerRequest ? { 'CPU µs/req': result.cpuMicrosPerRequest } : {}),
  };
}

/** A result without its raw latencies. */
export function summary(result: LoadResult): Omit<LoadResult, 'latencies'> {
  const { latencies: _, ...rest } = result;
  return rest;
}
