import { createHash } from 'node:crypto';
import { drive_v3 } from '@googleapis/drive';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApisWorld, AUTH, apiAuth, header, seeded, startApis } from './apis-fixture.js';
import { failure } from './harness.js';

const ADA = 'ada@example.com';
const FOLDER = 'application/vnd.google-apps.folder';

let world: ApisWorld;
let drive: drive_v3.Drive;
beforeAll(async () => {
  world = await startApis();
  drive = new drive_v3.Drive({
    rootUrl: world.google.url + '/',
    auth: apiAuth(await world.connect(ADA, [AUTH + 'drive.readonly'])),
  });
});
afterAll(() => world.close());

async function listAll(params: drive_v3.Params$Resource$Files$List): Promise<drive_v3.Schema$File[]> {
  const files: drive_v3.Schema$File[] = [];
  let pageToken: string | undefined;
  do {
    const res = await drive.files.list({ ...params, pageToken });
    files.push(...(res.data.files ?? []));
    pageToken = res.data.nextPageToken ?? undefined;
  } while (pageToken);
  return files;
}

describe('Drive files.list through @googleapis/drive', () => {
  it('pages to the end of the account’s files, each file once, with nextPageToken only while more remain', async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const res = await drive.files.list({
        pageSize: 7,
        pageToken,
        fields: 'nextPageToken, files(id, name, mimeType)',
      });
      expect(res.status).toBe(200);
      expect(header(res, 'content-type')).toBe('application/json; charset=UTF-8');
      expect(res.data.files!.length).toBeLessThanOrEqual(7);
      for (const f of res.data.files!) {
        expect(Object.keys(f).sort()).toEqual(['id', 'mimeType', 'name']);
        seen.push(f.id!);
      }
      pageToken = res.data.nextPageToken ?? undefined;
      pages++;
    } while (pageToken);
    const total = seeded(ADA).drive.files.length;
    expect(total).toBeGreaterThanOrEqual(30);
    expect(new Set(seen).size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 7));
  });

  it('answers the default shape when no fields are asked: kind, incompleteSearch and four fields per file', async () => {
    const res = await drive.files.list({ pageSize: 2 });
    expect(res.data.kind).toBe('drive#fileList');
    expect(res.data.incompleteSearch).toBe(false);
    expect(res.data.nextPageToken).toEqual(expect.any(String));
    expect(Object.keys(res.data.files![0]!).sort()).toEqual(['id', 'kind', 'mimeType', 'name']);
  });

  it('filters with q: name contains, mimeType, trashed and parents, joined by and', async () => {
    const projects = await listAll({
      q: "name contains 'project' and trashed = false",
      fields: 'nextPageToken, files(name)',
    });
    expect(projects.map((f) => f.name).sort()).toEqual(
      ['Project kickoff feedback', 'Project plan', 'Project roadmap', 'Projects'].sort(),
    );

    const folders = await listAll({ q: `mimeType = '${FOLDER}'`, fields: 'files(id,name)' });
    expect(folders.map((f) => f.name).sort()).toEqual(['Analytical Engine', 'Photos', 'Projects', 'Receipts']);

    const trashed = await listAll({ q: 'trashed = true', fields: 'files(name,trashed)' });
    expect(trashed.map((f) => f.name).sort()).toEqual([
      'Duplicate budget',
      'Old draft (do not use)',
      'blurry photo.jpg',
    ]);
    expect(trashed.every((f) => f.trashed === true)).toBe(true);

    const photos = folders.find((f) => f.name === 'Photos')!;
    const inPhotos = await listAll({
      q: `'${photos.id}' in parents and trashed = false and mimeType != '${FOLDER}'`,
      fields: 'files(name,parents)',
    });
    expect(inPhotos.map((f) => f.name).sort()).toEqual(['Garden.jpg', 'Holiday in Italy.jpg', 'Portrait.jpg']);
    expect(inPhotos.every((f) => f.parents?.[0] === photos.id)).toBe(true);

    const atRoot = await listAll({ q: "'root' in parents and mimeType = 'application/pdf'", fields: 'files(name)' });
    expect(atRoot.map((f) => f.name).sort()).toEqual(['Letters to Babbage.pdf', 'Translation of Menabrea.pdf']);
  });

  it('matches name contains by word prefix, as Drive does', async () => {
    const byPrefix = await listAll({ q: "name contains 'budg'", fields: 'files(name)' });
    expect(byPrefix.map((f) => f.name).sort()).toEqual([
      'Duplicate budget',
      'Engine budget 1843',
      'Household budget.xlsx',
    ]);
    const midWord = await listAll({ q: "name contains 'udget'", fields: 'files(name)' });
    expect(midWord).toEqual([]);
  });

  it('orders by name, by folder then name, and by modifiedTime descending', async () => {
    const byName = await listAll({ orderBy: 'name', fields: 'nextPageToken,files(name)', pageSize: 10 });
    const names = byName.map((f) => f.name!);
    expect(names).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase(), 'en')));

    const foldersFirst = await listAll({ orderBy: 'folder,name', fields: 'files(name,mimeType)' });
    expect(foldersFirst.slice(0, 4).every((f) => f.mimeType === FOLDER)).toBe(true);
    expect(foldersFirst.slice(4).some((f) => f.mimeType === FOLDER)).toBe(false);

    const recent = await listAll({ orderBy: 'modifiedTime desc', fields: 'files(modifiedTime)' });
    const times = recent.map((f) => Date.parse(f.modifiedTime!));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('returns the full resource for fields=* and only the selected nested fields otherwise', async () => {
    const all = await drive.files.list({ pageSize: 1, fields: '*', q: "name = 'Project plan'" });
    const file = all.data.files![0]!;
    expect(file).toMatchObject({ kind: 'drive#file', name: 'Project plan', ownedByMe: true, trashed: false });
    expect(file.owners?.[0]).toMatchObject({ emailAddress: ADA, me: true, kind: 'drive#user' });
    const partial = await drive.files.list({
      pageSize: 1,
      fields: 'files(owners(emailAddress))',
      q: "name = 'Project plan'",
    });
    expect(partial.data).toEqual({ files: [{ owners: [{ emailAddress: ADA }] }] });
  });

  it('refuses an unparsable q with Drive’s 400 invalid error naming q', async () => {
    for (const q of [
      "name contains 'unterminated",
      'name ~ 1',
      'trashed = maybe',
      "size > '1'",
      "name contains 'a' and",
    ]) {
      const err = await failure(() => drive.files.list({ q }));
      expect(err.status, q).toBe(400);
      expect(err.data).toEqual({
        error: {
          code: 400,
          message: 'Invalid Value',
          errors: [
            { message: 'Invalid Value', domain: 'global', reason: 'invalid', location: 'q', locationType: 'parameter' },
          ],
        },
      });
    }
  });

  it('refuses a garbage or tampered pageToken, an out-of-range pageSize, an unknown orderBy and an unknown field', async () => {
    const first = await drive.files.list({ pageSize: 5 });
    const token = first.data.nextPageToken!;
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    for (const pageToken of ['garbage', tampered]) {
      const err = await failure(() => drive.files.list({ pageToken }));
      expect(err.status).toBe(400);
      expect((err.data as { error: { errors: { location: string }[] } }).error.errors[0]!.location).toBe('pageToken');
    }
    // A token is bound to its query: replaying it with another q is refused, not silently mixed.
    expect((await failure(() => drive.files.list({ pageToken: token, q: 'trashed = true' }))).status).toBe(400);
    expect((await failure(() => drive.files.list({ pageSize: 1001 }))).status).toBe(400);
    expect((await failure(() => drive.files.list({ pageSize: 0 }))).status).toBe(400);
    expect((await failure(() => drive.files.list({ orderBy: 'colour' }))).status).toBe(400);
    const badField = await failure(() => drive.files.list({ fields: 'files(id,nonsense)' }));
    expect(badField.status).toBe(400);
    expect(badField.message).toContain('Invalid field selection nonsense');
    expect((await failure(() => drive.files.list({ fields: 'files(id' }))).status).toBe(400);
  });

  it('sees nothing under drive.file, since no seeded file was opened with the app', async () => {
    const narrow = new drive_v3.Drive({
      rootUrl: world.google.url + '/',
      auth: apiAuth(await world.connect(ADA, [AUTH + 'drive.file'])),
    });
    const res = await narrow.files.list({});
    expect(res.data.files).toEqual([]);
    expect(res.data.nextPageToken).toBeUndefined();
  });
});

