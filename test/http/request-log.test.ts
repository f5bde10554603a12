import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { LogLevel } from '../../src/config/env.js';
import { buildServer } from '../../src/http/server.js';
import { fakeBridge, ORIGIN, sampleToken, testConfig } from './fixtures.js';

// The request log costs a served request one line at info and nothing at warn: no per-request child logger either way.

async function serve(level: LogLevel) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const lines: Array<Record<string, unknown>> = [];
  let children = 0;
  const logger = pino(
    { level, onChild: () => void children++ },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const app = await buildServer({
    config: testConfig(await exportSPKI(publicKey), { logLevel: level }),
    bridge: fakeBridge({ getAccessToken: async () => sampleToken() }),
    store: { health: async () => ({ database: 'ok', locks: 'ok', changeFeed: 'ok' }) },
    logger,
  });
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sid: 'sess_1', azp: ORIGIN })
    .setProtectedHeader({ alg: 'RS256', kid: 'ins_1' })
    .setSubject('user_1')
    .setIssuedAt(now - 5)
    .setNotBefore(now - 5)
    .setExpirationTime(now + 60)
    .sign(privateKey);
  const ask = () => app.inject({ url: '/api/google-token', headers: { authorization: `Bearer ${token}` } });
  await app.ready();
  return { app, ask, lines, children: () => children };
}

describe('the request log', () => {
  it('at warn, served requests write no line and make no child logger', async () => {
    const { app, ask, lines, children } = await serve('warn');
    const before = children();
    for (let i = 0; i < 5; i++) expect((await ask()).statusCode).toBe(200);
    expect(children()).toBe(before);
    expect(lines).toEqual([]);
    await app.close();
  });

  it('at info, each served request is one line with its request id, still without a child logger', async () => {
    const { app, ask, lines, children } = await serve('info');
    const before = children();
    const seen = lines.length;
    for (let i = 0; i < 3; i++) expect((await ask()).statusCode).toBe(200);
    expect(children()).toBe(before);
    const served = lines.slice(seen);
    expect(served.map((line) => line['msg'])).toEqual(['request completed', 'request completed', 'request completed']);
    expect(new Set(served.map((line) => line['reqId'])).size).toBe(3);
    expect(served[0]).toMatchObject({ caller: 'user_1', res: { statusCode: 200 } });
    await app.close();
  });
});
