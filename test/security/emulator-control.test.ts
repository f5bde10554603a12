import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClerkEmulator, startClerkEmulator } from '../../src/sandbox/clerk/index.js';
import { type GoogleEmulator, startGoogleEmulator } from '../../src/sandbox/google/index.js';
import { isLoopbackName, ManualClock } from '../../src/sandbox/kit/index.js';

let google: GoogleEmulator;
let clerk: ClerkEmulator;
beforeAll(async () => {
  google = await startGoogleEmulator({ clients: [], clock: new ManualClock(Date.UTC(2026, 11, 1)) });
  clerk = await startClerkEmulator({
    google: { url: google.url, clientId: 'c.apps.googleusercontent.com', clientSecret: 'secret' },
    webhook: { url: 'http://127.0.0.1:9/webhooks' },
  });
});
afterAll(async () => {
  await Promise.all([clerk.close(), google.close()]);
});

/** A raw request, so Host, Origin and the body go on the wire exactly as a browser (or an attacker) writes them. */
function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const emulators = () =>
  [
    ['Google', google.url, '/__emulator/clock/advance', '{"seconds":1}'],
    ['Clerk', clerk.url, '/__emulator/users', '{"email":"form@example.com"}'],
  ] as const;

describe.each([0, 1])('an emulator’s control API (%#: Google, Clerk)', (which) => {
  const target = () => emulators()[which]!;

  it.each([
    ['application/x-www-form-urlencoded', 'email=form%40example.com&seconds=1'],
    ['text/plain', '{"email":"form@example.com","seconds":1}'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="seconds"\r\n\r\n1\r\n--x--\r\n'],
  ])('refuses a cross-site form post (%s) with 415, changing nothing', async (type, body) => {
    const [, url, path] = target();
    const before = which === 0 ? google.control.now() : clerk.control.counters();
    const answer = await send(url, 'POST', path, { 'content-type': type }, body);
    expect(answer.status).toBe(415);
    expect(() => JSON.parse(answer.body)).not.toThrow();
    if (which === 0) expect(google.control.now()).toBe(before);
    else expect(JSON.stringify(clerk.control.counters())).toBe(JSON.stringify(before));
  });

  it('refuses a bodiless form post (a form with no fields) to reset', async () => {
    const [, url] = target();
    const answer = await send(url, 'POST', '/__emulator/reset', {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': '0',
    });
    expect(answer.status).toBe(415);
  });

  it.each([
    ['Origin from another site', { origin: 'https://evil.test' }],
    ['Origin null', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
  ])('refuses a request a browser marks as cross-origin (%s) with 403', async (_, extra) => {
    const [, url, path, json] = target();
    const answer = await send(url, 'POST', path, { 'content-type': 'application/json', ...extra }, json);
    expect(answer.status).toBe(403);
  });

  it.each(['evil.test', 'evil.test:3001', 'rebind.127.0.0.1.nip.io', '[::2]'])(
    'refuses a request whose Host names %s (DNS rebinding) with 403',
    async (host) => {
      const [, url] = target();
      const answer = await send(url, 'GET', '/__emulator/counters', { host });
      expect(answer.status).toBe(403);
    },
  );

  it('answers tools that send JSON to a loopback name, as before', async () => {
    const [, url, path, json] = target();
    const port = new URL(url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `app.localhost:${port}`]) {
      const body = json.replace('form@', `${host.replace(/[^a-z0-9]/g, '')}@`);
      const answer = await send(url, 'POST', path, { host, 'content-type': 'application/json' }, body);
      expect(answer.status, host).toBe(200);
    }
    expect((await send(url, 'GET', '/__emulator/counters', {})).status).toBe(200);
    expect((await send(url, 'DELETE', '/__emulator/faults', {})).status).toBe(200);
    const sameOrigin = await send(url, 'GET', '/__emulator/counters', { origin: url, 'sec-fetch-site': 'same-origin' });
    expect(sameOrigin.status).toBe(200);
  });

  it('leaves the emulated Google and Clerk APIs alone: only the control API is guarded', async () => {
    const [name, url] = target();
    const path = name === 'Google' ? '/.well-known/openid-configuration' : '/.well-known/jwks.json';
    expect((await send(url, 'GET', path, { host: 'evil.test', origin: 'https://evil.test' })).status).toBe(200);
  });
});

describe('an emulator started on a host that is not loopback', () => {
  it('is reached by other names on purpose, so it skips the Host check (the other checks hold)', async () => {
    const open = await startGoogleEmulator({ clients: [], host: '0.0.0.0' });
    try {
      const url = open.url.replace('0.0.0.0', '127.0.0.1');
      expect((await send(url, 'GET', '/__emulator/counters', { host: 'google.internal:3001' })).status).toBe(200);
      const form = await send(url, 'POST', '/__emulator/reset', { 'content-type': 'text/plain' }, 'x');
      expect(form.status).toBe(415);
    } finally {
      await open.close();
    }
  });

  it('loopback names are localhost, *.localhost, 127.0.0.0/8 and ::1', () => {
    for (const name of ['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) {
      expect(isLoopbackName(name), name).toBe(true);
    }
    for (const name of ['0.0.0.0', 'evil.test', 'localhost.evil.test', '128.0.0.1', '::2', '10.0.0.1', '']) {
      expect(isLoopbackName(name), name).toBe(false);
    }
  });
});

describe('the Clerk emulator’s PUT /__emulator/webhooks', () => {
  it('does not say the signing secret back unless asked with ?reveal=secret', async () => {
    const json = { 'content-type': 'application/json' };
    const body = JSON.stringify({ url: 'http://127.0.0.1:9/hooks' });
    const quiet = await send(clerk.url, 'PUT', '/__emulator/webhooks', json, body);
    expect(quiet.status).toBe(200);
    expect(JSON.parse(quiet.body)).toEqual({ endpoint: { url: 'http://127.0.0.1:9/hooks' } });
    expect(quiet.body).not.toContain('whsec_');
    const asked = await send(clerk.url, 'PUT', '/__emulator/webhooks?reveal=secret', json, body);
    expect(JSON.parse(asked.body)).toEqual({
      endpoint: { url: 'http://127.0.0.1:9/hooks', secret: clerk.webhookSecret },
    });
  });
});
