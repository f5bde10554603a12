import { people_v1 } from '@googleapis/people';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApisWorld, AUTH, apiAuth, header, seeded, startApis } from './apis-fixture.js';
import { failure } from './harness.js';

const GRACE = 'grace@example.com';

let world: ApisWorld;
let people: people_v1.People;
beforeAll(async () => {
  world = await startApis();
  const auth = apiAuth(await world.connect(GRACE, ['openid', 'email', 'profile', AUTH + 'contacts.readonly']));
  people = new people_v1.People({ rootUrl: world.google.url + '/', auth });
});
afterAll(() => world.close());

describe('People connections.list through @googleapis/people', () => {
  it('pages to the end of the contacts, with totals and a token only while more remain', async () => {
    const names: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const res = await people.people.connections.list({
        resourceName: 'people/me',
        personFields: 'names,emailAddresses',
        pageSize: 10,
        pageToken,
      });
      expect(header(res, 'content-type')).toBe('application/json; charset=UTF-8');
      expect(res.data.totalPeople).toBe(seeded(GRACE).contacts.length);
      expect(res.data.totalItems).toBe(seeded(GRACE).contacts.length);
      for (const person of res.data.connections ?? []) {
        expect(person.resourceName).toMatch(/^people\/c\d+$/);
        expect(person.etag).toEqual(expect.any(String));
        expect(person.names?.[0]).toMatchObject({
          metadata: { primary: true, source: { type: 'CONTACT', id: expect.any(String) } },
          displayNameLastFirst: `${person.names![0]!.familyName}, ${person.names![0]!.givenName}`,
        });
        expect(person.emailAddresses?.[0]?.value).toContain('@');
        expect(person.phoneNumbers).toBeUndefined();
        names.push(person.names![0]!.displayName!);
      }
      pageToken = res.data.nextPageToken ?? undefined;
      pages++;
    } while (pageToken);
    expect(names.length).toBeGreaterThanOrEqual(20);
    expect(names).toHaveLength(seeded(GRACE).contacts.length);
    expect(pages).toBe(Math.ceil(names.length / 10));
    expect(names).toContain('Ada Lovelace');
  });

  it('insists on personFields with the People API’s own message', async () => {
    const err = await failure(() => people.people.connections.list({ resourceName: 'people/me' }));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^personFields mask is required/);
    expect((err.data as { error: { status: string } }).error.status).toBe('INVALID_ARGUMENT');
    const bad = await failure(() =>
      people.people.connections.list({ resourceName: 'people/me', personFields: 'names,shoeSize' }),
    );
    expect(bad.status).toBe(400);
    expect(bad.message).toContain('shoeSize');
  });

  it('sorts by first name and by last modification, and refuses a page size outside 1–1000', async () => {
    const res = await people.people.connections.list({
      resourceName: 'people/me',
      personFields: 'names,metadata',
      sortOrder: 'FIRST_NAME_ASCENDING',
      pageSize: 1000,
    });
    const given = res.data.connections!.map((p) => p.names![0]!.givenName!);
    expect(given).toEqual([...given].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
    expect(res.data.nextPageToken).toBeUndefined();
    const newest = await people.people.connections.list({
      resourceName: 'people/me',
      personFields: 'metadata',
      sortOrder: 'LAST_MODIFIED_DESCENDING',
    });
    const times = newest.data.connections!.map((p) => Date.parse(p.metadata!.sources![0]!.updateTime!));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    for (const pageSize of [0, 1001]) {
      expect(
        (
          await failure(() =>
            people.people.connections.list({ resourceName: 'people/me', personFields: 'names', pageSize }),
          )
        ).status,
      ).toBe(400);
    }
    const garbage = await failure(() =>
      people.people.connections.list({ resourceName: 'people/me', personFields: 'names', pageToken: 'not-a-token' }),
    );
    expect(garbage.status).toBe(400);
  });

  it('hands out a sync token on the last page when asked, and answers "no changes" with it', async () => {
    const first = await people.people.connections.list({
      resourceName: 'people/me',
      personFields: 'names',
      pageSize: 1000,
      requestSyncToken: true,
    });
    expect(first.data.nextSyncToken).toEqual(expect.any(String));
    const again = await people.people.connections.list({
      resourceName: 'people/me',
      personFields: 'names',
      syncToken: first.data.nextSyncToken!,
    });
    expect(again.data.connections).toBeUndefined();
    expect(again.data.nextSyncToken).toEqual(expect.any(String));
  });
});

describe('People people.get for people/me', () => {
  it('returns the signed-in user’s profile, with the email only when the token carries the email scope', async () => {
    const me = await people.people.get({ resourceName: 'people/me', personFields: 'names,emailAddresses,photos' });
    const grace = seeded(GRACE);
    expect(me.data.resourceName).toBe(`people/${grace.sub}`);
    expect(me.data.names?.[0]).toMatchObject({ displayName: 'Grace Hopper', givenName: 'Grace', familyName: 'Hopper' });
    expect(me.data.emailAddresses?.[0]?.value).toBe(GRACE);
    expect(me.data.photos?.[0]?.url).toMatch(/^data:image\//);

    const profileOnly = new people_v1.People({
      rootUrl: world.google.url + '/',
      auth: apiAuth(await world.connect(GRACE, ['profile'])),
    });
    const res = await profileOnly.people.get({ resourceName: 'people/me', personFields: 'names,emailAddresses' });
    expect(res.data.names?.[0]?.displayName).toBe('Grace Hopper');
    expect(res.data.emailAddresses).toBeUndefined();
    const err = await failure(() =>
      profileOnly.people.connections.list({ resourceName: 'people/me', personFields: 'names' }),
    );
    expect(err.status).toBe(403);
  });
});
