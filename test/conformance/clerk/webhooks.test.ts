import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@clerk/backend/webhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signInByEmail, signInWithGoogle } from '../../../src/sandbox/clerk/driver.js';
import { type ClerkWorld, failure, startWorld } from './harness.js';

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** A webhook receiver that records every request and answers with the next queued status (default 204). */
class Receiver {
  readonly received: Received[] = [];
  readonly statuses: number[] = [];
  private server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value;
      this.received.push({ headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = this.statuses.shift() ?? 204;
      response.end();
    });
  });
  url = '';

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/clerk`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The delivery as the app's route handler would see it. */
function asRequest(delivery: Received, overrides: { body?: string; headers?: Record<string, string> } = {}): Request {
  return new Request('http://app.test/webhooks/clerk', {
    method: 'POST',
    headers: { ...delivery.headers, ...overrides.headers },
    body: overrides.body ?? delivery.body,
  });
}

let world: ClerkWorld;
let receiver: Receiver;
let secret: string;
beforeAll(async () => {
  receiver = new Receiver();
  await receiver.start();
  world = await startWorld({ webhook: { url: receiver.url } });
  secret = world.clerk.webhookSecret;
});
afterAll(async () => {
  await world.close();
  await receiver.close();
});
beforeEach(() => {
  world.clerk.control.reset();
  receiver.received.length = 0;
  receiver.statuses.length = 0;
});

async function settled(): Promise<void> {
  await world.clerk.control.webhooksIdle();
}

describe('webhook deliveries', () => {
  it('are signed with a whsec_ secret, carry the svix headers and pass verifyWebhook', async () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const user = await world.backend.users.createUser({ emailAddress: ['hook@example.com'] });
    await settled();
    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    if (delivery === undefined) return;
    expect(delivery.headers['svix-id']).toMatch(/^msg_/);
    expect(delivery.headers['svix-timestamp']).toBe(String(Math.floor(world.clock.now() / 1000)));
    expect(delivery.headers['svix-signature']).toMatch(/^v1,/);
    expect(delivery.headers['content-type']).toBe('application/json');

    const event = await verifyWebhook(asRequest(delivery), { signingSecret: secret });
    expect(event.type).toBe('user.created');
    expect(event.object).toBe('event');
    expect(event.instance_id).toMatch(/^ins_/);
    expect(event.data).toMatchObject({ object: 'user', id: user.id });
  });

  it('tell the story of a user: created, updated, session revoked, deleted', async () => {
    const user = await world.backend.users.createUser({ emailAddress: ['story@example.com'] });
    await world.backend.users.updateUser(user.id, { firstName: 'Story' });
    const session = await world.backend.sessions.createSession({ userId: user.id });
    await world.backend.sessions.revokeSession(session.id);
    await world.backend.users.deleteUser(user.id);
    await settled();
    const events = await Promise.all(
      receiver.received.map((d) => verifyWebhook(asRequest(d), { signingSecret: secret })),
    );
    const types = events.map((e) => e.type);
    expect(types).toEqual(['user.created', 'user.updated', 'session.created', 'session.revoked', 'user.deleted']);
    expect(events[1]?.data).toMatchObject({ first_name: 'Story' });
    expect(events[3]?.data).toMatchObject({ object: 'session', id: session.id, status: 'revoked' });
    expect(events[4]?.data).toEqual({ object: 'user', id: user.id, deleted: true });
    expect(new Set(receiver.received.map((d) => d.headers['svix-id'])).size).toBe(5);
  });

  it('that were tampered with are rejected', async () => {
    await world.backend.users.createUser({ emailAddress: ['tamper@example.com'] });
    await settled();
    const [delivery] = receiver.received;
    if (delivery === undefined) throw new Error('nothing delivered');
    const forged = delivery.body.replace('tamper@example.com', 'admin@example.com');
    expect(forged).not.toBe(delivery.body);
    await expect(verifyWebhook(asRequest(delivery, { body: forged }), { signingSecret: secret })).rejects.toThrow(
      /verify/i,
    );
    await expect(
      verifyWebhook(asRequest(delivery), { signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    ).rejects.toThrow(/verify/i);
  });

  it('that are stale (timestamp older than 5 minutes) are rejected', async () => {
    await world.backend.users.createUser({ emailAddress: ['stale@example.com'] });
    await settled();
    world.clock.advance(6 * 60_000);
    const [delivery] = receiver.received;
    if (delivery === undefined) throw new Error('nothing delivered');
    const error = await failure(verifyWebhook(asRequest(delivery), { signingSecret: secret }));
    expect(String(error)).toMatch(/too old/i);
  });

  it('replayed with a refreshed timestamp are rejected, since the signature covers the timestamp', async () => {
    await world.backend.users.createUser({ emailAddress: ['replay@example.com'] });
    await settled();
    world.clock.advance(6 * 60_000);
    const [delivery] = receiver.received;
    if (delivery === undefined) throw new Error('nothing delivered');
    const now = String(Math.floor(Date.now() / 1000));
    await expect(
      verifyWebhook(asRequest(delivery, { headers: { 'svix-timestamp': now } }), { signingSecret: secret }),
    ).rejects.toThrow(/verify/i);
  });
});

describe('webhook retries', () => {
  it('retry a non-2xx answer on the backoff schedule, keeping the same svix-id and re-signing each attempt', async () => {
    receiver.statuses.push(500, 503);
    const user = await world.backend.users.createUser({ emailAddress: ['retry@example.com'] });
    await settled();
    expect(receiver.received).toHaveLength(1);
    // Each attempt is verified when it lands, as the app would, so each falls inside the ±5 min tolerance.
    const verifyLatest = async () => {
      const event = await verifyWebhook(asRequest(receiver.received.at(-1)!), { signingSecret: secret });
      expect(event.data).toMatchObject({ id: user.id });
    };
    await verifyLatest();

    world.clock.advance(4_000);
    await world.clerk.control.deliverDueWebhooks();
    expect(receiver.received).toHaveLength(1);

    world.clock.advance(1_000);
    await world.clerk.control.deliverDueWebhooks();
    expect(receiver.received).toHaveLength(2);
    await verifyLatest();

    world.clock.advance(299_000);
    await world.clerk.control.deliverDueWebhooks();
    expect(receiver.received).toHaveLength(2);
    world.clock.advance(1_000);
    await world.clerk.control.deliverDueWebhooks();
    expect(receiver.received).toHaveLength(3);
    await verifyLatest();

    const ids = new Set(receiver.received.map((d) => d.headers['svix-id']));
    expect(ids.size).toBe(1);
    const stamps = receiver.received.map((d) => Number(d.headers['svix-timestamp']));
    expect(stamps[1]! - stamps[0]!).toBe(5);
    expect(stamps[2]! - stamps[1]!).toBe(300);

    const [log] = world.clerk.control.webhookDeliveries();
    expect(log?.state).toBe('delivered');
    expect(log?.attempts.map((a) => a.status)).toEqual([500, 503, 204]);
    world.clock.advance(3600_000);
    await world.clerk.control.deliverDueWebhooks();
    expect(receiver.received).toHaveLength(3);
  });

  it('give up after the last scheduled attempt', async () => {
    receiver.statuses.push(...Array<number>(20).fill(500));
    await world.backend.users.createUser({ emailAddress: ['down@example.com'] });
    await settled();
    for (let i = 0; i < 10; i++) {
      world.clock.advance(36_000_000);
      await world.clerk.control.deliverDueWebhooks();
    }
    const [log] = world.clerk.control.webhookDeliveries();
    expect(log?.state).toBe('failed');
    expect(log?.attempts).toHaveLength(8);
    expect(receiver.received).toHaveLength(8);
  });
});

describe('the webhook endpoint set over the control API', () => {
  async function putEndpoint(body: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${world.clerk.url}/__emulator/webhooks`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  it('is cleared by a null body, which cancels pending retries; a new endpoint never gets the old message', async () => {
    try {
      receiver.statuses.push(500);
      await world.backend.users.createUser({ emailAddress: ['cleared@example.com'] });
      await settled();
      expect(receiver.received).toHaveLength(1);

      expect(await putEndpoint(null)).toEqual({ status: 200, body: { endpoint: null } });
      world.clock.advance(3600_000);
      await world.clerk.control.deliverDueWebhooks();
      expect(receiver.received).toHaveLength(1);
      const [log] = world.clerk.control.webhookDeliveries();
      expect(log?.state).toBe('cancelled');

      const newSecret = 'whsec_bmV3LXNlY3JldC1mb3ItdGhlLW5ldy1lbmRwb2ludA==';
      const elsewhere = receiver.url.replace('/webhooks/clerk', '/webhooks/other');
      expect((await putEndpoint({ url: elsewhere, secret: newSecret })).status).toBe(200);
      world.clock.advance(3600_000);
      await world.clerk.control.deliverDueWebhooks();
      expect(receiver.received).toHaveLength(1);

      await world.backend.users.createUser({ emailAddress: ['after@example.com'] });
      await settled();
      expect(receiver.received).toHaveLength(2);
      const event = await verifyWebhook(asRequest(receiver.received[1]!), { signingSecret: newSecret });
      expect(event.data).toMatchObject({ email_addresses: [{ email_address: 'after@example.com' }] });
    } finally {
      world.clerk.control.setWebhookEndpoint({ url: receiver.url });
    }
  });

  it('keeps pending retries when only the secret of the same URL changes (a rotation), signing them anew', async () => {
    try {
      receiver.statuses.push(500);
      await world.backend.users.createUser({ emailAddress: ['rotated@example.com'] });
      await settled();
      const rotated = 'whsec_cm90YXRlZC1zZWNyZXQtZm9yLXRoZS1zYW1lLXVybA==';
      expect((await putEndpoint({ url: receiver.url, secret: rotated })).status).toBe(200);
      world.clock.advance(5_000);
      await world.clerk.control.deliverDueWebhooks();
      expect(receiver.received).toHaveLength(2);
      await verifyWebhook(asRequest(receiver.received[1]!), { signingSecret: rotated });
    } finally {
      world.clerk.control.setWebhookEndpoint({ url: receiver.url });
    }
  });
});

describe('the request details of webhook events', () => {
  /** The `session.created` event the app receives, verified as the app would. */
  async function sessionCreated() {
    await settled();
    for (const delivery of receiver.received) {
      const event = await verifyWebhook(asRequest(delivery), { signingSecret: secret });
      if (event.type === 'session.created') return event;
    }
    throw new Error('No session.created event was delivered.');
  }

  it.each([
    ['the hosted email sign-in', () => signInByEmail(world.clerk, 'hosted@example.com')],
    ['Google sign-in', () => signInWithGoogle(world.clerk, { account: 'ada@example.com' })],
  ])('name the browser’s IP and user agent for a session made by %s', async (_name, signIn) => {
    await signIn();
    const event = await sessionCreated();
    // Node's fetch is the "browser" here: it sends `user-agent: node` from the loopback address.
    expect(event.event_attributes.http_request).toEqual({ client_ip: '127.0.0.1', user_agent: 'node' });
  });
});
