/**
 * `npm run bench [-- scenario ...]`: runs the named scenarios (default all, in this order), each printing its table
 * and writing bench/results/<scenario>.json with the machine it ran on. Needs PostgreSQL at TEST_DATABASE_URL or
 * postgres://postgres@127.0.0.1:5432/test and a build (`npm run bench` builds first, for the start scenario).
 */

import { machine } from './lib/report.js';
import { clerkSource } from './scenarios/clerk-source.js';
import { hot } from './scenarios/hot.js';
import { proxyStream } from './scenarios/proxy-stream.js';
import { scale } from './scenarios/scale.js';
import { start } from './scenarios/start.js';
import { storm } from './scenarios/storm.js';

const SCENARIOS: Record<string, () => Promise<void>> = {
  hot,
  storm,
  'clerk-source': clerkSource,
  scale,
  start,
  'proxy-stream': proxyStream,
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
process.exit(failed ? 1 : 0);
