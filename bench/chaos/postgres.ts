/**
 * The shared PostgreSQL cluster, restarted on purpose (`pg_ctlcluster`, as root), and watched: is it up (a fresh
 * connection answers `select 1`), and what does each instance's `/readyz` say meanwhile.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { PG_URL } from '../../test/core/pg.js';
import { run } from '../lib/wrk.js';

function pgctlArgs(action: 'restart' | 'start' | 'status'): string[] {
  const version = readdirSync('/etc/postgresql')[0];
  if (version === undefined) throw new Error('no cluster under /etc/postgresql');
  return ['--skip-systemctl-redirect', version, 'main', action];
}

function pgctl(action: 'start' | 'status'): { status: number | null; output: string } {
  const run = spawnSync('pg_ctlcluster', pgctlArgs(action), { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

/**
 * Restarts the cluster (fast shutdown: every connection is cut). Asynchronous, so the traffic, the emulators and the
 * readiness probes in this process keep running through the outage.
 */
export async function restartPostgres(): Promise<void> {
  await run('pg_ctlcluster', pgctlArgs('restart'));
}

/** Starts the cluster if it is down; safe to call from an exit handler (synchronous). */
export function ensurePostgresRunning(): void {
  if (pgctl('status').status === 0) return;
  const { status, output } = pgctl('start');
  if (status !== 0) process.stderr.write(`chaos: could not start PostgreSQL again (${status}): ${output}\n`);
}

/** True when a new connection to PostgreSQL answers within a second. */
export async function postgresUp(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** One observation: when (ms since the sampler started), PostgreSQL up or not, and each instance's `/readyz` status. */
export interface Sample {
  at: number;
  postgres: boolean;
  readyz: number[];
}

/**
 * Samples PostgreSQL and every instance's `/readyz` back to back, over and over, until stopped. A readiness answer
 * is judged against the PostgreSQL probes on both sides of it, so a restart that lands in between is not blamed
 * on the bridge.
 */
export class ReadinessWatch {
  readonly samples: Sample[] = [];
  #stopped = false;
  readonly #done: Promise<void>;
  readonly #started = performance.now();

  constructor(private readonly instances: () => readonly string[]) {
    this.#done = this.#run();
  }

  async stop(): Promise<Sample[]> {
    this.#stopped = true;
    await this.#done;
    return this.samples;
  }

  /** Resolves once `done` holds for a new sample, or throws after `ms`. */
  async until(done: (sample: Sample) => boolean, ms: number, what: string): Promise<void> {
    const deadline = performance.now() + ms;
    let seen = this.samples.length;
    while (performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      if (this.samples.length === seen) continue;
      seen = this.samples.length;
      if (done(this.samples[seen - 1]!)) return;
    }
    throw new Error(`${what}: not within ${ms / 1000} s`);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const postgres = await postgresUp();
      const readyz = await Promise.all(this.instances().map(readyStatus));
      this.samples.push({ at: performance.now() - this.#started, postgres, readyz });
    }
  }
}

async function readyStatus(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}

/** What `/readyz` said while PostgreSQL was down (both neighbouring probes failed) and while it was up. */
export interface ReadinessFigures {
  /** Answers while down, by status. */
  whileDown: Record<string, number>;
  /** Answers while up, by status (includes the seconds the pools take to reconnect). */
  whileUp: Record<string, number>;
  /** Seconds PostgreSQL refused new connections, as the probes saw it. */
  outageSeconds: number;
  /** From the first probe that found PostgreSQL back to the first sample where every instance answered 200. */
  readyAgainSeconds: number | null;
  /** `200` answers while PostgreSQL was down: `/readyz` claiming readiness it did not have. */
  liedReady: number;
  /**
   * `/readyz` answers judged "while down" at all. Zero means the outage fell between samples: `liedReady` is then 0
   * because nothing was asked, not because `/readyz` told the truth.
   */
  answersWhileDown: number;
}

export function readinessFigures(samples: readonly Sample[]): ReadinessFigures {
  const whileDown: Record<string, number> = {};
  const whileUp: Record<string, number> = {};
  let firstDown: number | undefined;
  let backAt: number | undefined;
  let readyAt: number | undefined;
  samples.forEach((sample, i) => {
    const before = samples[i - 1]?.postgres ?? sample.postgres;
    const after = samples[i + 1]?.postgres ?? sample.postgres;
    const down = !sample.postgres && !before && !after;
    const bucket = down ? whileDown : sample.postgres && before && after ? whileUp : undefined;
    for (const status of sample.readyz) if (bucket) bucket[status] = (bucket[status] ?? 0) + 1;
    if (!sample.postgres) firstDown ??= sample.at;
    if (firstDown !== undefined && sample.postgres) backAt ??= sample.at;
    if (backAt !== undefined && sample.readyz.every((status) => status === 200)) readyAt ??= sample.at;
  });
  return {
    whileDown,
    whileUp,
    outageSeconds: firstDown !== undefined && backAt !== undefined ? (backAt - firstDown) / 1000 : 0,
    readyAgainSeconds: backAt !== undefined && readyAt !== undefined ? (readyAt - backAt) / 1000 : null,
    liedReady: whileDown['200'] ?? 0,
    answersWhileDown: Object.values(whileDown).reduce((sum, n) => sum + n, 0),
  };
}
