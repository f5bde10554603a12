import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BrowserSignIn, signInByEmail } from '../../src/sandbox/clerk/index.js';
import { completeConsent } from '../../src/sandbox/google/index.js';
import { ROOT, type Started, start } from '../package/packed.js';
import { freePort, readmeCommands } from '../support/readme-commands.js';

// examples/express and examples/fastify started with the commands their README.md gives, run by bash: the sandbox with
// `--write-env`, then the app with Node's `--env-file`. Only the port and the dotenv file's place differ (a free port,
// a temporary file), so a developer's own run, or a second suite, can go on beside. Then a signed-in user connects
// Google through the app's own bridge routes and gets a token.

const running: Started[] = [];
let work: string | undefined;
afterEach(async () => {
  for (const run of running.splice(0)) await run.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  work = undefined;
});

describe.each(['express', 'fastify'])('examples/%s, run as its README says', (example) => {
  it('starts against the sandbox, and a signed-in user connects Google and gets a token through the app', async () => {
    const [sandboxLine, appLine] = readmeCommands(join(ROOT, 'examples', example, 'README.md'));
    const envFile = `examples/${example}/.env`;
    expect(sandboxLine).toBe(
      `PUBLIC_URL=http://localhost:3000/api/tokenbridge npm run sandbox -- --write-env ${envFile}`,
    );
    expect(appLine).toBe(`PORT=3000 node --env-file=${envFile} --import tsx examples/${example}/server.ts`);

    work = mkdtempSync(join(tmpdir(), `tb-${example}-`));
    const port = await freePort();
    const localize = (line: string) => line.replaceAll('3000', String(port)).replaceAll(envFile, join(work!, '.env'));
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SANDBOX_GOOGLE_PORT: String(await freePort()),
      SANDBOX_CLERK_PORT: String(await freePort()),
      SANDBOX_DATA_DIR: join(work, 'sandbox'),
    };
    const sandbox = start('bash', ['-c', localize(sandboxLine!)], ROOT, env);
    running.push(sandbox);
    const clerkUrl = (await sandbox.waitFor(/CLERK_API_URL=(\S+)/))[1]!;
    await sandbox.waitFor(/Press Ctrl\+C to stop\./);
    const app = start('bash', ['-c', localize(appLine!)], ROOT, {
      PATH: env.PATH,
      HOME: env.HOME,
      DATABASE_URL: join(work, 'app.db'),
    });
    running.push(app);
    const appUrl = `http://localhost:${port}`;
    await expect
      .poll(() =>
        fetch(`${appUrl}/api/tokenbridge/healthz`).then(
          (r) => r.status,
          () => 0,
        ),
      )
      .toBe(200);

    const ada: BrowserSignIn = await signInByEmail({ url: clerkUrl }, `ada.${example}@example.com`, {
      redirectUrl: `${appUrl}/`,
    });
    const get = (path: string) =>
      fetch(`${appUrl}${path}`, { headers: { cookie: ada.appCookieHeader }, redirect: 'manual' });
    const refused = await get('/api/tokenbridge/api/google-token?scope=drive.readonly');
    expect(refused.status).toBe(409);
    const { error } = (await refused.json()) as { error: { code: string; connectUrl: string } };
    expect(error.code).toBe('not_connected');

    const connect = await get(new URL(error.connectUrl).pathname + new URL(error.connectUrl).search);
    expect(connect.status).toBe(302);
    const back = await completeConsent(connect.headers.get('location')!, { account: 'ada@example.com' });
    const cookie = connect.headers.get('set-cookie')?.split(';')[0];
    const landed = await fetch(`${appUrl}${back.pathname}${back.search}`, {
      headers: { cookie: `${ada.appCookieHeader}; ${cookie ?? ''}` },
      redirect: 'manual',
    });
    expect(landed.status).toBe(302);

    const token = await get('/api/tokenbridge/api/google-token?scope=drive.readonly');
    expect(token.status).toBe(200);
    expect(((await token.json()) as { accessToken: string }).accessToken).toMatch(/^ya29\./);
  });
});
