import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { drive_v3 } from '@googleapis/drive';
import { gmail_v1 } from '@googleapis/gmail';
import type { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApisWorld, AUTH, apiAuth, seeded, startApis } from './apis-fixture.js';
import { failure } from './harness.js';

const ADA = 'ada@example.com';

let world: ApisWorld;
let full: OAuth2Client;
beforeAll(async () => {
  world = await startApis();
  full = await world.connect(ADA, [AUTH + 'drive', AUTH + 'gmail.send', AUTH + 'gmail.readonly']);
});
afterAll(() => world.close());

const driveAs = (client: OAuth2Client) =>
  new drive_v3.Drive({ rootUrl: world.google.url + '/', auth: apiAuth(client) });
const gmailAs = (client: OAuth2Client) =>
  new gmail_v1.Gmail({ rootUrl: world.google.url + '/', auth: apiAuth(client) });
const token = (client: OAuth2Client) => client.credentials.access_token!;
/**
 * googleapis-common applies a client-wide `rootUrl` to the method URL but not to the upload (`mediaUrl`) one, so a
 * media upload names the root per call too (docs/sandbox/google-apis.md says so).
 */
const perCall = () => ({ rootUrl: world.google.url + '/' });

describe('Drive files.create, files.get alt=media and files.delete through @googleapis/drive', () => {
  it('creates a folder from metadata alone, and a file in it with a multipart upload whose bytes download intact', async () => {
    const drive = driveAs(full);
    const folder = await drive.files.create({
      requestBody: { name: 'Reports', mimeType: 'application/vnd.google-apps.folder' },
      fields: 'id,name,mimeType,parents',
    });
    expect(folder.data).toMatchObject({ name: 'Reports', mimeType: 'application/vnd.google-apps.folder' });

    const bytes = Buffer.from([0, 1, 2, 253, 254, 255, 13, 10, 45, 45]);
    const file = await drive.files.create(
      {
        requestBody: { name: 'blob.bin', parents: [folder.data.id!] },
        media: { mimeType: 'application/octet-stream', body: Readable.from([bytes]) },
        fields: 'id,name,mimeType,size,md5Checksum,parents',
      },
      perCall(),
    );
    expect(file.data).toMatchObject({
      name: 'blob.bin',
      mimeType: 'application/octet-stream',
      size: String(bytes.length),
      md5Checksum: createHash('md5').update(bytes).digest('hex'),
      parents: [folder.data.id],
    });
    const download = await drive.files.get({ fileId: file.data.id!, alt: 'media' }, { responseType: 'arraybuffer' });
    expect(Buffer.from(download.data as unknown as ArrayBuffer)).toEqual(bytes);

    const listed = await drive.files.list({ q: `'${folder.data.id}' in parents`, fields: 'files(id,name)' });
    expect(listed.data.files).toEqual([{ id: file.data.id, name: 'blob.bin' }]);
  });

  it('answers files.create with the default four fields when no fields are asked for', async () => {
    const res = await driveAs(full).files.create({ requestBody: { name: 'notes', mimeType: 'text/plain' } });
    expect(Object.keys(res.data).sort()).toEqual(['id', 'kind', 'mimeType', 'name']);
    expect(res.data.id).toMatch(/^1[A-Za-z0-9_-]{32}$/);
  });

  it('takes a resumable upload in chunks: 308 with the range so far, then the file', async () => {
    const content = Buffer.from('resumable content, uploaded in two chunks\n');
    const start = await fetch(`${world.google.url}/upload/drive/v3/files?uploadType=resumable`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token(full)}`,
        'content-type': 'application/json; charset=UTF-8',
        'x-upload-content-type': 'text/plain',
      },
      body: JSON.stringify({ name: 'resumable.txt' }),
    });
    expect(start.status).toBe(200);
    const session = start.headers.get('location')!;
    expect(session).toContain('upload_id=');
    const put = (chunk: Buffer, range: string) =>
      fetch(session, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token(full)}`, 'content-range': range },
        body: new Uint8Array(chunk),
      });
    const first = await put(content.subarray(0, 10), `bytes 0-9/${content.length}`);
    expect(first.status).toBe(308);
    expect(first.headers.get('range')).toBe('bytes=0-9');
    const last = await put(content.subarray(10), `bytes 10-${content.length - 1}/${content.length}`);
    expect(last.status).toBe(200);
    const created = (await last.json()) as { id: string; name: string; mimeType: string };
    expect(created).toMatchObject({ name: 'resumable.txt', mimeType: 'text/plain' });
    const download = await driveAs(full).files.get({ fileId: created.id, alt: 'media' }, { responseType: 'text' });
    expect(download.data).toBe(content.toString());
  });

  it('deletes a file (204), after which it is Drive’s 404', async () => {
    const drive = driveAs(full);
    const file = await drive.files.create({ requestBody: { name: 'doomed.txt', mimeType: 'text/plain' } });
    const deleted = await drive.files.delete({ fileId: file.data.id! });
    expect(deleted.status).toBe(204);
    const gone = await failure(() => drive.files.get({ fileId: file.data.id! }));
    expect(gone.status).toBe(404);
    expect((await failure(() => drive.files.delete({ fileId: file.data.id! }))).status).toBe(404);
  });

  it('checks scopes as Google: read-only scopes may not create or delete, drive.file sees only its own files', async () => {
    const readonly = driveAs(await world.connect(ADA, [AUTH + 'drive.readonly']));
    const refused = await failure(() => readonly.files.create({ requestBody: { name: 'x' } }));
    expect(refused.status).toBe(403);
    expect(refused.data).toMatchObject({
      error: { status: 'PERMISSION_DENIED', errors: [{ reason: 'insufficientPermissions' }] },
    });
    const someone = seeded(ADA).drive.files.find((f) => f.name === 'todo.txt')!.id;
    expect((await failure(() => readonly.files.delete({ fileId: someone }))).status).toBe(403);

    const appOnly = driveAs(await world.connect(ADA, [AUTH + 'drive.file']));
    const own = await appOnly.files.create(
      {
        requestBody: { name: 'mine.txt' },
        media: { mimeType: 'text/plain', body: 'written by the app' },
      },
      perCall(),
    );
    // It sees the files this app (the same OAuth client) created, in this test and the ones before, and no seeded one.
    const visible = (await appOnly.files.list({ fields: 'files(id)' })).data.files!.map((f) => f.id);
    expect(visible).toContain(own.data.id);
    const seededIds = new Set(seeded(ADA).drive.files.map((f) => f.id));
    expect(visible.filter((id) => seededIds.has(id!))).toEqual([]);
    const mine = await appOnly.files.get({ fileId: own.data.id!, alt: 'media' }, { responseType: 'text' });
    expect(mine.data).toBe('written by the app');
    // A seeded file is not the app's: drive.file neither sees nor deletes it.
    expect((await failure(() => appOnly.files.delete({ fileId: someone }))).status).toBe(404);
  });

  it('refuses a parent that does not exist and an unknown uploadType', async () => {
    const drive = driveAs(full);
    const orphan = await failure(() => drive.files.create({ requestBody: { name: 'x', parents: ['nope'] } }));
    expect(orphan.status).toBe(404);
    const bad = await fetch(`${world.google.url}/upload/drive/v3/files?uploadType=chunky`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token(full)}` },
    });
    expect(bad.status).toBe(400);
  });
});

describe('Gmail users.messages.send through @googleapis/gmail', () => {
  const raw = (lines: string[]) => Buffer.from(lines.join('\r\n')).toString('base64url');

  it('sends a message, which then appears in the mailbox under SENT', async () => {
    const gmail = gmailAs(full);
    const sent = await gmail.users.messages.send({
      userId: 'me',
      requestBody: {
        raw: raw(['To: Grace <grace@example.com>', 'Subject: Hello from the emulator', '', 'The body.']),
      },
    });
    expect(sent.data).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      threadId: sent.data.id,
      labelIds: ['SENT'],
    });
    const message = await gmail.users.messages.get({ userId: 'me', id: sent.data.id! });
    expect(message.data.labelIds).toEqual(['SENT']);
    const headers = Object.fromEntries((message.data.payload?.headers ?? []).map((h) => [h.name, h.value]));
    expect(headers.Subject).toBe('Hello from the emulator');
    expect(headers.To).toContain('grace@example.com');
    const listed = await gmail.users.messages.list({ userId: 'me', labelIds: ['SENT'], maxResults: 500 });
    expect(listed.data.messages?.map((m) => m.id)).toContain(sent.data.id);
  });

  it('refuses a message with no recipient, and a request with no raw, as Gmail does', async () => {
    const gmail = gmailAs(full);
    const noRecipient = await failure(() =>
      gmail.users.messages.send({ userId: 'me', requestBody: { raw: raw(['Subject: nobody', '', 'x']) } }),
    );
    expect(noRecipient.status).toBe(400);
    expect(noRecipient.message).toBe('Recipient address required');
    const noRaw = await failure(() => gmail.users.messages.send({ userId: 'me', requestBody: {} }));
    expect(noRaw.status).toBe(400);
    expect(noRaw.message).toBe("'raw' RFC822 payload message string or uploading message via /upload/* URL required");
  });

  it('needs a sending scope: gmail.readonly alone is refused with 403 insufficientPermissions', async () => {
    const reader = gmailAs(await world.connect(ADA, [AUTH + 'gmail.readonly']));
    const refused = await failure(() =>
      reader.users.messages.send({ userId: 'me', requestBody: { raw: raw(['To: a@b.test', '', 'x']) } }),
    );
    expect(refused.status).toBe(403);
    expect(refused.data).toMatchObject({ error: { errors: [{ reason: 'insufficientPermissions' }] } });
  });
});
