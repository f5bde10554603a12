import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_WEBHOOK_RETRY_DELAYS_MS, WebhookDispatcher } from '../../src/core/webhook-dispatcher.js';
import { completeConsent } from '../../src/sandbox/google/index.js';
import { openStore } from '../../src/storage/index.js';
import { type Harness, startHarness } from '../core/harness.js';
import { refusedUrl, startSilentEndpoint } from './dead-endpoints.js';
import { newWebhookSecret, type Receiver, startReceiver } from './receiver.js';

const DRIVE = 'https://www.googleapis.com/auth/drive.readonly';
const GMAIL = 'https://www.googleapis.com/auth/gmail.readonly';
const ACCOUNTS = ['ada@example.com', 'grace@example.com', 'linus@acme.test'];

describe('outbound connection events, signed per Standard Webhooks', () => {
  let h: Harness;
  let receiver: Receiver;
  let secret: string;
  let logs: string[];
  let webhooks: WebhookDispatcher;

  const dispatcher = (store = h.store, url = receiver.url, timeoutMs?: number) =>
    new WebhookDispatcher({
      store,
      url,
      secret,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      clock: h.clock,
      random: () => 0.5,
      logger: pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) }),
    });

  beforeEach(async () => {
    h = await startHarness('sqlite');
    secret = newWebhookSecret();
    receiver = await startReceiver(secret, h.clock);
    logs = [];
    webhooks = dispatcher();
    webhooks.attach(h.bridge);
  });

  afterEach(async () => {
    await webhooks.close();
    await h.close();
    await receiver.close();
  });

  it('connect, incremental consent, revocation, reconnect and disconnect each reach the app as a verified event', async () => {
    await h.connect('user_ada', 'ada@example.com', ['drive.readonly']);
    await h.connect('user_ada', 'ada@example.com', ['gmail.readonly']);
    h.google.control.revokeGrant({ email: 'ada@example.com' });
    await expect(h.bridge.getAccessToken('user_ada', { forceRefresh: true })).rejects.toMatchObject({
      code: 'reconnect_required',
    });
    await h.connect('user_ada', 'ada@example.com', ['drive.readonly']);
    await h.bridge.disconnect('user_ada');

    const deliveries = await webhooks.deliverDue();
    expect(deliveries.every((d) => d.outcome === 'delivered')).toBe(true);
    expect(receiver.received.every((r) => r.payload !== null)).toBe(true);
    const events = receiver.accepted().sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    expect(events.map((e) => e.type).sort()).toEqual(
      [
        'connection.created',
        'connection.updated',
        'connection.needs_reconnect',
        'connection.recovered',
        'connection.deleted',
      ].sort(),
    );
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    expect(byType['connection.created']).toMatchObject({
      data: { userId: 'user_ada', status: 'active', source: 'oauth', google: { email: 'ada@example.com' } },
    });
    expect(byType['connection.created']!.data).toHaveProperty('scopes', expect.arrayContaining([DRIVE]));
    expect(byType['connection.updated']!.data).toHaveProperty('scopes', expect.arrayContaining([DRIVE, GMAIL]));
    expect(byType['connection.needs_reconnect']).toMatchObject({ data: { userId: 'user_ada', reason: 'revoked' } });
    expect(byType['connection.recovered']).toMatchObject({ data: { userId: 'user_ada', status: 'active' } });
    expect(byType['connection.deleted']).toEqual({
      type: 'connection.deleted',
      timestamp: expect.any(String),
      data: { userId: 'user_ada' },
    });
    for (const r of receiver.received) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.id).toMatch(/^msg_[A-Za-z0-9_-]{16,}$/);
    }
  });

  it('no access token, refresh token, code, client secret or key ever appears in a delivery', async () => {
    await h.connect('user_ada', 'ada@example.com', ['drive.readonly']);
    await h.bridge.getAccessToken('user_ada', { forceRefresh: true });
    await h.connect('user_ada', 'ada@example.com', ['gmail.readonly']);
    await webhooks.deliverDue();

    expect(receiver.received.length).toBeGreaterThanOrEqual(2);
    expect(h.secrets.size).toBeGreaterThan(4);
    for (const r of receiver.received) {
      for (const value of h.secrets) expect(r.body).not.toContain(value);
      expect(r.body).not.toMatch(/ya29\.|1\/\/|"(refresh|access|id)_?token"/i);
      for (const header of Object.values(r.headers)) expect(String(header)).not.toContain(secret.slice(6));
    }
  });

  it('a failing endpoint is retried with the same webhook-id after a growing, jittered wait, then delivered', async () => {
    receiver.answer(503);
    await h.connect('user_ada', 'ada@example.com', ['drive.readonly']);
    expect(await webhooks.deliverDue()).toMatchObject([{ outcome: 'retrying', status: 503, attempt: 1 }]);

    // Not due yet: nothing is sent before the backoff has passed.
    h.clock.advance(3_000);
    expect(await webhooks.deliverDue()).toEqual([]);
    h.clock.advance(2_001);
    expect(await webhooks.deliverDue()).toMatchObject([{ outcome: 'retrying', attempt: 2 }]);
    h.clock.advance(29_000);
    expect(await webhooks.deliverDue()).toEqual([]);

    receiver.answer(200);
    h.clock.advance(1_001);
    expect(await webhooks.deliverDue()).toMatchObject([{ outcome: 'delivered', status: 200, attempt: 3 }]);
    h.clock.advance(24 * 3600_000);
    expect(await webhooks.deliverDue()).toEqual([]);

    const ids = new Set(receiver.received.map((r) => r.id));
    expect(receiver.received).toHaveLength(3);
    expect(ids.size).toBe(1);
    // Each attempt is signed afresh with its own timestamp, and each one verifies.
    expect(new Set(receiver.received.map((r) => r.headers['webhook-timestamp'])).size).toBe(3);
    expect(receiver.received.every((r) => r.payload?.type === 'connection.created')).toBe(true);
    expect(logs.join('\n')).toContain('it will be retried');
  });

  it('after the last attempt the event is marked failed, logged, and never sent again', async () => {
    receiver.answer(500);
    await h.connect('user_ada', 'ada@example.com', ['drive.readonly']);
    const outcomes: string[] = [];
    for (const wait of [0, ...DEFAULT_WEBHOOK_RETRY_DELAYS_MS]) {
      h.clock.advance(Math.ceil(wait * 1.2) + 1);
      outcomes.push(...(await webhooks.deliverDue()).map((d) => d.outcome));
    }
    expect(outcomes).toEqual([...Array(7).fill('retrying'), 'failed']);
    receiver.answer(204);
    h.clock.advance(7 * 24 * 3600_000);
    expect(await webhooks.deliverDue()).toEqual([]);
    expect(receiver.received).toHaveLength(8);
    const failure = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 50);
    expect(failure).toMatchObject({ type: 'connection.created', attempt: 8, status: 500 });
    expect(JSON.stringify(failure)).not.toContain(receiver.url);
  });

  /** The log line of each attempt that will be retried, with the short error it records. */
  const retried = () =>
    logs
      .map((line) => JSON.parse(line) as { msg?: string; error?: string; status?: number | null })
      .filter((line) => line.msg === 'webhook delivery failed; it will be retried');

  it('a refused connection (nothing listens at the URL) counts as a failed attempt, to be retried', async () => {
    const refusing = dispatcher(h.store, await refusedUrl());
    await h.connect('user_ada', 'ada@example.com', ['drive.readonly']);
    await expect(refusing.deliverDue()).resolves.toMatchObject([{ outcome: 'retrying', status: null, attempt: 1 }]);
    await refusing.close();
    expect(retried()).toMatchObject([{ error: 'ECONNREFUSED', status: null }]);

    h.clock.advance(10_000);
    await expect(webhooks.deliverDue()).resolves.toMatchObject([{ outcome: 'delivered', attempt: 2 }]);
    expect(receiver.accepted()).toMatchObject([{ type: 'connection.created' }]);
  });

  it('an endpoint that takes the request and never answers times out, and the attempt is retried', async () => {
    const silent = await startSilentEndpoint();
    try {
      // A short timeout, so the real one (10 s) need not pass: the wait ends when the dispatcher gives up.
      const waiting = dispatcher(h.store, silent.url, 200);
      await h.connect('user_ada', 'ada@example.com', ['drive.readonly']);
      await expect(waiting.deliverDue()).resolves.toMatchObject([{ outcome: 'retrying', status: null, attempt: 1 }]);
      await waiting.close();
      // The request reached the endpoint, and the dispatcher hung up on it rather than leave it open.
      expect(silent.received()).toMatch(/^POST \/hooks\/tokenbridge HTTP\/1\.1\r\n/);
      expect(silent.received()).toContain('"type":"connection.created"');
      await silent.hungUp();
      expect(retried()).toMatchObject([{ error: 'timeout', status: null }]);
    } finally {
      await silent.close();
    }

    h.clock.advance(10_000);
    await expect(webhooks.deliverDue()).resolves.toMatchObject([{ outcome: 'delivered', attempt: 2 }]);
  });

  it('an event whose delivery failed is still delivered after the bridge restarts', async () => {
    receiver.answer(502);
    await h.connect('user_ada', 'ada@example.com', ['drive.readonly']);
    await webhooks.deliverDue();
    const firstId = receiver.received[0]!.id;
    await webhooks.close();

    // A new process: its own store handle on the same database file, its own dispatcher.
    const store = await openStore(h.dbFile!, { clock: h.clock });
    await store.migrate();
    const restarted = dispatcher(store);
    try {
      receiver.answer(204);
      h.clock.advance(60_000);
      await expect(restarted.deliverDue()).resolves.toMatchObject([{ outcome: 'delivered' }]);
    } finally {
      await restarted.close();
      await store.close();
    }
    expect(receiver.received.map((r) => r.id)).toEqual([firstId, firstId]);
    expect(receiver.accepted()).toMatchObject([{ type: 'connection.created', data: { userId: 'user_ada' } }]);
  });

  it('a delivery that verifies against another secret is refused by the app', async () => {
    const stranger = await startReceiver(newWebhookSecret(), h.clock);
    const wrong = new WebhookDispatcher({ store: h.store, url: stranger.url, secret, clock: h.clock });
    try {
      await h.connect('user_ada', 'ada@example.com', ['drive.readonly']);
      await expect(wrong.deliverDue()).resolves.toMatchObject([{ outcome: 'retrying', status: 400 }]);
      expect(stranger.received[0]?.payload).toBeNull();
    } finally {
      await wrong.close();
      await stranger.close();
    }
  });
});

