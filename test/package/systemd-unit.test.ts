import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './packed.js';

/** deploy/tokenbridge.service, as systemd reads it (this machine has systemd's tools, not systemd as its init). */

const run = promisify(execFile);
const UNIT = join(ROOT, 'deploy', 'tokenbridge.service');

describe('the systemd unit', () => {
  it('is a valid unit that runs the package’s bin with `start`', async () => {
    await expect(run('systemd-analyze', ['verify', '--man=no', UNIT])).resolves.toBeDefined();
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const execStart = /^ExecStart=(.*)$/m.exec(readFileSync(UNIT, 'utf8'))?.[1];
    expect(execStart).toBe(`/usr/bin/node /opt/tokenbridge/node_modules/tokenbridge/${manifest.bin.tokenbridge} start`);
  });

  it('is hardened: systemd rates its exposure at most 2.0 ("OK")', async () => {
    const { stdout } = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', UNIT]);
    const exposure = Number(/Overall exposure level for tokenbridge\.service: ([\d.]+)/.exec(stdout)?.[1]);
    expect(exposure).toBeLessThanOrEqual(2);
  });
});
