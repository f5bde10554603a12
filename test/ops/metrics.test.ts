import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../e2e/world.js';
import { startTestServer } from '../http/fixtures.js';

const METRICS_TOKEN = 'metrics-scraper-token-0123456789';

/** The value of one series in a Prometheus text exposition, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics after real traffic through the sandbox', () => {
  let world: World;
  let text: string;
  let contentType: string | null;

  beforeAll(async () => {
    world = await startWorld('sqlite');
    const ada = await world.signIn('ada@example.com');
    const bob = await world.signIn('bob@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    const token = (who: typeof ada) => world.call('/api/google-token?scope=drive.readonly', { who });
    expect((await token(ada)).status).toBe(200); // held token: a cache hit
    expect((await token(bob)).status).toBe(409); // not_connected, after asking Clerk: a miss
    world.clock.advance(3600_000);
    expect((await token(ada)).status).toBe(200); // expired: one refresh, a miss
    world.clock.advance(3600_000);
    world.sandbox.google.control.injectFault({ endpoint: '/token', status: 503, times: 50 });
    expect((await token(ada)).status).toBe(503); // Google down: upstream error
    world.sandbox.google.control.clearFaults();
    const scraped = await world.call('/metrics');
    expect(scraped.status).toBe(200);
    contentType = scraped.headers.get('content-type');
    text = await scraped.text();
  }, 60_000);

  afterAll(async () => {
    await world?.close();
  });

  it('is the Prometheus text format', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('# TYPE tokenbridge_token_requests_total counter');
  });

  it('counts token requests by outcome and source', () => {
    expect(sample(text, 'tokenbridge_token_requests_total{outcome="ok",source="oauth"}')).toBe(2);
    expect(sample(text, 'tokenbridge_token_requests_total{outcome="not_connected",source="none"}')).toBe(1);
    expect(sample(text, 'tokenbridge_token_requests_total{outcome="upstream_unavailable",source="none"}')).toBe(1);
  });

  it('gives the cache hit ratio as hits and misses', () => {
    expect(sample(text, 'tokenbridge_token_cache_hits_total')).toBe(1);
    // Bob's request waited for Clerk (no Google account there either), Ada's for a refresh and a failed one.
    expect(sample(text, 'tokenbridge_token_cache_misses_total')).toBe(3);
  });

  it('counts refreshes by outcome, with a latency histogram and the lock wait', () => {
    expect(sample(text, 'tokenbridge_refresh_attempts_total{source="oauth",outcome="success"}')).toBe(1);
    expect(sample(text, 'tokenbridge_refresh_attempts_total{source="oauth",outcome="transient"}')).toBe(1);
    expect(sample(text, 'tokenbridge_refresh_duration_seconds_count{source="oauth"}')).toBe(1);
    expect(text).toContain('tokenbridge_refresh_duration_seconds_bucket{le="0.01",source="oauth"}');
    expect(sample(text, 'tokenbridge_refresh_lock_wait_seconds_count')).toBe(2);
  });

  it('counts upstream errors by service and status', () => {
    expect(sample(text, 'tokenbridge_upstream_errors_total{service="google",status="503"}')).toBe(1);
  });

  it('reports connections by status from the database', () => {
    expect(sample(text, 'tokenbridge_connections{status="active"}')).toBe(1);
    expect(sample(text, 'tokenbridge_connections{status="needs_reconnect"}')).toBe(0);
  });

  it('never carries a user id, an email or a token', () => {
    expect(text).not.toMatch(/\buser_[A-Za-z0-9]{16,}|@example\.com|ya29\.|1\/\//);
  });
});

describe('GET /metrics behind TOKENBRIDGE_METRICS_TOKEN', () => {
  it('refuses a scrape without the token with a 401 JSON error, and serves one with it', async () => {
    const server = await startTestServer({ config: { metricsToken: METRICS_TOKEN } });
    try {
      const anonymous = await fetch(`${server.url}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
      const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      const scraper = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(scraper.status).toBe(200);
      expect(await scraper.text()).toContain('tokenbridge_token_requests_total');
    } finally {
      await server.close();
    }
  });
});
