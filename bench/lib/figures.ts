/**
 * The published figures, rendered from bench/results/*.json into the READMEs, so no figure exists without its
 * result. A block is `<!-- figures:NAME -->` … `<!-- /figures -->`; NAME is a result (`hot`, `chaos`, …: its run
 * and every table it printed), `run` (the commit, machine and dates of the whole set) or `summary` (README.md's
 * one-table digest). `npm run bench` rewrites the blocks after a full run; `checkFigures` is what
 * test/docs/bench-figures.test.ts asserts: every block as its result renders it, every result from one commit, and
 * no measured figure (×, req/s, µs, ms, MB, MiB, %) written by hand outside a block.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { markdownTable, type Table } from './report.js';

export interface ResultFile {
  scenario: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    date: string;
    commit: string;
    loadAverage1m: number;
  };
  tables?: Table[];
  [key: string]: unknown;
}

export const RESULTS_DIR = path.join(import.meta.dirname, '..', 'results');

export function readResults(dir = RESULTS_DIR): Map<string, ResultFile> {
  const results = new Map<string, ResultFile>();
  for (const name of readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()) {
    const result = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as ResultFile;
    results.set(name.slice(0, -'.json'.length), result);
  }
  return results;
}

const BLOCK = /<!-- figures:([a-z0-9-]+) -->\n([\s\S]*?)<!-- \/figures -->/g;

/** `2026-12-03 07:08 UTC` */
const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');
/** `n` with `digits` decimals; `n/a` for a figure the result does not hold (an older result file). */
const fixed = (n: number | undefined, digits = 2): string =>
  n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits);

/** The commit every result names, or undefined when they differ (or one is dirty). */
export function commonCommit(results: Map<string, ResultFile>): string | undefined {
  const commits = new Set([...results.values()].map((r) => r.machine.commit));
  const [only] = commits;
  return commits.size === 1 && only && !only.endsWith('-dirty') && only !== 'unknown' ? only : undefined;
}

function renderRun(results: Map<string, ResultFile>): string {
  const all = [...results.values()];
  const dates = all.map((r) => r.machine.date).sort();
  const m = all[0]!.machine;
  const commits = [...new Set(all.map((r) => r.machine.commit))].join(', ');
  return (
    `Every figure below comes from one \`npm run bench\` at commit \`${commits}\`, ` +
    `${when(dates[0]!)} to ${when(dates.at(-1)!)}, on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), Node ` +
    `${m.node}; each scenario names the machine's load average (1 min) when it finished.`
  );
}

function renderResult(name: string, result: ResultFile): string {
  const head = `\`${name}\`: finished ${when(result.machine.date)}, load average ${result.machine.loadAverage1m}.`;
  return [head, ...(result.tables ?? []).map(markdownTable)].join('\n\n');
}

