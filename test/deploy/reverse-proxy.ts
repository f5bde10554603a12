import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, chownSync, constants, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import type { LocalCertificate } from './local-ca.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** The snippets docs/production.md shows, as shipped in the package: the test runs exactly these. */
export const NGINX_TEMPLATE = join(ROOT, 'deploy', 'nginx.conf');
export const CADDY_TEMPLATE = join(ROOT, 'deploy', 'Caddyfile');

/** `nobody`: the proxies never run as root, even when the suite does (as in CI). */
const NOBODY = 65534;

/** A reverse proxy in front of the bridge, terminating TLS for `https://localhost:<port>`. */
export interface RunningProxy {
  /** `https://localhost:<port>`: the origin users reach. */
  origin: string;
  /** What the proxy wrote so far (its error log), for failure messages. */
  log(): string;
  /** False once the process has exited (a configuration it refused, a port taken). */
  running(): boolean;
  close(): Promise<void>;
}

export interface ProxyOptions {
  /**
   * A folder of its own for the proxy's configuration, logs and state, inside a folder given to the proxy's user
   * with {@link handToProxyUser} (where the certificate is too).
   */
  dir: string;
  /** The port the proxy listens on (https). */
  port: number;
  /** The port the bridge listens on, on 127.0.0.1. */
  upstreamPort: number;
  tls: LocalCertificate;
}

/**
 * Starts Debian's nginx with deploy/nginx.conf as its site: the server name, port, certificate and upstream filled in,
 * nothing else changed; the surrounding `http {}` only keeps its files in `dir`. Fails when nginx is not installed.
 */
export function startNginx(options: ProxyOptions): RunningProxy {
  const { dir, port, upstreamPort, tls } = options;
  const site = fill(readFileSync(NGINX_TEMPLATE, 'utf8'), NGINX_TEMPLATE, [
    ['listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`],
    ['server_name app.example.com;', 'server_name localhost;'],
    ['/etc/letsencrypt/live/app.example.com/fullchain.pem', tls.certFile],
    ['/etc/letsencrypt/live/app.example.com/privkey.pem', tls.keyFile],
    ['http://127.0.0.1:3000;', `http://127.0.0.1:${upstreamPort};`],
  ]);
  writeFileSync(join(dir, 'tokenbridge.conf'), site);
  const temp = (name: string) => `${name} ${join(dir, name.replace(/_temp_path$/, ''))};`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      'error_log stderr warn;',
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `  ${temp(`${name}_temp_path`)}`),
      `  include ${join(dir, 'tokenbridge.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const nginx = installed('nginx');
  const args = ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'];
  return run(nginx, args, dir, {}, `https://localhost:${port}`);
}

/**
 * Starts Debian's Caddy with deploy/Caddyfile: the site address becomes `localhost` with the test's certificate
 * (`tls` added, where Caddy would otherwise fetch one from Let's Encrypt), the upstream filled in; global options keep
 * its admin API off, its ports given and its state in `dir`. Fails when Caddy is not installed.
 */
export async function startCaddy(options: ProxyOptions): Promise<RunningProxy> {
  const { dir, port, upstreamPort, tls } = options;
  const site = fill(readFileSync(CADDY_TEMPLATE, 'utf8'), CADDY_TEMPLATE, [
    ['app.example.com {', `localhost {\n\ttls ${tls.certFile} ${tls.keyFile}`],
    ['reverse_proxy 127.0.0.1:3000 {', `reverse_proxy 127.0.0.1:${upstreamPort} {`],
  ]);
  const global = [
    '{',
    '\tadmin off',
    '\tauto_https disable_redirects',
    '\tskip_install_trust',
    '\tdefault_bind 127.0.0.1',
    `\thttp_port ${await freePort()}`,
    `\thttps_port ${port}`,
    `\tstorage file_system ${join(dir, 'data')}`,
    '}',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'Caddyfile'), global + site);
  const caddy = installed('caddy');
  const env = { HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  const args = ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'];
  return run(caddy, args, dir, env, `https://localhost:${port}`);
}

/**
 * A TCP port on 127.0.0.1 held until `release()`, for a process that must be told its port before it starts: the
 * caller releases it just before starting that process, so nothing else is handed the port meanwhile.
 */
export async function reservePort(): Promise<{ port: number; release(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return { port: address.port, release: () => new Promise<void>((done) => server.close(() => done())) };
}

async function freePort(): Promise<number> {
  const reserved = await reservePort();
  await reserved.release();
  return reserved.port;
}

/**
 * `template` with each placeholder replaced; each must occur exactly once, so a template that drifts from what the
 * test expects fails here rather than running something else.
 */
export function fill(template: string, name: string, replacements: Array<[string, string]>): string {
  let text = template;
  for (const [from, to] of replacements) {
    const count = text.split(from).length - 1;
    if (count !== 1) throw new Error(`${name}: expected "${from}" exactly once, found it ${count} times.`);
    text = text.replace(from, () => to);
  }
  return text;
}

/** The full path of an installed command, looked up on PATH and in the sbin folders; throws when it is missing. */
function installed(command: string): string {
  const folders = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const folder of folders.filter((entry) => entry !== '')) {
    const path = join(folder, command);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not in this folder.
    }
  }
  throw new Error(`${command} is not installed: apt-get install ${command} (the reverse-proxy test needs it).`);
}

function run(command: string, args: string[], dir: string, env: Record<string, string>, origin: string): RunningProxy {
  const asNobody = process.getuid?.() === 0;
  const child: ChildProcess = spawn(command, args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asNobody ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  let log = '';
  child.on('error', (error) => {
    log += `${error.message}\n`;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    origin,
    log: () => log,
    running: () => child.pid !== undefined && child.exitCode === null && child.signalCode === null,
    async close() {
      if (child.pid === undefined) return;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * When the suite runs as root, gives `dir` and everything in it to the unprivileged user the proxies run as, so they
 * can read their certificate and write their state there. Nothing to do otherwise: the proxies run as the suite's user.
 */
export function handToProxyUser(dir: string): void {
  if (process.getuid?.() === 0) chownTree(dir, NOBODY);
}

function chownTree(dir: string, uid: number): void {
  chownSync(dir, uid, uid);
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) chownTree(path, uid);
    else chownSync(path, uid, uid);
  }
}