describe('Drive files.get and about.get', () => {
  it('gets one file with the default four fields, the root alias, and Drive’s 404 for an unknown id', async () => {
    const plan = seeded(ADA).drive.files.find((f) => f.name === 'Project plan')!;
    const res = await drive.files.get({ fileId: plan.id });
    expect(res.data).toEqual({ kind: 'drive#file', id: plan.id, name: 'Project plan', mimeType: plan.mimeType });
    const root = await drive.files.get({ fileId: 'root', fields: 'id,name,mimeType' });
    expect(root.data).toMatchObject({ name: 'My Drive', mimeType: FOLDER });
    const err = await failure(() => drive.files.get({ fileId: 'no-such-file' }));
    expect(err.status).toBe(404);
    expect(err.message).toBe('File not found: no-such-file.');
    // Drive's own error bodies carry no `status` (its documented and recorded bodies do not).
    expect(err.data).toEqual({
      error: {
        code: 404,
        message: 'File not found: no-such-file.',
        errors: [
          {
            message: 'File not found: no-such-file.',
            domain: 'global',
            reason: 'notFound',
            location: 'fileId',
            locationType: 'parameter',
          },
        ],
      },
    });
  });

  it('names the user in about.get and insists on fields, as Drive v3 does', async () => {
    const res = await drive.about.get({ fields: 'user' });
    expect(res.data).toEqual({
      user: expect.objectContaining({ kind: 'drive#user', displayName: 'Ada Lovelace', emailAddress: ADA, me: true }),
    });
    expect(res.data.user!.photoLink).toMatch(/^data:image\/svg\+xml;base64,/);
    const err = await failure(() => drive.about.get({}));
    expect(err.status).toBe(400);
    expect(err.message).toBe("The 'fields' parameter is required for this method.");
  });

  it('downloads a binary file with alt=media, matching its size and md5Checksum, and refuses Docs files', async () => {
    const todo = seeded(ADA).drive.files.find((f) => f.name === 'todo.txt')!;
    const meta = await drive.files.get({ fileId: todo.id, fields: 'size,md5Checksum,mimeType' });
    const res = await drive.files.get({ fileId: todo.id, alt: 'media' }, { responseType: 'arraybuffer' });
    const bytes = Buffer.from(res.data as unknown as ArrayBuffer);
    expect(header(res, 'content-type')).toBe('text/plain');
    expect(String(bytes.length)).toBe(meta.data.size);
    expect(createHash('md5').update(bytes).digest('hex')).toBe(meta.data.md5Checksum);
    expect(bytes.toString('utf8')).toMatch(/^todo\.txt: seeded content/);

    const plan = seeded(ADA).drive.files.find((f) => f.name === 'Project plan')!;
    const err = await failure(() => drive.files.get({ fileId: plan.id, alt: 'media' }));
    expect(err.status).toBe(403);
    expect((err.data as { error: { errors: { reason: string }[] } }).error.errors[0]!.reason).toBe(
      'fileNotDownloadable',
    );

    const metadataOnly = new drive_v3.Drive({
      rootUrl: world.google.url + '/',
      auth: apiAuth(await world.connect(ADA, [AUTH + 'drive.metadata.readonly'])),
    });
    expect((await metadataOnly.files.get({ fileId: todo.id })).data.name).toBe('todo.txt');
    const denied = await failure(() => metadataOnly.files.get({ fileId: todo.id, alt: 'media' }));
    expect(denied.status).toBe(403);
    expect((denied.data as { error: { errors: { reason: string }[] } }).error.errors[0]!.reason).toBe(
      'appNotAuthorizedToFile',
    );
  });
});
