/**
 * The case a browser produces: clerk-js mints a 60-second session token about every 50 s, so a user who asks less
 * often than that brings a token no server has seen, and every request pays a signature check. Each round sends
 * {@link ROTATED_REQUESTS} requests, each with its own freshly minted 60-s token (the users' sessions in turn), to
 * every server in turn (each server meets each token once: their caches are their own), with the closed-loop Node
 * generator, whose own ceiling (against the C responder, which checks nothing) is measured in the same rounds.
 */
import type { ClusterUser, ClusterWorld } from '../../test/scale/cluster.js';
import { PUBLIC_URL } from '../../test/scale/cluster.js';
import { cpuMs } from './cpu.js';
import { keepAliveAgent, percentile, runLoad } from './load.js';
import type { RoundResult, Target } from './rounds.js';
import { medianRounds, ROUNDS } from './rounds.js';
import { log } from './seed.js';

export const ROTATED_REQUESTS = 4000;
export const ROTATED_CONCURRENCY = 32;
const TOKEN_SECONDS = 60;

/** The session id a user's session token names. */
function sessionIdOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sid?: string };
  if (!payload.sid) throw new Error('a session token without sid');
  return payload.sid;
}

async function mintRound(world: ClusterWorld, users: readonly ClusterUser[]): Promise<string[]> {
  const sessions = users.map((user) => sessionIdOf(user.sessionToken));
  const tokens: string[] = [];
  for (let i = 0; i < ROTATED_REQUESTS; i++) {
    tokens.push(
      await world.clerk.control.sessionToken(sessions[i % sessions.length]!, {
        azp: PUBLIC_URL,
        expiresInSeconds: TOKEN_SECONDS,
      }),
    );
  }
  return tokens;
}

/** {@link ROUNDS} rounds, fresh tokens each; every round's figures and the median round (by throughput) of each server. */
export async function measureRotated(
  world: ClusterWorld,
  users: readonly ClusterUser[],
  servers: Record<string, Target>,
  path: string,
): Promise<{ median: Record<string, RoundResult>; rounds: Record<string, RoundResult[]> }> {
  const rounds: Record<string, RoundResult[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const tokens = await mintRound(world, users);
    for (const [name, target] of Object.entries(servers)) {
      const agent = keepAliveAgent(ROTATED_CONCURRENCY);
      const cpuBefore = cpuMs(target.pid);
      const {
        latencies,
        statuses: _,
        ...measured
      } = await runLoad({
        url: target.url,
        concurrency: ROTATED_CONCURRENCY,
        requests: tokens.length,
        agent,
        request: (i) => ({ path, headers: { authorization: `Bearer ${tokens[i]}` } }),
      });
      agent.destroy();
      const cpu = cpuMs(target.pid) - cpuBefore;
      const result: RoundResult = {
        ...measured,
        p90: percentile(latencies, 0.9),
        cpuMicrosPerRequest: (cpu * 1000) / measured.requests,
      };
      rounds[name] = [...(rounds[name] ?? []), result];
      log(
        `rotated ${name} round ${round + 1}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99.toFixed(2)} ms, ` +
          `${result.cpuMicrosPerRequest.toFixed(0)} µs CPU per request, ${result.errors} errors`,
      );
    }
  }
  return { median: medianRounds(rounds), rounds };
}
