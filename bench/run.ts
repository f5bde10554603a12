/**
 * `npm run bench [-- scenario ...]`: runs the named scenarios (default all, in this order), each printing its tables
 * and writing bench/results/<scenario>.json with the machine it ran on and those tables. The last three run as
 * scripts of their own: `lock-wakes`, `profile` (bench/profile.ts, writes profile-hot.json) and `chaos`
 * (bench/chaos.ts: it restarts PostgreSQL, so nothing else may use that server meanwhile). After a full run, the
 * READMEs' figures blocks are rendered from the results (bench/lib/figures.ts), so every published figure comes
 * from this one run. Needs PostgreSQL at TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test and a build
 * (`npm run bench` builds first).
 */

import { spawn } from 'node:child_process';
import path from 'node:path';
import { writeFigures } from './lib/figures.js';
import { machine } from './lib/report.js';
import { clerkSource } from './scenarios/clerk-source.js';
import { hot } from './scenarios/hot.js';
import { proxyStream } from './scenarios/proxy-stream.js';
import { scale } from './scenarios/scale.js';
import { start } from './scenarios/start.js';
import { storm } from './scenarios/storm.js';

const ROOT = path.join(import.meta.dirname, '..');

/** Runs `bench/<script>` in its own node (with tsx); rejects when it exits non-zero. */
const script =
  (name: string, ...args: string[]) =>
  (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', name), ...args], {
        stdio: 'inherit',
      });
      child.on('exit', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`${name} exited with ${signal ?? code}`)),
      );
    });

const SCENARIOS: Record<string, () => Promise<void>> = {
  hot,
  storm,
  'clerk-source': clerkSource,
  scale,
  start,
  'proxy-stream': proxyStream,
  'lock-wakes': script('lock-wakes.ts'),
  profile: script('profile.ts', '--label', 'hot', '--seconds', '10', '--users', '300'),
  chaos: script('chaos.ts'),
};

const asked = process.argv.slice(2).filter((arg) => arg !== '--');
const unknown = asked.filter((name) => !(name in SCENARIOS));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(2);
}
const chosen = asked.length > 0 ? asked : Object.keys(SCENARIOS);
const { cpu, cores, node, loadAverage1m, commit } = machine();
console.log(
  `# Tokenbridge benchmark\n\n${cpu}, ${cores} cores, Node ${node}, commit ${commit}, load average ${loadAverage1m} at start`,
);
const began = performance.now();
let failed = false;
for (const name of chosen) {
  const started = performance.now();
  process.stderr.write(`\n▶ ${name}\n`);
  try {
    await SCENARIOS[name]!();
  } catch (error) {
    failed = true;
    process.stderr.write(`bench: ${name} failed: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.stderr.write(`  · ${name} took ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}
process.stderr.write(`\nbench: ${((performance.now() - began) / 1000).toFixed(0)} s in all\n`);
if (asked.length === 0 && !failed) {
  const changed = writeFigures(ROOT);
  process.stderr.write(
    `bench: figures rendered into ${changed.length > 0 ? changed.join(', ') : 'no file (unchanged)'}\n`,
  );
} else if (asked.length > 0) {
  process.stderr.write('bench: a partial run leaves the READMEs alone; `npm run bench` with no names renders them\n');
}
process.exit(failed ? 1 : 0);
