import { drive_v3 } from '@googleapis/drive';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApisWorld, AUTH, apiAuth, header, startApis } from './apis-fixture.js';

let world: ApisWorld;
beforeAll(async () => {
  world = await startApis();
});
afterAll(() => world.close());

const drive = (scopes = [AUTH + 'drive.readonly'], email = 'ada@example.com') =>
  new drive_v3.Drive({ rootUrl: world.url + '/', auth: apiAuth(world.authFor(email, scopes)) });

describe('Drive files.list', () => {
  it('pages to the end of the seeded files with the official client', async () => {
    const client = drive();
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const res = await client.files.list({
        pageSize: 7,
        pageToken,
        fields: 'nextPageToken, files(id, name, mimeType)',
      });
      expect(res.status).toBe(200);
      expect(header(res, 'content-type')).toBe('application/json; charset=UTF-8');
      for (const f of res.data.files ?? []) seen.push(f.id!);
      pageToken = res.data.nextPageToken ?? undefined;
      pages++;
    } while (pageToken);
    const ada = world.accounts.find((a) => a.email === 'ada@example.com')!;
    expect(seen).toHaveLength(ada.drive.files.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil(ada.drive.files.length / 7));
  });
});
