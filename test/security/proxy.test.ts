import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserSignIn } from '../../src/sandbox/clerk/index.js';
import { startWorld, type World } from '../e2e/world.js';

let world: World;
let ada: BrowserSignIn;
let canary: Server;
let canaryHost: string;
const reachedCanary: string[] = [];

beforeAll(async () => {
  world = await startWorld('sqlite');
  ada = await world.signIn('ada@example.com');
  await world.connect(ada, ['drive.readonly', 'gmail.readonly'], { account: 'ada@example.com' });
  // A second local server: nothing the proxy is asked may ever reach it.
  canary = createServer((req, res) => {
    reachedCanary.push(`${req.method} ${req.url}`);
    res.end('canary');
  });
  await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
  canaryHost = `127.0.0.1:${(canary.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await world.close();
  await new Promise((resolve) => canary.close(resolve));
});

/** A raw request: the path goes on the wire exactly as written (fetch would normalise `..` and `\`). */
function raw(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(world.service.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, path, headers: { authorization: `Bearer ${ada.sessionToken}`, ...headers } },
      (res: IncomingMessage) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The Google API routes the emulator saw since `before`: each must sit under a mapped service's prefix. */
function newGoogleRoutes(before: Record<string, number>): string[] {
  const after = world.sandbox.google.control.counters().calls;
  return Object.keys(after).filter((route) => (after[route] ?? 0) > (before[route] ?? 0));
}

describe('the Google API proxy reaches the mapped Google hosts and nothing else', () => {
  const P = '/api/google/proxy';
  const attacks = () => [
    `${P}/drive/..%2f..%2f__emulator/counters`,
    `${P}/drive/%2e%2e/%2e%2e/__emulator/counters`,
    `${P}/drive/v3/%2E%2E/%2E%2E/%2E%2E/token`,
    `${P}/drive/%252e%252e/%252e%252e/token`,
    `${P}/drive/v3/../../../token`,
    `${P}/drive/v3/..\\..\\token`,
    `${P}/drive/v3/files/%5c..%5c..%5ctoken`,
    `${P}/drive/v3/files/%00`,
    `${P}/drive/%EF%BC%8E%EF%BC%8E/%EF%BC%8E%EF%BC%8E/token`,
    `${P}/drive/http://${canaryHost}/x`,
    `${P}/drive/http:%2f%2f${canaryHost}/x`,
    `${P}/drive//${canaryHost}/x`,
    `${P}/drive/@${canaryHost}/x`,
    `${P}/drive/v3/files@${canaryHost}`,
    `${P}/drive/v3%40${canaryHost}/files`,
    `${P}/drive/v3/files#@${canaryHost}`,
    `${P}/http://${canaryHost}/x`,
    `${P}/${canaryHost}/drive/v3/files`,
    `${P}/evil/v3/files`,
    `${P}/DRIVE/v3/files`,
    `${P}/drive%2f..%2f..%2ftoken`,
    `${P}/oauth2/v3/userinfo`,
    `${P}/__emulator/counters`,
    `${P}/`,
    `${P}/drive`,
  ];

  it('encoded dot segments, absolute URLs, @ and host tricks, and unlisted services are refused with 4xx', async () => {
    const before = world.sandbox.google.control.counters().calls;
    const answers: Array<[string, number]> = [];
    for (const path of attacks()) answers.push([path, (await raw(path)).status]);
    for (const [path, status] of answers) {
      expect({ path, status: status >= 400 && status < 500 }).toEqual({ path, status: true });
    }
    expect(reachedCanary).toEqual([]);
    // None of them reached Google either: a refused path is refused before any upstream call.
    expect(newGoogleRoutes(before)).toEqual([]);
  });

  it('Host, X-Forwarded-Host and a URL in the query do not move the upstream: only Google answers', async () => {
    const before = world.sandbox.google.control.counters().calls;
    const tricks = [
      raw(`${P}/drive/v3/files?pageSize=1`, { host: canaryHost }),
      raw(`${P}/drive/v3/files?pageSize=1`, { 'x-forwarded-host': canaryHost, forwarded: `host=${canaryHost}` }),
      raw(`${P}/drive/v3/files?pageSize=1&url=http://${canaryHost}/&redirect=//${canaryHost}`),
      raw(`${P}/gmail/gmail/v1/users/me/labels`, { 'x-original-url': `http://${canaryHost}/` }),
    ];
    for (const answer of await Promise.all(tricks)) expect(answer.status).toBe(200);
    expect(reachedCanary).toEqual([]);
    const routes = newGoogleRoutes(before);
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) expect(route).toMatch(/^\/(drive|gmail|calendar)\/|^\/v1\//);
  });

  it('a Google redirect is never followed off the mapped host', async () => {
    world.sandbox.google.control.injectFault({
      endpoint: '/drive/v3/files',
      status: 302,
      headers: { location: `http://${canaryHost}/stolen` },
      body: '',
    });
    const answer = await raw(`${P}/drive/v3/files`);
    expect(answer.status).toBe(502);
    expect(reachedCanary).toEqual([]);
  });
});
