import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserSignIn } from '../../src/sandbox/clerk/index.js';
import { API_KEY, startWorld, type World } from '../e2e/world.js';

interface AuditPage {
  data: Array<{ id: string; at: string; action: string; actor: string; detail: Record<string, unknown> }>;
  nextCursor: string | null;
}

describe.each(['sqlite', 'postgres'] as const)('the audit trail API on %s', (backend) => {
  let world: World;
  let ada: BrowserSignIn;
  let bob: BrowserSignIn;

  beforeAll(async () => {
    world = await startWorld(backend);
    ada = await world.signIn('ada@example.com');
    bob = await world.signIn('bob@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    world.clock.advance(3600_000);
    expect((await world.call('/api/google-token?scope=drive.readonly', { who: ada })).status).toBe(200);
    const backendRead = await world.call(`/api/users/${ada.userId}/google-token?scope=drive.readonly`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(backendRead.status).toBe(200);
    expect((await world.call('/api/google/connection', { who: ada, method: 'DELETE' })).status).toBe(204);
  }, 60_000);

  afterAll(async () => {
    await world?.close();
  });

  it('shows the signed-in user their connect, refresh, server-to-server read, revoke and disconnect, newest first', async () => {
    const response = await world.call('/api/audit', { who: ada });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const page = (await response.json()) as AuditPage;
    const actions = page.data.map((e) => e.action);
    expect(actions).toEqual(['disconnect', 'revoke', 'token_read', 'refresh', 'connect']);
    expect(page.data.find((e) => e.action === 'token_read')?.actor).toBe('api_key:backend');
    expect(page.nextCursor).toBeNull();
    const times = page.data.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(JSON.stringify(page)).not.toMatch(/ya29\.|1\/\//);
  });

  it('pages with a cursor, never repeating or skipping an entry', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = (await (await world.call(`/api/audit${query}`, { who: ada })).json()) as AuditPage;
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((e) => e.action));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['disconnect', 'revoke', 'token_read', 'refresh', 'connect']);
  });

  it('shows another user nothing of Ada’s', async () => {
    const page = (await (await world.call('/api/audit', { who: bob })).json()) as AuditPage;
    expect(page.data).toEqual([]);
  });

  it('answers 401 without a session', async () => {
    const response = await world.call('/api/audit');
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });

  it('gives the app’s backend any user’s trail with an API key, and refuses without one', async () => {
    const withKey = await world.call(`/api/users/${ada.userId}/audit?limit=1`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(withKey.status).toBe(200);
    const page = (await withKey.json()) as AuditPage;
    expect(page.data.map((e) => e.action)).toEqual(['disconnect']);
    expect(page.nextCursor).toBe(page.data[0]!.id);

    const without = await world.call(`/api/users/${ada.userId}/audit`, { who: ada });
    expect(without.status).toBe(401);
  });

  it.each([['limit=0'], ['limit=1000'], ['limit=abc'], ['cursor=%27%3B%20drop'], ['unknown=1']])(
    'refuses bad paging (%s) with a 400 JSON error',
    async (query) => {
      const response = await world.call(`/api/audit?${query}`, { who: ada });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    },
  );
});

describe('the API description', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('sqlite');
  });
  afterAll(async () => {
    await world?.close();
  });

  it('/openapi.json is OpenAPI 3.1 and describes the audit routes with their schemas', async () => {
    const doc = (await (await world.call('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }>;
          }
        >
      >;
    };
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/audit', '/api/users/{userId}/audit', '/metrics', '/api/google-token']),
    );
    const schema = doc.paths['/api/audit']!.get!.responses['200']!.content['application/json']!.schema;
    expect(Object.keys(schema.properties)).toEqual(['data', 'nextCursor']);
  });

  it('/docs renders every route on one self-contained page', async () => {
    const response = await world.call('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain('/api/audit');
    expect(html).toContain('/api/users/{userId}/google-token');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
