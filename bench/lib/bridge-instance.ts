/**
 * One bridge instance under test, run as a child process (fork it with `execArgv: ['--import', 'tsx']`): the service
 * exactly as `tokenbridge start` builds it in production mode (configuration from the environment), plus a small
 * IPC surface the benchmark needs and the CLI does not have:
 *
 * - `{ type: 'advance', ms }` moves this process's clock forward (the bench moves every clock together);
 * - `{ type: 'reset-stats' }` forgets what was counted so far;
 * - `{ type: 'stats' }` answers with every refresh-lock wait seen through the bridge's `refresh.lock_acquired`
 *   events, the refreshes, and the resident set size (now and the sampled peak).
 *
 * Each request gets exactly one answer, in order (`ok` or `stats`).
 *
 * It sends `{ type: 'listening', port }` once the server accepts connections.
 */
import { startService } from '../../src/cli/service.js';
import { readEnv, resolveServiceConfig } from '../../src/config/env.js';
import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/http/logger.js';
import { AdjustableClock } from '../../src/sandbox/kit/clock.js';

export type InstanceRequest = { type: 'advance'; ms: number } | { type: 'stats' } | { type: 'reset-stats' };
export type InstanceMessage =
  | { type: 'listening'; port: number }
  | { type: 'ok' }
  | { type: 'stats'; lockWaitsMs: number[]; refreshes: number; rssBytes: number; maxRssBytes: number };

const env = readEnv();
const clock = new AdjustableClock(systemClock);
const logger = createLogger(env.logLevel);
const service = await startService(resolveServiceConfig(env, { port: env.port }), { logger, clock });

let lockWaitsMs: number[] = [];
let refreshes = 0;
let maxRssBytes = process.memoryUsage().rss;
service.bridge.on((event) => {
  if (event.type === 'refresh.lock_acquired') lockWaitsMs.push(event.waitMs);
  if (event.type === 'token.refreshed') refreshes++;
});
// Sampled, so a peak between two stats requests is not missed.
setInterval(() => {
  maxRssBytes = Math.max(maxRssBytes, process.memoryUsage().rss);
}, 250).unref();

const send = (message: InstanceMessage) => process.send?.(message);
process.on('message', (raw) => {
  const message = raw as InstanceRequest;
  if (message.type === 'advance') {
    clock.advance(message.ms);
    send({ type: 'ok' });
  } else if (message.type === 'stats') {
    const rssBytes = process.memoryUsage().rss;
    maxRssBytes = Math.max(maxRssBytes, rssBytes);
    send({ type: 'stats', lockWaitsMs, refreshes, rssBytes, maxRssBytes });
  } else if (message.type === 'reset-stats') {
    lockWaitsMs = [];
    refreshes = 0;
    maxRssBytes = process.memoryUsage().rss;
    send({ type: 'ok' });
  }
});
const stop = () => {
  service.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
send({ type: 'listening', port: service.port });
