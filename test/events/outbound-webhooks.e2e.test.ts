import { afterEach, describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from '../../src/config/env.js';
import { startWorld, type World } from '../e2e/world.js';
import { newWebhookSecret, type Receiver, startReceiver } from './receiver.js';

describe('outbound events from the running service', () => {
  let world: World | undefined;
  let receiver: Receiver | undefined;

  afterEach(async () => {
    await world?.close();
    await receiver?.close();
    world = undefined;
    receiver = undefined;
  });

  it('with TOKENBRIDGE_WEBHOOK_URL set, connecting and deleting the user at Clerk reach the app, and /metrics counts them', async () => {
    const secret = newWebhookSecret();
    receiver = await startReceiver(secret, { now: () => world!.clock.now() });
    world = await startWorld('sqlite', {
      env: { TOKENBRIDGE_WEBHOOK_URL: receiver.url, TOKENBRIDGE_WEBHOOK_SECRET: secret },
    });
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    const [created] = await receiver.waitFor((r) => r.payload?.type === 'connection.created');
    expect(created!.payload).toMatchObject({ data: { userId: ada.userId, google: { email: 'ada@example.com' } } });

    world.sandbox.clerk.control.deleteUser(ada.userId);
    await world.sandbox.clerk.control.webhooksIdle();
    const [deleted] = await receiver.waitFor((r) => r.payload?.type === 'connection.deleted');
    expect(deleted!.payload).toMatchObject({ data: { userId: ada.userId } });
    expect(receiver.received.every((r) => r.status === 204)).toBe(true);

    const metrics = await (await world.call('/metrics')).text();
    const delivered = /tokenbridge_webhook_deliveries_total\{outcome="delivered"\} (\d+)/.exec(metrics)?.[1];
    expect(Number(delivered)).toBeGreaterThanOrEqual(2);
    expect(world.logs.join('\n')).not.toContain(secret.slice(6));
  });

  it('without TOKENBRIDGE_WEBHOOK_URL the sandbox sends nothing and has no dispatcher', async () => {
    world = await startWorld('sqlite');
    expect(world.service.webhooks).toBeUndefined();
    expect(await (await world.call('/metrics')).text()).not.toContain('tokenbridge_webhook_deliveries_total');
  });
});

describe('TOKENBRIDGE_WEBHOOK_URL and TOKENBRIDGE_WEBHOOK_SECRET', () => {
  const secret = newWebhookSecret();
  const failure = (env: Record<string, string>) => {
    try {
      parseEnv(env);
    } catch (error) {
      return error as EnvError;
    }
    throw new Error('parseEnv accepted the environment');
  };

  it('both set: events go to the URL, signed with the secret', () => {
    const config = parseEnv({
      TOKENBRIDGE_WEBHOOK_URL: 'https://app.example.com/hooks?x=1',
      TOKENBRIDGE_WEBHOOK_SECRET: secret,
    });
    expect(config.webhook).toEqual({ url: 'https://app.example.com/hooks?x=1', secret });
    expect(parseEnv({}).webhook).toBeUndefined();
  });

  it('a URL without a secret, or a secret without a URL, stops start-up naming the missing variable', () => {
    const noSecret = failure({ TOKENBRIDGE_WEBHOOK_URL: 'https://app.example.com/hooks' });
    expect(noSecret).toBeInstanceOf(EnvError);
    expect(noSecret.variable).toBe('TOKENBRIDGE_WEBHOOK_SECRET');
    expect(failure({ TOKENBRIDGE_WEBHOOK_SECRET: secret }).variable).toBe('TOKENBRIDGE_WEBHOOK_URL');
  });

  it('a malformed URL or secret is refused without echoing the secret', () => {
    for (const url of [
      'not a url',
      'ftp://app.example.com/hooks',
      'https://user:pw@app.example.com/',
      'https://a.example/#x',
    ]) {
      expect(failure({ TOKENBRIDGE_WEBHOOK_URL: url, TOKENBRIDGE_WEBHOOK_SECRET: secret }).variable).toBe(
        'TOKENBRIDGE_WEBHOOK_URL',
      );
    }
    for (const bad of ['sk_live_abcdefghijklmnopqrstuvwxyz', 'whsec_c2hvcnQ=', 'whsec_not*base64*at*all*0123456789']) {
      const error = failure({
        TOKENBRIDGE_WEBHOOK_URL: 'https://app.example.com/hooks',
        TOKENBRIDGE_WEBHOOK_SECRET: bad,
      });
      expect(error.variable).toBe('TOKENBRIDGE_WEBHOOK_SECRET');
      expect(error.message).not.toContain(bad);
    }
  });
});