type Numbers = Record<string, number>;
const median = (samples: readonly number[]): number =>
  [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? Number.NaN;
type Load = { rps: number; p99: number; cpuMicrosPerRequest: number };

function renderSummary(results: Map<string, ResultFile>): string {
  const hot = results.get('hot') as (ResultFile & { ratios: Numbers; results: Record<string, Load> }) | undefined;
  const storm = results.get('storm') as
    | (ResultFile & {
        refreshGrants: number;
        load: { errors: number; p99: number };
        sameBurstFreshTokens: { p99: number };
      })
    | undefined;
  const scale = results.get('scale') as
    | (ResultFile & { ratios: Numbers; cases: Array<{ rssMiB: number }>; targets: { rssMiB: number } })
    | undefined;
  const start = results.get('start') as (ResultFile & { npmStartMs: number[] }) | undefined;
  if (!hot || !storm || !scale || !start) return 'missing results: hot, storm, scale and start are needed';
  const tb = hot.results['tokenbridge']!;
  const ceiling = hot.results['ceiling']!;
  const generator = hot.results['generator'];
  const met = (yes: boolean) => (yes ? 'met' : '**missed**');
  const stormRatio = storm.load.p99 / storm.sameBurstFreshTokens.p99;
  const npmStart = median(start.npmStartMs);
  const rss = Math.max(...scale.cases.map((c) => c.rssMiB));
  const rows = [
    {
      scenario: '**hot**: `/api/google-token`, 1,000 users, warm tokens, wrk 1 thread 32 connections',
      result:
        `${thousands(tb.rps)} req/s, p99 ${fixed(tb.p99, 1)} ms; a \`node:http\` hello world ${thousands(ceiling.rps)} ` +
        `req/s, p99 ${fixed(ceiling.p99, 1)} ms: **${fixed(hot.ratios['throughput']!)} ×** its throughput, p99 ` +
        `${fixed(hot.ratios['p99']!, 1)} ×; ${Math.round(tb.cpuMicrosPerRequest)} µs CPU per request against ` +
        `${Math.round(ceiling.cpuMicrosPerRequest)} µs; **${fixed(hot.ratios['floorThroughput']!)} ×** a hello world ` +
        `that verifies and caches the session token, ${fixed(hot.ratios['rotatedFloorThroughput']!)} × it when every ` +
        `token is new${generator ? `; wrk's own ceiling ${thousands(generator.rps)} req/s` : ''}`,
      target: `≥ 0.6 × and p99 ≤ 2 ×: ${met(hot.ratios['throughput']! >= 0.6 && hot.ratios['p99']! <= 2)}`,
    },
    {
      scenario: '**storm**: 3 instances on PostgreSQL, 200 expired users, 2,000 concurrent requests',
      result:
        `**${storm.refreshGrants}** refresh grants at Google, **${storm.load.errors}** errors; p99 ` +
        `${fixed(storm.load.p99 / 1000)} s, ${fixed(stormRatio, 1)} × the same burst with fresh tokens`,
      target:
        `200 grants, 0 errors: ${met(storm.refreshGrants === 200 && storm.load.errors === 0)}; ` +
        `p99 ≤ 1.5 × fresh: ${met(stormRatio <= 1.5)}`,
    },
    {
      scenario: '**scale**: 100,000 stored connections against 1,000',
      result:
        `hot p99 ${fixed(scale.ratios['p99']!)} ×; cold path (first request per user after a restart) p99 ` +
        `${fixed(scale.ratios['coldP99']!)} ×`,
      target:
        `hot p99 ≤ 1.2 ×: ${met(scale.ratios['p99']! <= 1.2)}; peak RSS ${rss} MiB ≤ ${scale.targets.rssMiB}: ` +
        met(rss <= scale.targets.rssMiB),
    },
    {
      scenario: '**start**: spawn to the first 200 on `/healthz`, median of 5',
      result: `\`npm start\` in a built checkout ${fixed(npmStart / 1000)} s`,
      target: `≤ 3 s: ${met(npmStart <= 3000)}`,
    },
  ];
  return markdownTable({ title: 'The headline figures', rows }).split('\n').slice(2).join('\n');
}

/** What block `name` should hold, rendered from `results`. */
export function renderBlock(name: string, results: Map<string, ResultFile>): string {
  if (name === 'run') return renderRun(results);
  if (name === 'summary') return renderSummary(results);
  const result = results.get(name);
  return result ? renderResult(name, result) : `no result named ${name} in bench/results`;
}

/** `markdown` with every block re-rendered. */
export function applyFigures(markdown: string, results: Map<string, ResultFile>): string {
  return markdown.replace(
    BLOCK,
    (_, name: string) => `<!-- figures:${name} -->\n\n${renderBlock(name, results)}\n\n<!-- /figures -->`,
  );
}

/** Whitespace-insensitive, so a formatter re-padding a table does not count as a change of figures. */
const normalise = (text: string): string =>
  text
    .replace(/\|[\s|-]*-[\s|-]*\|/g, '|-|')
    .replace(/\s*\|\s*/g, '|')
    .replace(/\s+/g, ' ')
    .trim();

/** A measured figure: a number with a unit only measurements use, not preceded by ≤ or ≥ (a target). */
const FIGURE = /(?<![≤≥]\s?)(?<![\w.,])\d[\d,]*(?:\.\d+)?\s?(?:×|req\/s|µs|ms|MB|MiB|%)(?![\w/])/g;

/**
 * What is wrong with the figures in `markdown` (`file` names it in messages): blocks that differ from their
 * rendering, unknown blocks, and measured figures outside blocks, looked for from the heading `from` on (to the
 * next heading of the same level) or in the whole file, fenced code excepted.
 */
export function checkFigures(
  file: string,
  markdown: string,
  results: Map<string, ResultFile>,
  from?: string,
): string[] {
  const problems: string[] = [];
  for (const [, name, body] of markdown.matchAll(BLOCK)) {
    if (normalise(body!) !== normalise(renderBlock(name!, results))) {
      problems.push(`${file}: the figures:${name} block is not what bench/results renders (run npm run bench)`);
    }
  }
  let text = markdown.replace(BLOCK, '').replace(/```[\s\S]*?```/g, '');
  if (from) {
    const start = text.indexOf(`\n${from}\n`);
    if (start < 0) return [...problems, `${file}: no heading ${from}`];
    const level = from.split(' ')[0]!;
    const rest = text.slice(start + from.length + 2);
    const end = rest.search(new RegExp(`\\n${level} `));
    text = end < 0 ? rest : rest.slice(0, end);
  }
  for (const [figure] of text.matchAll(FIGURE)) {
    problems.push(`${file}: "${figure}" is written by hand; quote it from a figures block`);
  }
  return problems;
}

/** Every problem with the published figures: the READMEs' blocks and prose, and the results' commit. */
export function checkPublishedFigures(root: string, results = readResults()): string[] {
  const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
  return [
    ...(commonCommit(results) ? [] : [`bench/results: not all from one clean commit (${renderRun(results)})`]),
    ...checkFigures('README.md', read('README.md'), results, '## Performance'),
    ...checkFigures('bench/README.md', read('bench/README.md'), results),
  ];
}

/** The READMEs that carry figures blocks, relative to the repository. */
export const FIGURE_FILES = ['README.md', 'bench/README.md'] as const;

/** Re-renders every figures block in {@link FIGURE_FILES} from bench/results; returns the files it changed. */
export function writeFigures(root: string, results = readResults()): string[] {
  const changed: string[] = [];
  for (const file of FIGURE_FILES) {
    const before = readFileSync(path.join(root, file), 'utf8');
    const after = applyFigures(before, results);
    if (after !== before) {
      writeFileSync(path.join(root, file), after);
      changed.push(file);
    }
  }
  return changed;
}
