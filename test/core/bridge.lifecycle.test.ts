import { afterEach, describe, expect, it } from 'vitest';
import { createTokenBridge } from '../../src/core/bridge.js';
import { ReconnectRequiredError, UpstreamUnavailableError } from '../../src/core/errors.js';
import { Keyring } from '../../src/core/keyring.js';
import { DEFAULT_CLIENT } from '../../src/sandbox/google/index.js';
import { type Backend, type Harness, REDIRECT_URI, startHarness } from './harness.js';

const DAY = 86_400_000;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe.each<Backend>(['sqlite', 'postgres'])('grant lifecycle on %s', (backend) => {
  it('an app in Testing status loses its grant after 7 days: reconnect_required with reason testing_app_expired', async () => {
    h = await startHarness(backend);
    h.google.control.registerClient({ ...DEFAULT_CLIENT, publishingStatus: 'testing' });
    await h.connect('user_testing', 'ada@example.com', ['drive.readonly']);
    const connection = await h.bridge.connection('user_testing');
    expect(Date.parse(connection!.refreshTokenExpiresAt!) - h.clock.now()).toBeGreaterThan(6 * DAY);

    h.clock.advance(7 * DAY + 60_000);
    const error = await h.bridge.getAccessToken('user_testing').catch((e) => e);
    expect(error).toBeInstanceOf(ReconnectRequiredError);
    expect((error as ReconnectRequiredError).reason).toBe('testing_app_expired');
    expect((await h.bridge.connection('user_testing'))?.reconnectReason).toBe('testing_app_expired');
  });

  it('a wrong client secret fails refreshes as upstream_unavailable and never marks the connection needs_reconnect', async () => {
    h = await startHarness(backend);
    await h.connect('user_misconfigured', 'grace@example.com', []);
    const broken = createTokenBridge({
      store: h.store,
      keyring: h.keyring,
      google: {
        clientId: DEFAULT_CLIENT.clientId,
        clientSecret: 'GOCSPX-wrong',
        redirectUri: REDIRECT_URI,
        baseUrl: h.google.url,
      },
      tokenSource: 'oauth',
      connectUrl: () => '/connect/google',
      clock: h.clock,
      scheduler: h.scheduler,
    });
    h.clock.advance(2 * 3600_000);
    await expect(broken.getAccessToken('user_misconfigured')).rejects.toThrow(UpstreamUnavailableError);
    const connection = await h.bridge.connection('user_misconfigured');
    expect(connection?.status).toBe('active');
    expect(connection?.lastError?.code).toBe('invalid_client');
    await broken.close();
    await expect(h.bridge.getAccessToken('user_misconfigured')).resolves.toBeTruthy();
  });

  it('a row rewritten during a refresh (a key rotation in another process) keeps the token Google just issued', async () => {
    h = await startHarness(backend);
    const harness = h;
    await harness.connect('user_rewritten', 'grace@example.com', []);
    const before = await harness.bridge.getAccessToken('user_rewritten');
    harness.clock.advance(2 * 3600_000);

    // Google's answer is held back while another writer rewrites the same grant's row.
    harness.google.control.injectFault({ endpoint: '/token', hold: true, times: 1 });
    const pending = harness.bridge.getAccessToken('user_rewritten');
    await harness.google.control.whenHeld();
    const row = await harness.store.getConnection('user_rewritten');
    expect(await harness.store.updateConnection({ ...row!, updatedAt: harness.clock.now() })).toBeTruthy();
    harness.google.control.releaseHeld();

    const after = await pending;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(Date.parse(after.expiresAt)).toBeGreaterThan(harness.clock.now() + 3000_000);
    const grants = harness.google.control.counters().grants.refresh_token;
    await expect(harness.bridge.getAccessToken('user_rewritten')).resolves.toMatchObject({
      accessToken: after.accessToken,
    });
    expect(harness.google.control.counters().grants.refresh_token).toBe(grants);
  });

  it('after a key rotation old rows still decrypt and are re-encrypted with the new key on refresh', async () => {
    h = await startHarness(backend);
    await h.connect('user_rotate', 'ada@example.com', []);
    const oldRow = await h.store.getConnection('user_rotate');
    expect(oldRow?.refreshToken?.split('.')[1]).toBe('test');

    const rotatedSpec = `${Keyring.generate('next')},${h.keyringSpec}`;
    const rotated = createTokenBridge({
      store: h.store,
      keyring: Keyring.parse(rotatedSpec),
      google: {
        clientId: DEFAULT_CLIENT.clientId,
        clientSecret: DEFAULT_CLIENT.clientSecret,
        redirectUri: REDIRECT_URI,
        baseUrl: h.google.url,
      },
      tokenSource: 'oauth',
      connectUrl: () => '/connect/google',
      clock: h.clock,
      scheduler: h.scheduler,
    });
    await expect(rotated.getAccessToken('user_rotate')).resolves.toBeTruthy();
    h.clock.advance(2 * 3600_000);
    await expect(rotated.getAccessToken('user_rotate')).resolves.toBeTruthy();
    const newRow = await h.store.getConnection('user_rotate');
    expect(newRow?.refreshToken?.split('.')[1]).toBe('next');
    expect(newRow?.accessToken?.split('.')[1]).toBe('next');
    await rotated.close();
  });

  it('a ciphertext copied into another user’s row does not decrypt: the user is asked to reconnect', async () => {
    h = await startHarness(backend);
    await h.connect('user_victim', 'ada@example.com', []);
    await h.connect('user_attacker', 'grace@example.com', []);
    const victim = (await h.store.getConnection('user_victim'))!;
    const attacker = (await h.store.getConnection('user_attacker'))!;
    await h.store.putConnection({ ...attacker, accessToken: victim.accessToken, refreshToken: victim.refreshToken });
    await expect(h.bridge.getAccessToken('user_attacker', { minValiditySeconds: 0 })).rejects.toThrow(
      ReconnectRequiredError,
    );
  });

  it('token reads on behalf of a server are recorded in the audit trail', async () => {
    h = await startHarness(backend);
    await h.connect('user_audited', 'ada@example.com', []);
    await h.bridge.getAccessToken('user_audited', { actor: 'api_key:billing' });
    const entries = await h.store.listAudit({ userId: 'user_audited' });
    expect(entries[0]).toMatchObject({ action: 'token_read', actor: 'api_key:billing' });
    expect(JSON.stringify(entries)).not.toMatch(/ya29|1\/\//);
  });
});