describe('outbound connection events across two instances on PostgreSQL', () => {
  it('each event is recorded once, by the instance that made the change, and delivered exactly once', async () => {
    const h = await startHarness('postgres');
    const secret = newWebhookSecret();
    const receiver = await startReceiver(secret, h.clock);
    const second = await h.secondInstance();
    const make = (store: typeof h.store) => new WebhookDispatcher({ store, url: receiver.url, secret, clock: h.clock });
    const a = make(h.store);
    const b = make(second.store);
    a.attach(h.bridge);
    b.attach(second.bridge);
    try {
      const users = Array.from({ length: 12 }, (_, i) => `user_${i}`);
      for (const [i, user] of users.entries()) {
        const start = await (i % 2 === 0 ? h.bridge : second.bridge).createAuthorizationUrl({
          userId: user,
          scopes: ['drive.readonly'],
        });
        const callback = await completeConsent(start.url, { account: ACCOUNTS[i % ACCOUNTS.length]! });
        await (i % 2 === 0 ? h.bridge : second.bridge).completeAuthorization({
          userId: user,
          state: callback.searchParams.get('state')!,
          code: callback.searchParams.get('code')!,
        });
      }
      // Both instances saw every change through the shared change feed; each delivers due rows at the same time.
      const [fromA, fromB] = await Promise.all([a.deliverDue(), b.deliverDue()]);
      const [againA, againB] = await Promise.all([a.deliverDue(), b.deliverDue()]);
      expect([...againA, ...againB]).toEqual([]);
      expect(fromA.length + fromB.length).toBe(users.length);

      expect(receiver.received).toHaveLength(users.length);
      expect(new Set(receiver.received.map((r) => r.id)).size).toBe(users.length);
      expect(
        receiver
          .accepted()
          .map((p) => p.data.userId)
          .sort(),
      ).toEqual([...users].sort());
      expect(receiver.accepted().every((p) => p.type === 'connection.created')).toBe(true);
    } finally {
      await a.close();
      await b.close();
      await h.close();
      await receiver.close();
    }
  });
});
