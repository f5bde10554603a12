import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

// Google's token endpoint names `email` and `profile` only by their userinfo URLs and adds `openid` when either is
// asked for (issue 16, points 1 and 2). The bridge records what Google answers; these cases prove that a grant so
// spelled still covers what an app asks for by short name.
const A = 'https://www.googleapis.com/auth/';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('sqlite');
});
afterAll(async () => {
  await h?.close();
});

describe('grants recorded from Google’s full-URL token scopes', () => {
  it('record email and profile as their userinfo URLs and openid, and still cover the short names', async () => {
    await h.connect('user_short', 'ada@example.com', ['email', 'profile', 'drive.readonly']);
    const connection = await h.bridge.connection('user_short');
    expect(connection?.scopes).toEqual(
      expect.arrayContaining([`${A}userinfo.email`, `${A}userinfo.profile`, `${A}drive.readonly`, 'openid']),
    );
    expect(connection?.scopes).not.toContain('email');
    expect(connection?.scopes).not.toContain('profile');

    const token = await h.bridge.getAccessToken('user_short', { scopes: ['email', 'profile', 'drive.readonly'] });
    expect(token.scopes).toEqual(expect.arrayContaining([`${A}userinfo.email`, `${A}drive.readonly`]));
    await expect(
      h.bridge.getAccessToken('user_short', { scopes: ['userinfo.email', `${A}userinfo.profile`, 'openid'] }),
    ).resolves.toBeTruthy();
  });

  it('keep covering them after a refresh, whose answer is spelled the same way', async () => {
    const token = await h.bridge.getAccessToken('user_short', { scopes: ['email'], forceRefresh: true });
    expect(token.scopes).toContain(`${A}userinfo.email`);
    await expect(h.bridge.getAccessToken('user_short', { scopes: ['profile'] })).resolves.toBeTruthy();
  });
});
