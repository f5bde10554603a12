/**
 * start: time from spawning `bin/tokenbridge.js start` (sandbox mode: both emulators, a generated key, migrations on
 * a new SQLite file in a temp folder, every port free) to its first `200` on `/healthz`. Next to it, `npm start` as a
 * user types it in the checkout (npm, the check that the build is current, then the same bin; the build is current:
 * `npm run bench` builds first), the package as a project installs it (the tarball `npm pack` makes, installed with
 * `--omit=dev` into an empty project, as test/package does: its bin, and `npx tokenbridge start` as typed there), the
 * bridge alone (production mode) and a bare `node` hello-world server: what any Node service pays before its first
 * line runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Keyring } from '../../src/core/keyring.js';
import { installInto, pack } from '../../test/package/packed.js';
import { percentile } from '../lib/load.js';
import { printTable, writeResult } from '../lib/report.js';
import { log } from '../lib/seed.js';

const RUNS = 5;
const REPO = path.join(import.meta.dirname, '..', '..');

export async function start(): Promise<void> {
  const bridge: number[] = [];
  const npmStart: number[] = [];
  const production: number[] = [];
  const node: number[] = [];
  const installedBin: number[] = [];
  const npx: number[] = [];
  const bin = [path.join(REPO, 'bin/tokenbridge.js'), 'start'];
  // The package as a user's project has it: packed (its prepack builds, in a copy of the sources) and installed.
  const work = mkdtempSync(path.join(tmpdir(), 'tb-bench-package-'));
  const project = path.join(work, 'project');
  log('start: packing the package and installing it into an empty project');
  const packed = await pack(work);
  await installInto(project, packed.tarball);
  const installed = path.join(project, 'node_modules', '.bin', 'tokenbridge');
  // Production mode: the same bridge without the emulators (credentials are never used before a request comes).
  const productionEnv = {
    CLERK_SECRET_KEY: 'sk_test_bench0000000000000000000000000000',
    GOOGLE_CLIENT_ID: '1000000009-bench.apps.googleusercontent.com',
    GOOGLE_CLIENT_SECRET: 'GOCSPX-bench-secret',
    TOKENBRIDGE_ENCRYPTION_KEYS: Keyring.generate(),
  };
  for (let run = 0; run < RUNS; run++) {
    node.push(await timeToReady([path.join(REPO, 'bench/baselines/ceiling.mjs')], /listening on (\d+)/));
    bridge.push(await timeToReady(bin, /Bridge\s+http:\/\/[^:]+:(\d+)/));
    // In the checkout, as typed: the sandbox's generated key goes to ./data there, as it does for the user.
    npmStart.push(await timeToReady(['start'], /Bridge\s+http:\/\/[^:]+:(\d+)/, {}, { command: 'npm', cwd: REPO }));
    // The installed bin in a fresh folder (its key and data go there), and npx in the project, as typed there.
    installedBin.push(await timeToReady(['start'], /Bridge\s+http:\/\/[^:]+:(\d+)/, {}, { command: installed }));
    npx.push(
      await timeToReady(
        ['tokenbridge', 'start'],
        /Bridge\s+http:\/\/[^:]+:(\d+)/,
        {},
        { command: 'npx', cwd: project },
      ),
    );
    production.push(await timeToReady(bin, /Listening on\s+\S+:(\d+)/, productionEnv));
    log(
      `run ${run + 1}: sandbox ${bridge.at(-1)!.toFixed(0)} ms, npm start ${npmStart.at(-1)!.toFixed(0)} ms, ` +
        `installed bin ${installedBin.at(-1)!.toFixed(0)} ms, npx ${npx.at(-1)!.toFixed(0)} ms, ` +
        `bridge only ${production.at(-1)!.toFixed(0)} ms, ` +
        `bare node ${node.at(-1)!.toFixed(0)} ms`,
    );
  }
  rmSync(work, { recursive: true, force: true });
  const row = (name: string, samples: number[]) => {
    const sorted = [...samples].sort((a, b) => a - b);
    return { process: name, 'median ms': percentile(sorted, 0.5), 'min ms': sorted[0]!, 'max ms': sorted.at(-1)! };
  };
  const medianRatio =
    percentile(
      [...bridge].sort((a, b) => a - b),
      0.5,
    ) /
    percentile(
      [...node].sort((a, b) => a - b),
      0.5,
    );
  printTable(`start: spawn to first 200 on /healthz (${RUNS} runs, fresh data folder each)`, [
    row('tokenbridge start (sandbox: bridge + 2 emulators)', bridge),
    row('npm start in the checkout (the same, through npm)', npmStart),
    row('installed package: node_modules/.bin/tokenbridge start', installedBin),
    row('installed package: npx tokenbridge start', npx),
    row('tokenbridge start (production mode, SQLite)', production),
    row('bare node http server', node),
    { process: 'ratio of medians', 'median ms': medianRatio, 'min ms': '', 'max ms': '' },
  ]);
  writeResult('start', {
    runs: RUNS,
    sandboxMs: bridge,
    npmStartMs: npmStart,
    installedBinMs: installedBin,
    npxStartMs: npx,
    tarball: { bytes: packed.size, unpackedBytes: packed.unpackedSize, files: packed.files.length },
    productionMs: production,
    bareNodeMs: node,
    sandboxToBareNodeMedianRatio: medianRatio,
  });
}

/**
 * Spawns the command (node, unless told) in a new temp folder (or `cwd`) with free ports, waits for the line naming
 * its port, then asks `/healthz` until it answers 200. Returns the milliseconds from spawn to that answer. The command
 * runs in a process group of its own, stopped as a whole (npm → sh → node).
 */
async function timeToReady(
  args: string[],
  portLine: RegExp,
  env: Record<string, string> = {},
  how: { command?: string; cwd?: string } = {},
): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tb-bench-start-'));
  const started = performance.now();
  const child = spawn(how.command ?? process.execPath, args, {
    cwd: how.cwd ?? dir,
    detached: true,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      PORT: '0',
      SANDBOX_GOOGLE_PORT: '0',
      SANDBOX_CLERK_PORT: '0',
      DATABASE_URL: path.join(dir, 'data', 'tokenbridge.db'),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const port = await portFrom(child, portLine);
    for (;;) {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
      await response?.body?.cancel();
      if (response?.status === 200) return performance.now() - started;
    }
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else {
        child.once('exit', () => resolve());
        process.kill(-child.pid!, 'SIGTERM');
      }
    });
    rmSync(dir, { recursive: true, force: true });
  }
}

function portFrom(child: ChildProcess, portLine: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = portLine.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}) before listening:\n${output.slice(-2000)}`)));
  });
}
