/** Prints a scenario's table and writes its JSON, with the machine it ran on, under bench/results/. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Row = Record<string, string | number>;

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    date: new Date().toISOString(),
    commit: commit(),
    /** Other work on the machine skews every figure; this says how busy it was. */
    loadAverage1m: Number(os.loadavg()[0]?.toFixed(2)),
  };
}

/** "yes" or "NO", for a target column. */
export const yes = (met: boolean): string => (met ? 'yes' : 'NO');

export function printTable(title: string, rows: Row[]): void {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (v: unknown) =>
    typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v ?? '');
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(`\n### ${title}\n`);
  console.log(line(columns));
  console.log(`|${widths.map((w) => ` ${'-'.repeat(w)} `).join('|')}|`);
  for (const row of rows) console.log(line(columns.map((c) => cell(row[c]))));
}

export function writeResult(scenario: string, result: Record<string, unknown>): string {
  const dir = path.join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${scenario}.json`);
  writeFileSync(file, `${JSON.stringify({ scenario, machine: machine(), ...result }, null, 2)}\n`);
  return file;
}

/**
 * The commit the bench ran on (`-dirty` when tracked files have changes), so a figure can be traced to its code;
 * `BENCH_COMMIT` names it for a tree that is not a git checkout (an exported older commit measured for comparison).
 */
export function commit(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: 'pipe' }).trim();
    const head = git('rev-parse', '--short=12', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? head : `${head}-dirty`;
  } catch {
    return 'unknown';
  }
}
