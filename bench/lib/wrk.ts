/**
 * The load generator for throughput and tail latency: `wrk` (C, one thread, keep-alive connections), so the generator
 * is not what is measured. A Node generator in one process tops out near a bare node:http server's rate, which made
 * every server look alike. Installed from Debian (`apt-get install -y wrk`) when missing and the bench runs as root;
 * otherwise the bench stops and says how to install it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface WrkOptions {
  url: string;
  path: string;
  /** One credential per simulated user, sent in turn as `Authorization: Bearer …` (none: no header). */
  bearers?: readonly string[];
  connections?: number;
  threads?: number;
  seconds: number;
}

/** What wrk measured; latencies in milliseconds, from wrk's own histogram. */
export interface WrkResult {
  requests: number;
  /** Socket errors, timeouts and answers other than 2xx/3xx. */
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export const WRK_THREADS = 1;
export const WRK_CONNECTIONS = 32;

/**
 * Requests built once (wrk.format) and sent round-robin, so the script costs the generator nothing per request
 * beyond an index; `done` prints one JSON line with the figures wrk keeps.
 */
const SCRIPT = `
local requests = {}
local n = 0
local i = 0
function init(args)
  local path = args[1]
  local file = args[2]
  if file ~= nil and file ~= "" then
    for line in io.lines(file) do
      n = n + 1
      requests[n] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. line })
    end
  end
  if n == 0 then
    n = 1
    requests[1] = wrk.format("GET", path)
  end
end
function request()
  i = i + 1
  if i > n then i = 1 end
  return requests[i]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`;

let checked = false;

/** Makes sure `wrk` is on the PATH: installs Debian's package when it is missing and we may, else throws why not. */
export function ensureWrk(): void {
  if (checked) return;
  if (spawnSync('wrk', ['--version']).error === undefined) {
    checked = true;
    return;
  }
  const root = process.getuid?.() === 0;
  const apt = spawnSync('apt-get', ['--version']).error === undefined;
  if (!root || !apt) {
    throw new Error(
      'bench: the hot and scale scenarios need wrk (a C load generator); install it with `apt-get install -y wrk` ' +
        '(Debian/Ubuntu) or `brew install wrk`, then run the bench again.',
    );
  }
  process.stderr.write('bench: wrk is missing; installing it from Debian (apt-get install -y wrk)\n');
  const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], { stdio: 'inherit' });
  if (install.status !== 0 || spawnSync('wrk', ['--version']).error !== undefined) {
    throw new Error('bench: `apt-get install -y wrk` failed; install wrk by hand and run the bench again.');
  }
  checked = true;
}

/** wrk's version line, for the results. */
export function wrkVersion(): string {
  const out = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return `${out.stdout}${out.stderr}`.split('\n')[0]?.trim() ?? 'wrk';
}

/** Runs wrk once against `options.url` + `options.path` for `options.seconds`. */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  ensureWrk();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tokenbridge-wrk-'));
  try {
    const script = path.join(dir, 'load.lua');
    writeFileSync(script, SCRIPT);
    const bearers = path.join(dir, 'bearers.txt');
    writeFileSync(bearers, options.bearers && options.bearers.length > 0 ? `${options.bearers.join('\n')}\n` : '');
    const args = [
      `-t${options.threads ?? WRK_THREADS}`,
      `-c${options.connections ?? WRK_CONNECTIONS}`,
      `-d${options.seconds}s`,
      '--timeout',
      '10s',
      '-s',
      script,
      options.url,
      '--',
      options.path,
      options.bearers && options.bearers.length > 0 ? bearers : '',
    ];
    const output = await run('wrk', args);
    const line = /WRK_JSON (\{.*\})/.exec(output)?.[1];
    if (line === undefined) throw new Error(`wrk printed no figures:\n${output}`);
    const raw = JSON.parse(line) as Record<string, number>;
    const seconds = raw['duration_us']! / 1e6;
    const errors = raw['connect']! + raw['read']! + raw['write']! + raw['status']! + raw['timeout']!;
    return {
      requests: raw['requests']!,
      errors,
      seconds,
      rps: raw['requests']! / seconds,
      p50: raw['p50_us']! / 1000,
      p90: raw['p90_us']! / 1000,
      p99: raw['p99_us']! / 1000,
      max: raw['max_us']! / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a command to its end; resolves with its output (stdout and stderr), rejects naming the exit code. */
export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}:\n${output}`)),
    );
  });
}
