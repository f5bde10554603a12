import { createServer, request as httpRequest, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeBridge, sampleToken, startTestServer } from './fixtures.js';

// PUBLIC_URL=https://app.example.com/tokenbridge: the bridge serves every route, the console, its redirects and its
// cookies under /tokenbridge, so a reverse proxy forwards /tokenbridge/… unchanged. test/deploy/reverse-proxy.test.ts
// runs the same through nginx and Caddy with TLS.

const PUBLIC_URL = 'https://app.example.com/tokenbridge';

type TestServer = Awaited<ReturnType<typeof startTestServer>>;
let server: TestServer | undefined;
let google: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await new Promise<void>((resolve) => (google ? google.close(() => resolve()) : resolve()));
  google = undefined;
});

const mounted = (options: Parameters<typeof startTestServer>[0] = {}) =>
  startTestServer({ ...options, config: { publicUrl: PUBLIC_URL, ...options.config } });

/** A GET sent with its path exactly as written (fetch would normalise it). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port, pathname, search } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: hostname, port, path: pathname + search, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('a bridge mounted under PUBLIC_URL’s path', () => {
  it('serves its API under the path and nothing at the root', async () => {
    server = await mounted({ bridge: fakeBridge({ getAccessToken: async () => sampleToken() }) });
    const bearer = { authorization: `Bearer ${await server.sign()}` };
    const token = await fetch(`${server.url}/tokenbridge/api/google-token?scope=drive.readonly`, { headers: bearer });
    expect(token.status).toBe(200);
    expect(await token.json()).toMatchObject({ accessToken: 'ya29.sample-access-token' });
    const atRoot = await fetch(`${server.url}/api/google-token?scope=drive.readonly`, { headers: bearer });
    expect(atRoot.status).toBe(404);
    // What a proxy that strips the prefix would meet, with the fix in the message.
    expect(await atRoot.json()).toMatchObject({
      error: { code: 'not_found', message: expect.stringContaining('must forward that path unchanged') },
    });
    const inside = await fetch(`${server.url}/tokenbridge/api/nothing-here`);
    expect(((await inside.json()) as { error: { message: string } }).error.message).toBe(
      'No route for GET /tokenbridge/api/nothing-here.',
    );
  });

  it('the connect redirect sets its return cookie on the prefixed callback path, Secure, and returns home by default', async () => {
    const bridge = fakeBridge();
    server = await mounted({ bridge });
    const session = { cookie: `__session=${await server.sign()}` };
    const start = await fetch(`${server.url}/tokenbridge/connect/google?scope=drive.readonly`, {
      headers: session,
      redirect: 'manual',
    });
    expect(start.status).toBe(302);
    const [cookie] = start.headers.getSetCookie();
    expect(cookie).toMatch(/^tb_return_to=/);
    expect(cookie).toMatch(/;\s*Path=\/tokenbridge\/oauth\/google\/callback(;|$)/i);
    expect(cookie).toMatch(/;\s*Secure/i);
    // No return_to: back to the bridge's own page, not to the site's.
    expect(bridge.calls).toContainEqual([
      'createAuthorizationUrl',
      expect.objectContaining({ returnTo: '/tokenbridge/' }),
    ]);

    const denied = await fetch(`${server.url}/tokenbridge/oauth/google/callback?error=access_denied&state=s1`, {
      redirect: 'manual',
    });
    expect(denied.status).toBe(302);
    expect(denied.headers.get('location')).toBe('/tokenbridge/?google_connect=access_denied');
    expect(denied.headers.getSetCookie()[0]).toMatch(/;\s*Path=\/tokenbridge\/oauth\/google\/callback(;|$)/i);

    const done = await fetch(`${server.url}/tokenbridge/oauth/google/callback?code=4/abc&state=s1`, {
      headers: session,
      redirect: 'manual',
    });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/settings?google_connect=connected');
  });

  it('a return_to outside the site is still refused, and the callback at the root is not served', async () => {
    server = await mounted();
    const session = { cookie: `__session=${await server.sign()}` };
    const open = await fetch(
      `${server.url}/tokenbridge/connect/google?return_to=${encodeURIComponent('//evil.test')}`,
      {
        headers: session,
        redirect: 'manual',
      },
    );
    expect(open.status).toBe(400);
    const rootCallback = await fetch(`${server.url}/oauth/google/callback?code=4/abc&state=s1`, {
      headers: session,
      redirect: 'manual',
    });
    expect(rootCallback.status).toBe(404);
  });

  it('serves the console at /tokenbridge/ (and redirects /tokenbridge there, query kept), with its assets beside it', async () => {
    server = await mounted();
    const bare = await fetch(`${server.url}/tokenbridge?google_connect=connected`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/tokenbridge/?google_connect=connected');
    const page = await fetch(`${server.url}/tokenbridge/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    // Relative links: they resolve under /tokenbridge/ from the page's own URL.
    expect(html).toContain('href="web/console.css"');
    expect(html).toContain('src="web/console.js"');
    expect((await fetch(`${server.url}/tokenbridge/web/console.js`)).status).toBe(200);
    expect((await fetch(`${server.url}/tokenbridge/api/config`)).status).toBe(200);
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/web/console.js`)).status).toBe(404);
  });

  it('the OpenAPI document names PUBLIC_URL as its server, and its paths are relative to it', async () => {
    server = await mounted();
    const doc = (await (await fetch(`${server.url}/tokenbridge/openapi.json`)).json()) as {
      servers: Array<{ url: string }>;
      paths: Record<string, unknown>;
    };
    expect(doc.servers).toEqual([{ url: PUBLIC_URL }]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/google-token', '/connect/google', '/oauth/google/callback', '/healthz']),
    );
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/tokenbridge'))).toEqual([]);
    const docs = await (await fetch(`${server.url}/tokenbridge/docs`)).text();
    expect(docs).toContain('href="openapi.json"');
  });

  it('an origin-only PUBLIC_URL names that origin as the OpenAPI server', async () => {
    server = await startTestServer({ config: { publicUrl: 'https://bridge.example.com' } });
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { servers: Array<{ url: string }> };
    expect(doc.servers).toEqual([{ url: 'https://bridge.example.com' }]);
  });

  it('answers /healthz and /readyz both under the path and at the root, for probes that reach the port directly', async () => {
    server = await mounted();
    for (const path of ['/tokenbridge/healthz', '/healthz', '/tokenbridge/readyz', '/readyz']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(200);
    }
    expect((await fetch(`${server.url}/tokenbridge/metrics`)).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  });

  it('proxies Google APIs from under the path, to the same Google path as at the root', async () => {
    const seen: string[] = [];
    google = createServer((request, response) => {
      seen.push(request.url ?? '');
      response.setHeader('content-type', 'application/json');
      response.end('{"files":[]}');
    });
    await new Promise<void>((resolve) => google!.listen(0, '127.0.0.1', resolve));
    const address = google.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    server = await mounted({
      bridge: fakeBridge({ getAccessToken: async () => sampleToken() }),
      config: {
        google: {
          clientId: 'client',
          clientSecret: 'secret',
          redirectUri: `${PUBLIC_URL}/oauth/google/callback`,
          baseUrl: `http://127.0.0.1:${port}`,
        },
      },
    });
    const answer = await rawGet(`${server.url}/tokenbridge/api/google/proxy/drive/drive/v3/files?pageSize=2`, {
      authorization: `Bearer ${await server.sign()}`,
    });
    expect(answer).toEqual({ status: 200, body: '{"files":[]}' });
    expect(seen).toEqual(['/drive/v3/files?pageSize=2']);
  });

  it('sends HSTS for the host only: a guest on a site does not decide for its sub-domains', async () => {
    server = await mounted();
    expect((await fetch(`${server.url}/tokenbridge/healthz`)).headers.get('strict-transport-security')).toBe(
      'max-age=31536000',
    );
    await server.close();
    server = await startTestServer({ config: { publicUrl: 'https://bridge.example.com' } });
    expect((await fetch(`${server.url}/healthz`)).headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
  });
});
