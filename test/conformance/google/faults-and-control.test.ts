import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControlError, startGoogleEmulator } from '../../../src/sandbox/google/index.js';
import { until } from '../../support/patience.js';
import { ADA, APP, failure, type Harness, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
beforeEach(() => h.google.control.reset());
afterAll(() => h.close());

async function code() {
  const callback = await h.authorize(h.oauthClient(), { scope: ['openid', 'email'], prompt: 'consent' });
  return callback.searchParams.get('code')!;
}

async function control(method: string, path: string, body?: unknown) {
  const response = await fetch(`${h.google.url}/__emulator${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('faults injected on any endpoint reach the official client', () => {
  it('lets gaxios retry two injected 503s on /token and succeed on the third call', async () => {
    const theCode = await code();
    h.google.control.injectFault({ endpoint: '/token', status: 503, times: 2 });
    const { tokens } = await h.oauthClient().getToken(theCode);
    expect(tokens.access_token).toBeDefined();
    expect(h.google.control.counters().calls['/token']).toBe(3);
    expect(h.google.control.counters().grants.authorization_code).toBe(1);
  });

  it('surfaces a persistent 503 after gaxios gives up (1 call + 3 retries), with Retry-After on the wire', async () => {
    const theCode = await code();
    const { status } = await control('POST', '/faults', {
      endpoint: '/token',
      status: 503,
      times: 10,
      retryAfterSeconds: 1,
    });
    expect(status).toBe(200);
    const result = await failure(() => h.oauthClient().getToken(theCode));
    expect(result.status).toBe(503);
    expect(result.data).toEqual({ error: 'internal_failure', error_description: 'Backend Error' });
    expect(h.google.control.counters().calls['/token']).toBe(4);
    const raw = await fetch(`${h.google.url}/token`, { method: 'POST' });
    expect(raw.headers.get('retry-after')).toBe('1');
    await raw.body?.cancel();
  });

  it('drops the connection for a reset fault, and gaxios retries it', async () => {
    const theCode = await code();
    h.google.control.injectFault({ endpoint: '/token', reset: true });
    const { tokens } = await h.oauthClient().getToken(theCode);
    expect(tokens.access_token).toBeDefined();
    expect(h.google.control.counters().calls['/token']).toBe(2);
  });

  it('answers 429 with a custom body on a prefix of paths, and clears faults on demand', async () => {
    h.google.control.injectFault({ endpoint: '/oauth2/*', status: 429, body: { error: 'slow_down' }, times: 5 });
    const limited = await fetch(`${h.google.url}/oauth2/v3/certs`);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: 'slow_down' });
    expect((await control('GET', '/faults')).body.faults).toHaveLength(1);
    expect((await control('DELETE', '/faults')).status).toBe(200);
    expect((await fetch(`${h.google.url}/oauth2/v3/certs`)).status).toBe(200);
  });

  it('applies a probability fault according to the injected randomness, and says how often it fired', async () => {
    const rolls = [0.9, 0.1];
    const seeded = await startGoogleEmulator({ random: () => rolls.shift() ?? 0.9 });
    try {
      const id = seeded.control.injectFault({ endpoint: '/oauth2/v3/certs', status: 500, probability: 0.5 });
      expect((await fetch(`${seeded.url}/oauth2/v3/certs`)).status).toBe(200);
      expect((await fetch(`${seeded.url}/oauth2/v3/certs`)).status).toBe(500);
      expect((await fetch(`${seeded.url}/oauth2/v3/certs`)).status).toBe(200);
      expect(seeded.control.faultFired(id)).toBe(1);
      const listed = await fetch(`${seeded.url}/__emulator/faults`);
      expect(await listed.json()).toMatchObject({ faults: [{ id, fired: 1, remaining: null }] });
      seeded.control.clearFaults();
      expect(seeded.control.faultFired(id)).toBe(1);
    } finally {
      await seeded.close();
    }
  });

  it('holds a call for the injected latency, on time the test lets pass, and then answers normally', async () => {
    // The emulator waits out latency through `sleep`; here each wait ends only when the test ends it.
    const waits: Array<{ ms: number; elapse: () => void }> = [];
    let sleeping: () => void = () => {};
    const asleep = new Promise<void>((resolve) => {
      sleeping = resolve;
    });
    const timed = await startGoogleEmulator({
      sleep: (ms) =>
        new Promise<void>((elapse) => {
          waits.push({ ms, elapse });
          sleeping();
        }),
    });
    try {
      timed.control.injectFault({ endpoint: '/.well-known/openid-configuration', latencyMs: 2_000 });
      let answered = false;
      const pending = fetch(`${timed.url}/.well-known/openid-configuration`).finally(() => {
        answered = true;
      });
      const first = await Promise.race([asleep.then(() => 'waiting'), pending.then(() => 'answered')]);
      expect(first).toBe('waiting');
      expect(waits.map((wait) => wait.ms)).toEqual([2_000]);
      // The server answers other calls meanwhile, and still holds this one: it waits on the latency, nothing else.
      expect((await fetch(`${timed.url}/oauth2/v3/certs`)).status).toBe(200);
      expect(answered).toBe(false);
      waits[0]!.elapse();
      const response = await pending;
      expect(response.status).toBe(200);
      expect(await response.json()).toHaveProperty('token_endpoint');
      expect(waits).toHaveLength(1);
    } finally {
      await timed.close();
    }
  });
});

describe('the control API under /__emulator/', () => {
  it('holds a call until the test releases it, then lets it finish normally; the HTTP API says how many are held', async () => {
    const theCode = await code();
    h.google.control.injectFault({ endpoint: '/token', hold: true });
    let settled = false;
    const pending = h
      .oauthClient()
      .getToken(theCode)
      .finally(() => {
        settled = true;
      });
    await h.google.control.whenHeld();
    expect((await control('GET', '/faults')).body.held).toBe(1);
    expect(settled).toBe(false);
    expect(h.google.control.counters().grants.authorization_code).toBe(0);
    expect(await control('POST', '/faults/release')).toEqual({ status: 200, body: { released: 1 } });
    const { tokens } = await pending;
    expect(tokens.access_token).toBeDefined();
    expect(h.google.control.counters().grants.authorization_code).toBe(1);
  });

  it('does nothing for a held call whose caller went away', async () => {
    const theCode = await code();
    h.google.control.injectFault({ endpoint: '/token', hold: true });
    const caller = new AbortController();
    const call = fetch(`${h.google.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: theCode, redirect_uri: APP.redirectUri }),
      signal: caller.signal,
    }).catch((error: unknown) => error);
    await h.google.control.whenHeld();
    caller.abort();
    await call;
    await until(
      async () => (await control('GET', '/faults')).body.held,
      (held) => held === 0,
    );
    expect(h.google.control.releaseHeld()).toBe(0);
    expect(h.google.control.counters().grants.authorization_code).toBe(0);
  });

  it('counts calls per endpoint and token grants per grant type', async () => {
    const client = h.oauthClient();
    const callback = await h.authorize(client, { scope: ['openid'], access_type: 'offline', prompt: 'consent' });
    const { tokens } = await client.getToken(callback.searchParams.get('code')!);
    client.setCredentials({ refresh_token: tokens.refresh_token! });
    await client.refreshAccessToken();
    await client.refreshAccessToken();
    const { body } = await control('GET', '/counters');
    expect(body.grants).toEqual({ authorization_code: 1, refresh_token: 2 });
    expect(body.calls).toMatchObject({ '/o/oauth2/v2/auth': 1, '/o/oauth2/v2/auth/chooser': 1, '/token': 3 });
  });

  it('registers a client after start-up (upsert), so a server on port 0 can add its redirect URI', async () => {
    const redirectUri = 'http://127.0.0.1:54321/callback';
    const added = await control('POST', '/clients', {
      clientId: 'late-app',
      clientSecret: 'late-secret',
      redirectUris: [redirectUri],
    });
    expect(added.status).toBe(200);
    const client = h.oauthClient({ clientId: 'late-app', clientSecret: 'late-secret', redirectUri });
    const callback = await h.authorize(client, { scope: ['openid'] });
    expect(callback.origin).toBe('http://127.0.0.1:54321');
    const listed = (await control('GET', '/clients')).body.clients as Array<Record<string, unknown>>;
    expect(listed.find((c) => c.clientId === 'late-app')).not.toHaveProperty('clientSecret');
  });

  it('moves the emulator clock forward and reports it', async () => {
    const before = (await control('GET', '/clock')).body.epochMs as number;
    const after = await control('POST', '/clock/advance', { seconds: 90 });
    expect(after.body.epochMs).toBe(before + 90_000);
  });

  it('sets token lifetimes, expires tokens and resets everything over HTTP', async () => {
    expect((await control('POST', '/token-lifetime', { clientId: APP.clientId, seconds: 600 })).status).toBe(200);
    const client = h.oauthClient();
    const { tokens } = await client.getToken(await code());
    expect(tokens.expiry_date! - Date.now()).toBeLessThanOrEqual(600_000);
    expect((await control('POST', '/tokens/expire', { email: ADA })).body.expired).toBe(1);
    expect((await control('POST', '/reset')).status).toBe(200);
    expect((await control('GET', '/counters')).body).toEqual({
      calls: {},
      grants: { authorization_code: 0, refresh_token: 0 },
    });
  });

  it('refuses malformed control requests with a 4xx JSON error, and unknown accounts with 404', async () => {
    expect((await control('POST', '/faults', { status: 'soon' })).status).toBe(400);
    expect((await control('POST', '/clock/advance', { seconds: -1 })).status).toBe(400);
    const unknown = await control('POST', '/grants/revoke', { email: 'nobody@example.com' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
    expect(() => h.google.control.revokeGrant({ email: 'nobody@example.com' })).toThrow(ControlError);
    expect((await control('POST', '/token-lifetime', { clientId: 'ghost', seconds: 60 })).status).toBe(404);
  });

  it('answers /healthz with 200', async () => {
    expect((await fetch(`${h.google.url}/healthz`)).status).toBe(200);
  });
});
