/** Child processes for the servers under test: baselines and bridge instances, never in the load generator. */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BENCH_DIR = path.join(import.meta.dirname, '..');
const BUILT_SERVICE = path.join(BENCH_DIR, '..', 'dist', 'cli', 'service.js');

/** What the bench asks a bridge instance (see bridge-instance.js). */
export type InstanceRequest = { type: 'advance'; ms: number } | { type: 'stats' } | { type: 'reset-stats' };
/** What a bridge instance answers. */
export type InstanceMessage =
  | { type: 'listening'; port: number }
  | { type: 'ok' }
  | {
      type: 'stats';
      lockWaitsMs: number[];
      refreshMs: number[];
      refreshes: number;
      /** Of the lock waits, those ended by another instance's write without taking the lock. */
      joined: number;
      rssBytes: number;
      maxRssBytes: number;
      loopDelayP99Ms: number;
      loopDelayMaxMs: number;
    };

/** A server running in a child process. */
export interface ChildServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** Resident set size of the child right now, from /proc (bytes). */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * Forks `script` (relative to bench/; TypeScript through tsx, JavaScript with plain node) and resolves once it
 * reports `{ port }` over IPC.
 */
export async function forkServer(
  script: string,
  env: Record<string, string>,
  nodeOptions: readonly string[] = [],
): Promise<ChildServer> {
  const child = fork(path.join(BENCH_DIR, script), [], {
    execArgv: [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), ...nodeOptions],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      const port = (message as { port?: unknown } | null)?.port;
      if (typeof port === 'number') {
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve(port);
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`${script} exited (${code}) before listening:\n${stderr}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    rss: () => rssOf(child.pid),
    stop: () => stopChild(child),
  };
}

/** Ends a child with SIGTERM (it shuts down gracefully) and waits for it. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The resident set size of a process, in bytes (0 when it is gone). */
export function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kib === undefined ? 0 : Number(kib) * 1024;
  } catch {
    return 0;
  }
}

/** Statistics a bridge instance collected (see bridge-instance.ts). */
export type InstanceStats = Extract<InstanceMessage, { type: 'stats' }>;

/** A bridge instance in its own process, with the bench's IPC controls. */
export class BridgeInstance {
  readonly #pending: Array<(message: InstanceMessage) => void> = [];

  private constructor(readonly server: ChildServer) {
    server.child.on('message', (message) => {
      const next = this.#pending.shift();
      if (next) next(message as InstanceMessage);
    });
  }

  /**
   * Starts `bench/lib/bridge-instance.js` (the built service) with the given environment, in production mode;
   * `nodeOptions` go to its node (e.g. `--cpu-prof`).
   */
  static async start(env: Record<string, string>, nodeOptions: readonly string[] = []): Promise<BridgeInstance> {
    if (!existsSync(BUILT_SERVICE)) throw new Error('dist/ is missing: run `npm run build` (`npm run bench` does).');
    return new BridgeInstance(await forkServer('lib/bridge-instance.js', env, nodeOptions));
  }

  get url(): string {
    return this.server.url;
  }

  #ask(request: InstanceRequest): Promise<InstanceMessage> {
    return new Promise((resolve) => {
      this.#pending.push(resolve);
      this.server.child.send(request);
    });
  }

  /** Moves the instance's clock forward. */
  async advance(ms: number): Promise<void> {
    await this.#ask({ type: 'advance', ms });
  }

  async resetStats(): Promise<void> {
    await this.#ask({ type: 'reset-stats' });
  }

  async stats(): Promise<InstanceStats> {
    const answer = await this.#ask({ type: 'stats' });
    if (answer.type !== 'stats') throw new Error(`unexpected answer ${answer.type}`);
    return answer;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

/**
 * The generator's own ceiling: `baselines/responder.c` (a minimal epoll responder), compiled with the system's C
 * compiler. Undefined when there is none: the bench then reports wrk against the hello-world as the nearest figure.
 */
export async function startResponder(): Promise<ChildServer | undefined> {
  const binary = path.join(mkdtempSync(path.join(os.tmpdir(), 'tokenbridge-responder-')), 'responder');
  const built = spawnSync('cc', ['-O2', '-o', binary, path.join(BENCH_DIR, 'baselines', 'responder.c')]);
  if (built.error !== undefined || built.status !== 0) return undefined;
  const child = spawn(binary, [], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /listening on (\d+)/.exec(out)?.[1];
      if (port !== undefined) resolve(Number(port));
    });
    child.once('exit', (code) => reject(new Error(`responder exited (${code}) before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    rss: () => rssOf(child.pid),
    stop: () => stopChild(child),
  };
}
