import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** The repository this test runs in. */
export const ROOT = resolve(import.meta.dirname, '../..');

const run = promisify(execFile);
/** What a child process may print before the test stops reading it into an error message. */
const MAX_OUTPUT = 64 * 1024 * 1024;

/** What `npm pack --json` reports about the tarball. */
export interface Packed {
  tarball: string;
  /** Bytes of the .tgz. */
  size: number;
  unpackedSize: number;
  files: string[];
}

/** Paths of the checkout that never belong in a copy of its sources: installs, builds, data, git. */
const NOT_SOURCES = new Set(['node_modules', '.git', 'dist', 'data', 'coverage', 'test-artifacts']);

/**
 * `npm pack` as a release would run it (its `prepack` builds), in a copy of the checkout's sources inside `work`: the
 * checkout's own dist/ is never rebuilt under a suite or an `npm start` running beside this one. The copy has all of
 * src/, test/, bench/, scripts/…, so what the tarball leaves out is the `files` list's doing.
 */
export async function pack(work: string): Promise<Packed> {
  const source = join(work, 'source');
  cpSync(ROOT, source, {
    recursive: true,
    filter: (path) => {
      const name = basename(path);
      return !(NOT_SOURCES.has(name) || name.startsWith('dist.'));
    },
  });
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: source,
    env: npmEnv(),
    maxBuffer: MAX_OUTPUT,
  });
  // The build's own output (if any) comes first; npm's JSON report is the last thing printed.
  const [report] = JSON.parse(stdout.slice(stdout.lastIndexOf('\n[') + 1)) as Array<{
    filename: string;
    size: number;
    unpackedSize: number;
    files: Array<{ path: string }>;
  }>;
  if (!report) throw new Error(`npm pack reported nothing: ${stdout.slice(-2000)}`);
  return {
    tarball: join(work, report.filename),
    size: report.size,
    unpackedSize: report.unpackedSize,
    files: report.files.map((file) => file.path),
  };
}

/**
 * An empty project at `dir` into which `npm install --prefer-offline --omit=dev <tarball>` installs the package;
 * `extra` names dependencies of the package that the project uses directly too (an app using Clerk has
 * `@clerk/backend`).
 *
 * The project carries a lock file pinning the package's production dependencies at the versions this repository's
 * lock pins, as any project with a lock file does, so the packages come from the cache `npm ci` filled. The registry
 * may still be asked for metadata: npm checks the package's optional peers (express, next, …) against the registry's
 * list of versions, which `npm ci` never fetches, so a fresh machine's cache lacks it (an `--offline` install failed
 * there with ERESOLVE "Found: express@undefined"). Install
 * scripts are skipped: the only one among the production dependencies is better-sqlite3's, which compiles SQLite for
 * minutes or downloads a binary; the project gets the binding this checkout's install built for this same Node.
 */
export async function installInto(dir: string, tarball: string, extra: string[] = []): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    license: string;
    bin: Record<string, string>;
    engines: Record<string, string>;
    dependencies: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  const spec = `file:${tarball}`;
  const dependencies: Record<string, string> = { tokenbridge: spec };
  for (const name of extra) dependencies[name] = manifest.dependencies[name] ?? 'missing';
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies },
    'node_modules/tokenbridge': {
      version: manifest.version,
      resolved: spec,
      license: manifest.license,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && entry.dev !== true && entry.devOptional !== true) packages[path] = entry;
  }
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
  await run(
    'npm',
    ['install', '--prefer-offline', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', tarball],
    {
      cwd: dir,
      env: npmEnv({ npm_config_offline: 'false' }),
      maxBuffer: MAX_OUTPUT,
    },
  );
  const binding = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  mkdirSync(join(dir, binding, '..'), { recursive: true });
  copyFileSync(join(ROOT, binding), join(dir, binding));
}

/** What a fresh shell has that npm needs: the user's PATH, home and npm cache, and nothing of this test's. */
const KEPT = /^(PATH|HOME|TMPDIR|LANG|npm_config_(cache|userconfig|registry))$/i;

/** The environment npm runs in here: a fresh shell's, with no update check and no network. */
export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => KEPT.test(name))),
    npm_config_update_notifier: 'false',
    npm_config_offline: 'true',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...extra,
  };
}

/** A command started in a process group of its own (npx → sh → node), so stopping it stops all of them. */
export interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves with the match once stdout matches `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** SIGTERM to the whole group, then waits for the command to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `command args` in `cwd` with `env`, as a user's shell would. */
export function start(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Started {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern) {
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          const match = out.match(pattern);
          if (!match) return;
          child.stdout?.off('data', check);
          resolvePromise(match);
        };
        child.stdout?.on('data', check);
        exited.then((code) =>
          reject(new Error(`${command} ${args.join(' ')} exited with ${code} before printing ${pattern}:\n${err}`)),
        );
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      signalGroup(signal);
      const code = await exited;
      // Whatever the group's leader left behind (a child that ignored the signal) goes too.
      signalGroup('SIGKILL');
      return code;
    },
  };
}
