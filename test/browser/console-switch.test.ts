import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/cli/sandbox.js';
import { parseEnv, resolveServiceConfig } from '../../src/config/env.js';
import { Keyring } from '../../src/core/keyring.js';
import { buildServer } from '../../src/http/server.js';
import { fakeBridge, testConfig } from '../http/fixtures.js';
import { builtClient } from './built-client.js';

// The console at / is on or off by TOKENBRIDGE_CONSOLE: off unless set in production, on in the sandbox (its
// launcher turns it on; the service itself never asks whether it runs in the sandbox). When on, the page runs the
// shipped browser client, served as built: the modules the client imports, and nothing else of the build.

const PRODUCTION = {
  CLERK_SECRET_KEY: 'sk_test_abc',
  GOOGLE_CLIENT_ID: 'client.apps.googleusercontent.com',
  GOOGLE_CLIENT_SECRET: 'GOCSPX-secret',
  TOKENBRIDGE_ENCRYPTION_KEYS: Keyring.generate('k1'),
};

let app: FastifyInstance | undefined;
let cleanup: (() => Promise<void>) | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
  await cleanup?.();
  cleanup = undefined;
});

/** The bridge's HTTP server with `console` as configured, on a free port; resolves with its URL. */
async function serve(console: boolean | undefined): Promise<string> {
  app = await buildServer({
    config: testConfig('unused', { console }),
    bridge: fakeBridge(),
    store: {
      health: async () => ({ database: 'ok', locks: 'ok', changeFeed: 'ok' }),
    },
    logger: pino({ level: 'silent' }),
    clientRoot: await builtClient(),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

const status = async (url: string) => (await fetch(url)).status;

describe('TOKENBRIDGE_CONSOLE', () => {
  it('reads on and off (and true/false, 1/0), is unset by default, and names itself when wrong', () => {
    expect(parseEnv({}).console).toBeUndefined();
    expect(parseEnv({ TOKENBRIDGE_CONSOLE: 'on' }).console).toBe(true);
    expect(parseEnv({ TOKENBRIDGE_CONSOLE: 'OFF' }).console).toBe(false);
    expect(parseEnv({ TOKENBRIDGE_CONSOLE: 'true' }).console).toBe(true);
    expect(parseEnv({ TOKENBRIDGE_CONSOLE: '0' }).console).toBe(false);
    expect(() => parseEnv({ TOKENBRIDGE_CONSOLE: 'maybe' })).toThrow(/^TOKENBRIDGE_CONSOLE: expected on or off/);
  });

  it('production leaves the console off unless it is switched on', () => {
    expect(resolveServiceConfig(parseEnv(PRODUCTION), { port: 3000 }).console).toBe(false);
    const on = parseEnv({ ...PRODUCTION, TOKENBRIDGE_CONSOLE: 'on' });
    expect(resolveServiceConfig(on, { port: 3000 }).console).toBe(true);
  });

  it('off: the page, its scripts and the client modules are not served; the API is', async () => {
    const url = await serve(false);
    expect(await status(`${url}/`)).toBe(404);
    expect(await status(`${url}/web/console.js`)).toBe(404);
    expect(await status(`${url}/modules/client/index.js`)).toBe(404);
    expect(await status(`${url}/healthz`)).toBe(200);
    expect(await status(`${url}/api/config`)).toBe(200);
  });

  it('on: the page and the client it imports are served, and no other module of the build', async () => {
    const url = await serve(true);
    expect(await status(`${url}/`)).toBe(200);
    const page = await (await fetch(`${url}/web/console.js`)).text();
    expect(page).toContain("from '../modules/client/index.js'");
    const client = await fetch(`${url}/modules/client/index.js`);
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await client.text()).toContain('createTokenbridgeClient');
    // What the client imports (the scope hierarchy) is served; what it does not (the sandbox, built beside it) is not.
    expect(await status(`${url}/modules/core/scopes.js`)).toBe(200);
    expect(await status(`${url}/modules/sandbox/kit/clock.js`)).toBe(404);
    expect(await status(`${url}/modules/tsconfig.json`)).toBe(404);
    expect(await status(`${url}/modules/client%2F..%2F..%2Fpackage.json`)).toBe(404);
  });

  it('the sandbox launcher turns it on, unless TOKENBRIDGE_CONSOLE says off', async () => {
    for (const [value, expected] of [
      [undefined, 200],
      ['off', 404],
    ] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'tokenbridge-console-'));
      const sandbox = await startSandbox(
        parseEnv({
          PORT: '0',
          SANDBOX_GOOGLE_PORT: '0',
          SANDBOX_CLERK_PORT: '0',
          DATABASE_URL: join(dir, 'tokenbridge.db'),
          ...(value === undefined ? {} : { TOKENBRIDGE_CONSOLE: value }),
        }),
        { withBridge: true, logger: pino({ level: 'silent' }), dataDir: dir },
      );
      cleanup = async () => {
        await sandbox.close();
        rmSync(dir, { recursive: true, force: true });
      };
      expect(await status(`${sandbox.config.publicUrl}/`), `TOKENBRIDGE_CONSOLE=${value}`).toBe(expected);
      await cleanup();
      cleanup = undefined;
    }
  });
});
