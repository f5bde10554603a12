/**
 * Summarises a V8 `.cpuprofile` (what `node --cpu-prof` writes): self time per function and per area (a package, Node's
 * internals, the bridge's own folders), optionally only over a window of the monotonic clock, so start-up and seeding
 * do not count. Used by `bench/profile.ts`; also runs on its own: `node --import tsx bench/lib/cpu-profile.ts file`.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  where: string;
  selfMs: number;
  /** Of all sampled time in the window but idle. */
  share: number;
}

export interface ProfileSummary {
  /** Sampled time in the window, idle excluded, in ms. */
  busyMs: number;
  idleMs: number;
  samples: number;
  functions: ProfileEntry[];
  areas: ProfileEntry[];
}

/** Self time per function and per area, over samples taken between `window.from` and `window.to` (µs, monotonic). */
export function summariseProfile(profile: CpuProfile, window?: { from: number; to: number }, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, ProfileEntry>();
  const areas = new Map<string, ProfileEntry>();
  let at = profile.startTime;
  let busy = 0;
  let idle = 0;
  let samples = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.from || at > window.to)) continue;
    // A sample's time is the gap to the next one.
    const duration = (profile.timeDeltas[i + 1] ?? delta) / 1000;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    samples++;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += duration;
      continue;
    }
    busy += duration;
    const name = functionName || '(anonymous)';
    const where = url ? `${shorten(url)}:${lineNumber + 1}` : '';
    add(functions, `${name} ${where}`, name, where, duration);
    const area = areaOf(functionName, url);
    add(areas, area, area, '', duration);
  }
  const rank = (entries: Map<string, ProfileEntry>) =>
    [...entries.values()]
      .map((entry) => ({ ...entry, share: busy > 0 ? entry.selfMs / busy : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return { busyMs: busy, idleMs: idle, samples, functions: rank(functions), areas: rank(areas) };
}

function add(map: Map<string, ProfileEntry>, key: string, name: string, where: string, ms: number): void {
  const entry = map.get(key);
  if (entry) entry.selfMs += ms;
  else map.set(key, { name, where, selfMs: ms, share: 0 });
}

/** Where a function lives: `pkg:<name>` for a dependency, `node:<module>`, `bridge:<folder>`, or V8's own labels. */
function areaOf(functionName: string, url: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return `pkg:${pkg}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const own = /\/dist\/([^/]+)\//.exec(url)?.[1];
  if (own) return `bridge:${own}`;
  return shorten(url);
}

function shorten(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/dist\//, 'dist/');
}

/** Reads a `.cpuprofile` file. */
export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

/** Markdown tables of a summary: areas first, then functions. */
export function formatSummary(summary: ProfileSummary, functions = 15): string {
  const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
  const lines = [
    `${summary.samples} samples, busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms`,
    '',
    '| area | self ms | share |',
    '| ---- | ------- | ----- |',
    ...summary.areas.slice(0, 12).map((a) => `| ${a.name} | ${a.selfMs.toFixed(0)} | ${pct(a.share)} |`),
    '',
    '| function | where | self ms | share |',
    '| -------- | ----- | ------- | ----- |',
    ...summary.functions
      .slice(0, functions)
      .map((f) => `| ${f.name} | ${f.where} | ${f.selfMs.toFixed(0)} | ${pct(f.share)} |`),
  ];
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/lib/cpu-profile.ts <file.cpuprofile>\n');
    process.exit(2);
  }
  console.log(formatSummary(summariseProfile(readProfile(file)), 25));
}
