/**
 * `npm run chaos`: the slow fault runs, under load, on three `tokenbridge start` instances sharing one PostgreSQL
 * schema, with the Google and Clerk emulators in this process: Google's token endpoint failing (5xx, 429, latency,
 * timeouts, resets), Clerk's Backend API failing (5xx, 429), PostgreSQL restarted, and `kill -9` of a lock holder.
 * Prints a figure table per scenario and the gates, writes bench/results/chaos.json, and exits non-zero when a refresh
 * token was lost, a connection was wrongly marked `needs_reconnect`, or a gate below was missed.
 *
 * Restarts the shared PostgreSQL (`pg_ctlcluster`, as root): do not run it while other suites use that server. Makes
 * sure PostgreSQL runs again when it ends, however it ends.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SANDBOX_BRIDGE_CLIENT, SANDBOX_CLERK_CLIENT } from '../src/cli/sandbox.js';
import { type CliInstance, type ClusterWorld, spawnInstance, startCluster } from '../test/scale/cluster.js';
import { auditConnections } from './chaos/audit.js';
import { clerkFaults } from './chaos/clerk-faults.js';
import type { ChaosContext, Check, ScenarioResult } from './chaos/context.js';
import { googleFaults } from './chaos/google-faults.js';
import { killHolder } from './chaos/kill-holder.js';
import { ensurePostgresRunning } from './chaos/postgres.js';
import { postgresRestart } from './chaos/postgres-restart.js';
import { addTally, describeErrors, emptyTally } from './chaos/traffic.js';
import { machine, printTable, type Row, writeResult, yes } from './lib/report.js';
import { log, seedClerkHeldUsers, seedConnectedUsers } from './lib/seed.js';

const OAUTH_USERS = 40;
const CLERK_USERS = 20;

const SCENARIOS: Record<string, (context: ChaosContext) => Promise<ScenarioResult>> = {
  'google-faults': googleFaults,
  'clerk-faults': clerkFaults,
  'postgres-restart': postgresRestart,
  'kill-holder': killHolder,
};

// `npm run chaos -- kill-holder postgres-restart` runs only those (in the order above), then the audit.
const asked = process.argv.slice(2).filter((arg) => arg !== '--');
const unknown = asked.filter((name) => !(name in SCENARIOS));
if (unknown.length > 0) {
  process.stderr.write(`chaos: unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(2);
}
const chosen = Object.keys(SCENARIOS).filter((name) => asked.length === 0 || asked.includes(name));

process.on('exit', ensurePostgresRunning);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

const began = performance.now();
const { cpu, cores, node, loadAverage1m } = machine();
console.log(`# Tokenbridge chaos\n\n${cpu}, ${cores} cores, Node ${node}, load average ${loadAverage1m} at start`);
ensurePostgresRunning();

let world: ClusterWorld | undefined;
let spawned: CliInstance[] = [];
let failed = false;
try {
  world = await startCluster({
    accounts: OAUTH_USERS + CLERK_USERS,
    schemaPrefix: 'chaos',
    // Every request comes from 127.0.0.1 and a few users: the bridge's own rate limits would be all we measured.
    env: { TOKENBRIDGE_RATE_LIMIT_PER_USER: '0', TOKENBRIDGE_RATE_LIMIT_PER_IP: '0', LOG_LEVEL: 'error' },
  });
  // 60 s tokens for the bridge's own connections (inside its 5-minute window: every request refreshes at Google);
  // 15 s tokens for those Clerk holds (the bridge asks Clerk for a successor all along).
  world.google.control.setTokenLifetime(SANDBOX_BRIDGE_CLIENT.clientId, 60);
  world.google.control.setTokenLifetime(SANDBOX_CLERK_CLIENT.clientId, 15);
  spawned = await Promise.all([0, 1, 2].map(() => spawnInstance(world!.env)));
  // The instances' own logs (errors only), kept for when a figure needs explaining.
  const logDir = path.join(os.tmpdir(), 'tokenbridge-chaos');
  mkdirSync(logDir, { recursive: true });
  spawned.forEach((instance, i) => {
    const file = createWriteStream(path.join(logDir, `instance-${i}.log`));
    instance.child.stdout?.pipe(file);
    instance.child.stderr?.pipe(file);
  });
  log(`instance logs in ${logDir}`);
  const context: ChaosContext = {
    world,
    instances: [...spawned],
    oauthUsers: await seedConnectedUsers(
      world,
      spawned.map((instance) => instance.url),
      OAUTH_USERS,
    ),
    clerkUsers: await seedClerkHeldUsers(world, CLERK_USERS, { first: OAUTH_USERS }),
  };

  const results: ScenarioResult[] = [];
  for (const name of chosen) {
    const started = performance.now();
    process.stderr.write(`\n▶ ${name}\n`);
    try {
      results.push(await SCENARIOS[name]!(context));
    } catch (error) {
      failed = true;
      process.stderr.write(`chaos: ${name} failed: ${(error as Error)?.stack ?? String(error)}\n`);
    } finally {
      world.google.control.clearFaults();
      world.clerk.control.clearFaults();
      ensurePostgresRunning();
    }
    log(`${name} took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }

  const audit = await auditConnections(world, context.oauthUsers);
  const total = results.reduce((sum, result) => addTally(sum, result.tally), emptyTally());
  const checks: Check[] = [
    ...results.flatMap((result) => result.checks),
    {
      measure: 'refresh tokens lost',
      value: audit.refreshTokensLost.length,
      target: '0',
      met: audit.refreshTokensLost.length === 0,
      gate: true,
    },
    {
      measure: 'connections wrongly marked needs_reconnect',
      value: audit.wronglyNeedsReconnect.length,
      target: '0',
      met: audit.wronglyNeedsReconnect.length === 0,
      gate: true,
    },
  ];
  for (const result of results) printTable(`chaos: ${result.name}`, result.rows);
  const totals: Row = {
    requests: total.requests,
    served: total.served,
    'errors by code': describeErrors(total.errors),
    'connections audited': audit.connections,
  };
  printTable('chaos: all scenarios', [totals]);
  printTable(
    'chaos: gates',
    checks.map(({ measure, value, target, met }) => ({ measure, value, target, met: yes(met) })),
  );
  failed ||= checks.some((check) => check.gate && !check.met);
  writeResult('chaos', {
    users: { oauth: OAUTH_USERS, clerk: CLERK_USERS },
    instances: 3,
    seconds: Math.round((performance.now() - began) / 1000),
    totals: { requests: total.requests, served: total.served, errors: total.errors },
    scenarios: results.map(({ name, rows, tally, detail }) => ({
      name,
      rows,
      requests: tally.requests,
      served: tally.served,
      errors: tally.errors,
      detail,
    })),
    audit,
    checks,
    met: !failed,
  });
} catch (error) {
  failed = true;
  process.stderr.write(`chaos: ${(error as Error)?.stack ?? String(error)}\n`);
} finally {
  await Promise.allSettled(spawned.map((instance) => instance.kill()));
  await world?.close().catch(() => {});
  ensurePostgresRunning();
}
process.stderr.write(`\nchaos: ${((performance.now() - began) / 1000).toFixed(0)} s in all\n`);
process.exit(failed ? 1 : 0);
