/**
 * One bridge instance under test, in its own process: the built service (`dist/`, what `tokenbridge start` runs,
 * plain JavaScript so its memory and speed are production's), configured from the environment in production mode,
 * plus the IPC surface the benchmark needs and the CLI does not have:
 *
 * - `{ type: 'advance', ms }` moves this process's clock forward (the bench moves every clock together);
 * - `{ type: 'reset-stats' }` forgets what was counted so far;
 * - `{ type: 'stats' }` answers with every refresh-lock wait seen through the bridge's `refresh.lock_acquired`
 *   and `refresh.joined` events (and how many were joined: ended by another instance's write, lock not taken), how
 *   long each refresh took (`token.refreshed`: the Google call as the bridge saw it), the event-loop
 *   delay (p99 and max: how long a ready callback can wait for its turn), and the resident set size (now and the
 *   sampled peak).
 *
 * Each request gets exactly one answer, in order (`{ type: 'ok' }` or the stats); `{ type: 'listening', port }` is
 * sent once the server accepts connections. The message types are declared in processes.ts.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startService } from '../../dist/cli/service.js';
import { systemClock } from '../../dist/clock.js';
import { readEnv, resolveServiceConfig } from '../../dist/config/env.js';
import { createLogger } from '../../dist/log/logger.js';
import { AdjustableClock } from '../../dist/sandbox/kit/clock.js';

const env = readEnv();
const clock = new AdjustableClock(systemClock);
const logger = createLogger(env.logLevel);
const service = await startService(resolveServiceConfig(env, { port: env.port }), { logger, clock });

/** @type {number[]} */
let lockWaitsMs = [];
/** @type {number[]} */
let refreshMs = [];
let refreshes = 0;
let joined = 0;
let maxRssBytes = process.memoryUsage().rss;
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
service.bridge.on((event) => {
  if (event.type === 'refresh.lock_acquired') lockWaitsMs.push(event.waitMs);
  if (event.type === 'refresh.joined') {
    joined++;
    lockWaitsMs.push(event.waitMs);
  }
  if (event.type === 'token.refreshed') {
    refreshes++;
    refreshMs.push(event.durationMs);
  }
});
// Sampled, so a peak between two stats requests is not missed.
setInterval(() => {
  maxRssBytes = Math.max(maxRssBytes, process.memoryUsage().rss);
}, 250).unref();

/** @param {unknown} message */
const send = (message) => process.send?.(message);
process.on('message', (/** @type {{ type: string, ms?: number }} */ message) => {
  if (message.type === 'advance') {
    clock.advance(message.ms ?? 0);
    send({ type: 'ok' });
  } else if (message.type === 'reset-stats') {
    lockWaitsMs = [];
    refreshMs = [];
    refreshes = 0;
    joined = 0;
    maxRssBytes = process.memoryUsage().rss;
    loopDelay.reset();
    send({ type: 'ok' });
  } else if (message.type === 'stats') {
    const rssBytes = process.memoryUsage().rss;
    maxRssBytes = Math.max(maxRssBytes, rssBytes);
    send({
      type: 'stats',
      lockWaitsMs,
      refreshMs,
      refreshes,
      joined,
      rssBytes,
      maxRssBytes,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
    });
  }
});
const stop = () => {
  service.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
send({ type: 'listening', port: service.port });
