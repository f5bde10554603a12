import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA, CONTACTS_READONLY, DRIVE_READONLY, GRACE, type Harness, LINUS, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** A tiny browser without JavaScript: keeps cookies, never follows redirects by itself. */
function browser() {
  let cookie = '';
  const go = async (url: string, form?: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form ?? {})) for (const value of [v].flat()) body.append(k, value);
    const response = await fetch(new URL(url, h.google.url), {
      method: form === undefined ? 'GET' : 'POST',
      redirect: 'manual',
      headers: {
        ...(cookie === '' ? {} : { cookie }),
        ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(form === undefined ? {} : { body }),
    });
    const set = response.headers.getSetCookie()[0];
    if (set !== undefined) cookie = set.split(';')[0]!;
    return {
      status: response.status,
      location: response.headers.get('location'),
      html: await response.text(),
      response,
    };
  };
  return { go };
}

const hidden = (html: string) => /name="request" value="([^"]+)"/.exec(html)![1]!;

describe('the consent pages, as a person (or a browser test) sees them', () => {
  it('lists only the accounts of the Workspace domain an app names with hd (any Workspace account for *)', async () => {
    for (const hd of ['acme.test', '*']) {
      const chooser = await browser().go(h.oauthClient().generateAuthUrl({ scope: ['openid', 'email'], hd }));
      expect(chooser.html, hd).toContain(`>Continue as ${LINUS}<`);
      expect(chooser.html, hd).not.toContain(`>Continue as ${ADA}<`);
      expect(chooser.html, hd).not.toContain(`>Continue as ${GRACE}<`);
    }
    const elsewhere = await browser().go(h.oauthClient().generateAuthUrl({ scope: ['openid'], hd: 'other.test' }));
    expect(elsewhere.html).not.toContain('>Continue as ');
  });

  it('offers a "Continue as <email>" button per account, then labelled checkboxes and Allow / Cancel', async () => {
    const b = browser();
    const url = h.oauthClient().generateAuthUrl({ scope: ['openid', 'email', DRIVE_READONLY, CONTACTS_READONLY] });
    const chooser = await b.go(url);
    expect(chooser.status).toBe(200);
    expect(chooser.response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    for (const email of [ADA, GRACE, LINUS]) expect(chooser.html).toContain(`>Continue as ${email}<`);
    expect(chooser.html).toContain('Conformance App');
    expect(chooser.html).not.toMatch(/<script|<link|src="http/);

    const consent = await b.go('/o/oauth2/v2/auth/chooser', { request: hidden(chooser.html), account: ADA });
    expect(consent.html).toContain('Conformance App wants access to your Google Account');
    const boxes = [
      ...consent.html.matchAll(/<input type="checkbox" id="([^"]+)" name="scope" value="([^"]+)"( checked)?>/g),
    ];
    expect(boxes.map((m) => m[2])).toEqual([DRIVE_READONLY, CONTACTS_READONLY]);
    // Unticked, as on Google's granular consent screen; each box has a label naming what it allows.
    expect(boxes.every((m) => m[3] === undefined)).toBe(true);
    for (const [, id] of boxes) expect(consent.html).toMatch(new RegExp(`<label for="${id}">[^<]+</label>`));
    expect(consent.html).toContain('See and download all your Google Drive files');
    expect(consent.html).toMatch(/<button[^>]*value="allow"[^>]*>Allow<\/button>/);
    expect(consent.html).toMatch(/<button[^>]*value="cancel"[^>]*>Cancel<\/button>/);
    // openid/email are listed as granted, without a checkbox.
    expect(consent.html).toContain('See your primary Google Account email address');

    const selectAll = await b.go('/o/oauth2/v2/auth/consent', { request: hidden(consent.html), action: 'select_all' });
    expect([...selectAll.html.matchAll(/name="scope" value="[^"]+" checked/g)]).toHaveLength(2);

    const done = await b.go('/o/oauth2/v2/auth/consent', {
      request: hidden(selectAll.html),
      action: 'allow',
      scope: [DRIVE_READONLY],
    });
    expect(done.status).toBe(302);
    const callback = new URL(done.location!);
    expect(callback.searchParams.get('scope')).toContain(DRIVE_READONLY);
    expect(callback.searchParams.get('scope')).not.toContain(CONTACTS_READONLY);

    // The form cannot be submitted twice.
    const replay = await b.go('/o/oauth2/v2/auth/consent', { request: hidden(selectAll.html), action: 'allow' });
    expect(replay.status).toBe(400);
    expect(replay.html).toContain('data-error="invalid_request"');
  });

  it('shows the chooser again for prompt=select_account even with a login_hint, and accepts a sub as hint', async () => {
    const b = browser();
    const client = h.oauthClient();
    const chooser = await b.go(
      client.generateAuthUrl({ scope: ['openid'], login_hint: ADA, prompt: 'select_account' }),
    );
    expect(chooser.html).toContain('data-page="chooser"');
    const bySub = await b.go(client.generateAuthUrl({ scope: ['openid'], login_hint: '104727018593224091586' }));
    expect(bySub.html).toContain('data-page="consent"');
    expect(bySub.html).toContain(GRACE);
  });

  it('refuses invalid authorization requests on its own page with the reason', async () => {
    const b = browser();
    const client = h.oauthClient();
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ scope: 'openid', response_type: 'token' }, 400, 'unsupported_response_type'],
      [{ scope: 'openid https://www.googleapis.com/auth/nope!' }, 400, 'invalid_scope'],
      [{ scope: 'openid', prompt: 'none consent' }, 400, 'invalid_request'],
      [{ scope: 'openid', access_type: 'forever' }, 400, 'invalid_request'],
      [{ scope: 'openid', code_challenge: 'short', code_challenge_method: 'S256' }, 400, 'invalid_request'],
      [{ scope: '' }, 400, 'invalid_request'],
    ];
    for (const [params, status, error] of cases) {
      const page = await b.go(client.generateAuthUrl(params));
      expect(page.status, JSON.stringify(params)).toBe(status);
      expect(page.html).toContain(`data-error="${error}"`);
      expect(page.location).toBeNull();
    }
    const noClient = await b.go('/o/oauth2/v2/auth?scope=openid&response_type=code');
    expect(noClient.status).toBe(400);
    expect(noClient.html).toContain('Missing required parameter: client_id');
  });

  it('forgets an abandoned consent page after an hour', async () => {
    const b = browser();
    const chooser = await b.go(h.oauthClient().generateAuthUrl({ scope: ['openid'] }));
    h.clock.advance(3601_000);
    const late = await b.go('/o/oauth2/v2/auth/chooser', { request: hidden(chooser.html), account: ADA });
    expect(late.status).toBe(400);
    expect(late.html).toContain('no longer valid');
  });
});
