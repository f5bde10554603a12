/**
 * A CPU profile of the hot path: one bridge instance (the built service, production mode, `LOG_LEVEL=warn` unless
 * `--log-level` says otherwise) runs under `node --cpu-prof` while wrk (1 thread, 32 connections) asks
 * `/api/google-token` for users with warm tokens. Prints the self time per area and per function over the wrk window
 * only (start-up and seeding excluded), and writes the summary to bench/results/profile-<label>.json.
 *
 *   npm run build && node --import tsx bench/profile.ts [--seconds 10] [--users 300] [--label after] [--log-level info]
 *   … --no-profile: the same run without the profiler, for the CPU each request costs (from /proc) and wrk's figures
 *
 * Needs PostgreSQL (as `npm run bench`) and wrk (installed from Debian when missing).
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from '../test/scale/cluster.js';
import { cpuMs } from './lib/cpu.js';
import { readProfile, summariseProfile } from './lib/cpu-profile.js';
import { BridgeInstance } from './lib/processes.js';
import { printTable, writeResult } from './lib/report.js';
import { log, seedConnectedUsers, warm } from './lib/seed.js';
import { runWrk, WRK_CONNECTIONS, WRK_THREADS, wrkVersion } from './lib/wrk.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    users: { type: 'string', default: '300' },
    label: { type: 'string', default: 'hot' },
    'log-level': { type: 'string', default: 'warn' },
    'no-profile': { type: 'boolean', default: false },
  },
});
const profiled = values['no-profile'] !== true;
const seconds = Number(values.seconds);
const userCount = Number(values.users);
const logLevel = values['log-level'] ?? 'warn';

const world = await startCluster({ accounts: userCount, schemaPrefix: 'bench_profile' });
const dir = mkdtempSync(path.join(os.tmpdir(), 'tokenbridge-profile-'));
let bridge: BridgeInstance | undefined;
try {
  bridge = await BridgeInstance.start(
    { ...world.env, LOG_LEVEL: logLevel },
    profiled ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250'] : [],
  );
  const users = await seedConnectedUsers(world, [bridge.url], userCount);
  await warm([bridge.url], users);
  const bearers = users.map((user) => user.sessionToken);
  // A short run first, so the profile sees optimised code, as a long-running server would.
  await runWrk({ url: bridge.url, path: '/api/google-token', bearers, seconds: 2 });
  const pid = bridge.server.child.pid;
  const from = Number(process.hrtime.bigint() / 1000n);
  const cpuBefore = cpuMs(pid);
  const load = await runWrk({ url: bridge.url, path: '/api/google-token', bearers, seconds });
  const cpuMicrosPerRequest = ((cpuMs(pid) - cpuBefore) * 1000) / Math.max(1, load.requests);
  const to = Number(process.hrtime.bigint() / 1000n);
  log(
    `wrk: ${load.rps.toFixed(0)} req/s, p50 ${load.p50.toFixed(2)} ms, p99 ${load.p99.toFixed(2)} ms, ` +
      `${load.errors} errors, ${cpuMicrosPerRequest.toFixed(1)} µs CPU per request${profiled ? ' (under the profiler)' : ''}`,
  );
  if (!profiled) {
    await bridge.stop();
    bridge = undefined;
    await world.close();
    process.exit(0);
  }
  await bridge.stop();
  bridge = undefined;
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = readProfile(path.join(dir, file));
  let summary = summariseProfile(profile, { from, to }, 40);
  let windowed = true;
  if (summary.samples === 0) {
    // The profiler's clock did not line up with ours: fall back to the whole run.
    summary = summariseProfile(profile, undefined, 40);
    windowed = false;
  }
  const where = `${values.label}, LOG_LEVEL=${logLevel}, ${windowed ? 'wrk window' : 'whole run'}`;
  const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
  printTable(
    `profile: self time per area (${where}; ${summary.samples} samples, ${load.rps.toFixed(0)} req/s under the profiler, ${cpuMicrosPerRequest.toFixed(0)} µs CPU per request)`,
    summary.areas.slice(0, 12).map((a) => ({ area: a.name, 'self ms': Math.round(a.selfMs), share: pct(a.share) })),
  );
  printTable(
    `profile: the top functions by self time (${where})`,
    summary.functions.slice(0, 15).map((f) => ({
      function: f.name,
      where: f.where,
      'self ms': Math.round(f.selfMs),
      share: pct(f.share),
    })),
  );
  const written = writeResult(`profile-${values.label}`, {
    load: { generator: wrkVersion(), threads: WRK_THREADS, connections: WRK_CONNECTIONS, seconds, users: userCount },
    logLevel,
    underProfiler: load,
    cpuMicrosPerRequest,
    window: windowed ? 'wrk run only' : 'whole process',
    profileFile: path.join(dir, file),
    profile: summary,
  });
  log(`wrote ${written}; the raw profile is ${path.join(dir, file)}`);
} finally {
  await bridge?.stop();
  await world.close();
}
process.exit(0);
