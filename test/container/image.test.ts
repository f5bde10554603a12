import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/core/keyring.js';
import { installInto, pack, ROOT } from '../package/packed.js';
import { until } from '../support/patience.js';

/**
 * deploy/container/: the base made by debootstrap from Debian's packages (kept between runs: it changes only with
 * Debian), the packed package installed on it, and the image started with podman as the docs say. `npm run
 * test:container` (run by .ci/run): building the base the first time downloads Debian for a few minutes.
 */

const exec = promisify(execFile);
const BASE = 'localhost/tokenbridge-base:trixie';
const IMAGE = `localhost/tokenbridge-test:${process.pid}`;
const SCRIPTS = join(ROOT, 'deploy', 'container');

let work: string;
let env: NodeJS.ProcessEnv;
let container: string | undefined;

const podman = async (...args: string[]) =>
  (await exec('podman', args, { env, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();

/** This process's own limit (soft and hard) on `name` in /proc/self/limits. */
function limit(name: string): string {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const [soft, hard] = (line?.slice(name.length).trim().split(/\s+/) ?? []).map((v) => (v === 'unlimited' ? -1 : v));
  return `${soft}:${hard}`;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tb-container-'));
  // Containers get this process's own file limit and a modest process limit rather than podman's defaults, which
  // raising would need CAP_SYS_RESOURCE (root on these machines lacks it); and runc, as crun refuses the hybrid
  // cgroup layout these machines have.
  writeFileSync(
    join(work, 'containers.conf'),
    `[containers]\ndefault_ulimits = ["nofile=${limit('Max open files')}", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n`,
  );
  env = { ...process.env, CONTAINERS_CONF: join(work, 'containers.conf') };
  const hasBase = await exec('podman', ['image', 'exists', BASE], { env }).then(
    () => true,
    () => false,
  );
  if (!hasBase) await exec(join(SCRIPTS, 'build-base.sh'), [BASE], { env, maxBuffer: 64 * 1024 * 1024 });
  const packed = await pack(work);
  await installInto(join(work, 'project'), packed.tarball);
  await exec(join(SCRIPTS, 'build-image.sh'), [join(work, 'project')], {
    env: { ...env, IMAGE, BASE },
    maxBuffer: 64 * 1024 * 1024,
  });
}, 1_800_000); // a bound on failure only: the first run downloads and unpacks Debian

afterAll(async () => {
  if (container) await podman('rm', '--force', container).catch(() => undefined);
  await podman('rmi', '--force', IMAGE).catch(() => undefined);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the container image', () => {
  it('runs `tokenbridge start` unprivileged, answers, is ready, and stops gracefully on `podman stop`', async () => {
    container = await podman(
      'run',
      '--detach',
      '--publish',
      '127.0.0.1::3000',
      ...['--env', 'CLERK_SECRET_KEY=sk_test_container000000000000000000'],
      ...['--env', 'GOOGLE_CLIENT_ID=1000000009-container.apps.googleusercontent.com'],
      ...['--env', 'GOOGLE_CLIENT_SECRET=GOCSPX-container-secret'],
      ...['--env', `TOKENBRIDGE_ENCRYPTION_KEYS=${Keyring.generate('k1')}`],
      ...['--env', 'PUBLIC_URL=https://bridge.example.com'],
      IMAGE,
    );
    const address = (await podman('port', container, '3000/tcp')).split('\n')[0]!;
    const health = await until(
      () =>
        fetch(`http://${address}/healthz`).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 200,
    );
    expect(health).toBe(200);
    const ready = await fetch(`http://${address}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    const refused = await fetch(`http://${address}/api/google-token`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'unauthenticated' } });

    const [user, top] = await Promise.all([
      podman('inspect', '--format', '{{.Config.User}}', container),
      podman('top', container, 'user', 'args'),
    ]);
    expect(user).toBe('65532:65532');
    expect(top).toMatch(
      /65532\s+\/usr\/bin\/node \/opt\/tokenbridge\/node_modules\/tokenbridge\/bin\/tokenbridge\.js start/,
    );

    await podman('stop', '--time', '60', container);
    expect(await podman('inspect', '--format', '{{.State.ExitCode}}', container)).toBe('0');
    expect(await podman('logs', container)).toContain('shutting down');
  }, 300_000);
});
