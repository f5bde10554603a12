/** Prints a scenario's tables and writes its JSON, with the machine it ran on and those tables, under bench/results/. */
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

/** A printed table, as the result file keeps it (the READMEs' figures are rendered from these). */
export interface Table {
  title: string;
  rows: Row[];
}

/** Tables printed since the last {@link writeResult}, which stores them with the result. */
const printed: Table[] = [];

export function printTable(title: string, rows: Row[]): void {
  printed.push({ title, rows });
  console.log(`\n${markdownTable({ title, rows })}`);
}

/** A table as markdown: `#### title`, then the rows, columns padded, numbers with two decimals. */
export function markdownTable({ title, rows }: Table): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (v: unknown) =>
    typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v ?? '');
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    `#### ${title}`,
    '',
    line(columns),
    `|${widths.map((w) => ` ${'-'.repeat(w)} `).join('|')}|`,
    ...rows.map((row) => line(columns.map((c) => cell(row[c])))),
  ].join('\n');
}

/** Writes bench/results/<scenario>.json: the machine, the tables printed since the last write, and `result`. */
export function writeResult(scenario: string, result: Record<string, unknown>): string {
  const dir = path.join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${scenario}.json`);
  const tables = printed.splice(0);
  writeFileSync(file, `${JSON.stringify({ scenario, machine: machine(), tables, ...result }, null, 2)}\n`);
  return file;
}

/**
 * The commit the bench ran on (`-dirty` when tracked files other than bench/results have changes), so a figure can
 * be traced to its code;
 * `BENCH_COMMIT` names it for a tree that is not a git checkout (an exported older commit measured for comparison).
 */
export function commit(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: 'pipe' }).trim();
    const head = git('rev-parse', '--short=12', 'HEAD');
    // The results this run writes are not the code it measures: a run stays clean while it writes them.
    const changed = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results');
    return changed === '' ? head : `${head}-dirty`;
  } catch {
    return 'unknown';
  }
}
