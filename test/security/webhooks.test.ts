import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../../src/core/errors.js';
import type { BrowserSignIn } from '../../src/sandbox/clerk/index.js';
import { API_KEY, BACKENDS, startWorld, type World } from '../e2e/world.js';

describe.each(BACKENDS)('Clerk webhooks, on %s', (backend) => {
  let world: World;
  let ada: BrowserSignIn;
  beforeEach(async () => {
    world = await startWorld(backend);
    ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
  });
  afterEach(async () => {
    await world?.close();
  });

  const deliver = (id: string, event: unknown, options: { secret?: string; at?: Date; signedId?: string } = {}) => {
    const body = JSON.stringify(event);
    const at = options.at ?? new Date();
    const secret = options.secret ?? world.sandbox.config.clerk.webhookSigningSecret!;
    return world.call('/webhooks/clerk', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'svix-id': id,
        'svix-timestamp': String(Math.floor(at.getTime() / 1000)),
        'svix-signature': new Webhook(secret).sign(options.signedId ?? id, at, body),
      },
      body: JSON.parse(body),
    });
  };
  const userDeleted = (userId: string) => ({
    object: 'event',
    type: 'user.deleted',
    data: { id: userId, deleted: true },
  });
  const adaStillConnected = async () => {
    const response = await world.call(`/api/users/${ada.userId}/google-token?scope=drive.readonly`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    return response.status === 200;
  };

  it('a purge caused by Clerk’s user.deleted is recorded with actor clerk_webhook, not user', async () => {
    const delivered = await deliver('msg_purge_actor', userDeleted(ada.userId));
    expect(await delivered.json()).toEqual({ received: true, duplicate: false, handled: true });
    expect(await adaStillConnected()).toBe(false);
    const audit = await world.service.store.listAudit({ userId: ada.userId });
    const purge = audit.find((entry) => entry.action === 'disconnect');
    expect(purge).toMatchObject({ actor: 'clerk_webhook' });
    expect(audit.filter((entry) => entry.actor === 'user').map((entry) => entry.action)).not.toContain('disconnect');
  });

  it('a disconnect the user asks for is still recorded with actor user', async () => {
    expect((await world.call('/api/google/connection', { method: 'DELETE', who: ada })).status).toBe(204);
    const audit = await world.service.store.listAudit({ userId: ada.userId });
    expect(audit.find((entry) => entry.action === 'disconnect')).toMatchObject({ actor: 'user' });
  });

  it('a forged signature is refused with invalid_signature and nothing changes', async () => {
    const otherSecret = `whsec_${randomBytes(24).toString('base64')}`;
    const forged = await deliver('msg_forged', userDeleted(ada.userId), { secret: otherSecret });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    // A valid signature over another message id does not carry over either.
    const moved = await deliver('msg_moved', userDeleted(ada.userId), { signedId: 'msg_original' });
    expect(moved.status).toBe(400);
    expect(await adaStillConnected()).toBe(true);
  });

  it('a correctly signed delivery with a stale timestamp is refused and nothing changes', async () => {
    for (const minutes of [-10, 10]) {
      const stale = await deliver(`msg_stale_${minutes}`, userDeleted(ada.userId), {
        at: new Date(Date.now() + minutes * 60_000),
      });
      expect(stale.status).toBe(400);
      expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    }
    expect(await adaStillConnected()).toBe(true);
  });

  it('a replayed svix-id is ignored as a duplicate, even with another (validly signed) event behind it', async () => {
    const first = await deliver('msg_seen', { object: 'event', type: 'user.updated', data: { id: ada.userId } });
    expect(await first.json()).toEqual({ received: true, duplicate: false, handled: false });
    const replayed = await deliver('msg_seen', userDeleted(ada.userId));
    expect(replayed.status).toBe(200);
    expect(await replayed.json()).toEqual({ received: true, duplicate: true, handled: false });
    expect(await adaStillConnected()).toBe(true);
  });

  it('a purge that fails answers 5xx and is completed by Clerk’s redelivery of the same svix-id', async () => {
    const bridge = world.service.bridge;
    const disconnect = bridge.disconnect.bind(bridge);
    let failures = 1;
    bridge.disconnect = async (userId, options) => {
      if (failures-- > 0) throw new StorageUnavailableError(new Error('injected: the database went away'));
      return disconnect(userId, options);
    };

    world.sandbox.clerk.control.deleteUser(ada.userId);
    await world.sandbox.clerk.control.webhooksIdle();
    const pending = world.sandbox.clerk.control.webhookDeliveries().find((d) => d.type === 'user.deleted')!;
    expect(pending.attempts.map((a) => a.status)).toEqual([503]);
    expect(pending.state).toBe('pending');
    expect(await adaStillConnected()).toBe(true);

    // Svix retries after 5 s; the redelivery carries the same svix-id and must not be taken for a duplicate.
    world.sandbox.clerk.control.advanceClock(6);
    await world.sandbox.clerk.control.deliverDueWebhooks();
    const done = world.sandbox.clerk.control.webhookDeliveries().find((d) => d.svixId === pending.svixId)!;
    expect(done.attempts.map((a) => a.status)).toEqual([503, 200]);
    expect(done.state).toBe('delivered');
    expect(await adaStillConnected()).toBe(false);
  });
});
