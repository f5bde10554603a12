#!/usr/bin/env node
// Runs `npm test` N times in a row and reports each run's duration and failures, so anyone can check that the suite
// never flakes. `--beside K` runs another `npm test` beside each of the first K runs, as a busy machine would.
//
//   node scripts/repeat-tests.mjs 10 --beside 2     # or: npm run test:repeat -- 10 --beside 2
//
// Logs go to test-artifacts/repeat/; the exit code is 1 if any run (or any suite run beside) failed.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { beside: { type: 'string', default: '0' } },
});
const runs = Number(positionals[0] ?? 10);
const beside = Number(values.beside);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(beside) || beside < 0) {
  console.error('usage: node scripts/repeat-tests.mjs [runs=10] [--beside K]');
  process.exit(2);
}
const logs = join(process.cwd(), 'test-artifacts', 'repeat');
mkdirSync(logs, { recursive: true });

/** Runs `npm test` with its output in `log`; resolves with the exit code, the seconds taken and vitest's counts. */
function npmTest(log) {
  const started = performance.now();
  return new Promise((resolve) => {
    const out = createWriteStream(log);
    const child = spawn('npm', ['test'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('close', (code) => {
      out.end(() => {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are what is removed
        const text = readFileSync(log, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
        const tests = /^\s*Tests\s+(.*)$/m.exec(text)?.[1]?.trim() ?? 'no vitest summary';
        resolve({ code, seconds: (performance.now() - started) / 1000, tests });
      });
    });
  });
}

const results = [];
for (let run = 1; run <= runs; run++) {
  const loaded = run <= beside;
  const other = loaded ? npmTest(join(logs, `run-${run}-beside.log`)) : undefined;
  const result = await npmTest(join(logs, `run-${run}.log`));
  const besideResult = await other;
  results.push({ run, loaded, ...result, beside: besideResult });
  const line = `run ${run}/${runs}${loaded ? ' (another npm test beside it)' : ''}: ${result.code === 0 ? 'passed' : `FAILED (exit ${result.code})`} in ${result.seconds.toFixed(0)} s; ${result.tests}`;
  console.log(
    besideResult
      ? `${line}; beside: ${besideResult.code === 0 ? 'passed' : 'FAILED'} in ${besideResult.seconds.toFixed(0)} s`
      : line,
  );
}
const failed = results.filter((r) => r.code !== 0 || (r.beside !== undefined && r.beside.code !== 0));
const quiet = results.filter((r) => !r.loaded).map((r) => r.seconds);
const median = quiet.sort((a, b) => a - b)[Math.floor(quiet.length / 2)];
console.log(
  `${runs - failed.length} passed, ${failed.length} failed` +
    (median === undefined ? '' : `; median of the runs alone: ${median.toFixed(0)} s`) +
    `; logs in ${logs}`,
);
process.exit(failed.length === 0 ? 0 : 1);
