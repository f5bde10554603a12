import { gmail_v1 } from '@googleapis/gmail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApisWorld, AUTH, apiAuth, header, seeded, startApis } from './apis-fixture.js';
import { failure } from './harness.js';

const ADA = 'ada@example.com';
const ada = seeded(ADA);
const inSpamOrTrash = (labelIds: string[]) => labelIds.includes('SPAM') || labelIds.includes('TRASH');

let world: ApisWorld;
let gmail: gmail_v1.Gmail;
beforeAll(async () => {
  world = await startApis();
  gmail = new gmail_v1.Gmail({
    rootUrl: world.google.url + '/',
    auth: apiAuth(await world.connect(ADA, [AUTH + 'gmail.readonly'])),
  });
});
afterAll(() => world.close());

async function listIds(params: gmail_v1.Params$Resource$Users$Messages$List): Promise<string[]> {
  const ids: string[] = [];
  let pageToken: string | undefined;
  do {
    const res = await gmail.users.messages.list({ userId: 'me', ...params, pageToken });
    ids.push(...(res.data.messages ?? []).map((m) => m.id!));
    pageToken = res.data.nextPageToken ?? undefined;
  } while (pageToken);
  return ids;
}

describe('Gmail labels through @googleapis/gmail', () => {
  it('lists system and user labels in Gmail’s shape', async () => {
    const res = await gmail.users.labels.list({ userId: 'me' });
    expect(header(res, 'content-type')).toBe('application/json; charset=UTF-8');
    const labels = res.data.labels!;
    expect(labels.find((l) => l.id === 'INBOX')).toEqual({ id: 'INBOX', name: 'INBOX', type: 'system' });
    expect(labels.find((l) => l.id === 'SPAM')).toMatchObject({
      messageListVisibility: 'hide',
      labelListVisibility: 'labelHide',
    });
    expect(labels.filter((l) => l.type === 'user').map((l) => l.name)).toEqual(['Work', 'Receipts', 'Travel', 'Ideas']);
    expect(labels.find((l) => l.name === 'Work')).toMatchObject({
      id: 'Label_1',
      type: 'user',
      labelListVisibility: 'labelShow',
    });
  });

  it('counts messages on a label in labels.get', async () => {
    const res = await gmail.users.labels.get({ userId: 'me', id: 'UNREAD' });
    const unread = ada.gmail.messages.filter((m) => m.labelIds.includes('UNREAD'));
    expect(res.data).toMatchObject({ id: 'UNREAD', messagesTotal: unread.length, messagesUnread: unread.length });
  });
});

describe('Gmail messages.list', () => {
  it('pages to the end, newest first, leaving out spam and trash', async () => {
    const first = await gmail.users.messages.list({ userId: 'me', maxResults: 10 });
    expect(first.data.messages).toHaveLength(10);
    expect(first.data.messages![0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      threadId: expect.any(String),
    });
    const visible = ada.gmail.messages.filter((m) => !inSpamOrTrash(m.labelIds));
    expect(first.data.resultSizeEstimate).toBe(visible.length);
    const ids = await listIds({ maxResults: 10 });
    expect(ids).toHaveLength(visible.length);
    expect(ids).toEqual([...visible].sort((a, b) => b.internalDate - a.internalDate).map((m) => m.id));
    const everything = await listIds({ includeSpamTrash: true, maxResults: 500 });
    expect(everything).toHaveLength(ada.gmail.messages.length);
    expect(ada.gmail.messages.length).toBeGreaterThanOrEqual(40);
  });

  it('filters by labelIds (all must match) and by basic search operators', async () => {
    const inboxUnread = await listIds({ labelIds: ['INBOX', 'UNREAD'] });
    const expected = ada.gmail.messages.filter((m) => m.labelIds.includes('INBOX') && m.labelIds.includes('UNREAD'));
    expect(inboxUnread.sort()).toEqual(expected.map((m) => m.id).sort());

    const fromGrace = await listIds({ q: 'from:grace@example.com' });
    expect(fromGrace.length).toBeGreaterThan(0);
    for (const id of fromGrace) {
      const msg = await gmail.users.messages.get({ userId: 'me', id, format: 'metadata', metadataHeaders: ['From'] });
      expect(msg.data.payload!.headers).toEqual([{ name: 'From', value: 'Grace Hopper <grace@example.com>' }]);
    }

    const attachments = await listIds({ q: 'has:attachment is:unread' });
    expect(attachments.sort()).toEqual(
      ada.gmail.messages
        .filter((m) => m.attachment && m.labelIds.includes('UNREAD') && !inSpamOrTrash(m.labelIds))
        .map((m) => m.id)
        .sort(),
    );
    const trash = await listIds({ q: 'in:trash' });
    expect(trash.sort()).toEqual(
      ada.gmail.messages
        .filter((m) => m.labelIds.includes('TRASH'))
        .map((m) => m.id)
        .sort(),
    );
    const subject = await listIds({ q: 'subject:"flight confirmation" -label:work' });
    expect(subject.length).toBeGreaterThan(0);
    const empty = await gmail.users.messages.list({ userId: 'me', q: 'subject:no-such-subject-anywhere' });
    expect(empty.data).toEqual({ resultSizeEstimate: 0 });
  });

  it('refuses an unknown label, a garbage pageToken and maxResults above 500', async () => {
    expect((await failure(() => gmail.users.messages.list({ userId: 'me', labelIds: ['NOPE'] }))).status).toBe(400);
    expect((await failure(() => gmail.users.messages.list({ userId: 'me', pageToken: '%%%' }))).status).toBe(400);
    expect((await failure(() => gmail.users.messages.list({ userId: 'me', maxResults: 501 }))).status).toBe(400);
  });

  it('refuses another user’s mailbox', async () => {
    const err = await failure(() => gmail.users.messages.list({ userId: 'grace@example.com' }));
    expect(err.status).toBe(403);
    expect(err.message).toBe('Delegation denied for ada@example.com');
  });
});

describe('Gmail threads', () => {
  it('lists each conversation once and returns a thread’s messages oldest first', async () => {
    const threads: gmail_v1.Schema$Thread[] = [];
    let pageToken: string | undefined;
    do {
      const res = await gmail.users.threads.list({ userId: 'me', maxResults: 8, pageToken });
      threads.push(...(res.data.threads ?? []));
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    const visible = ada.gmail.messages.filter((m) => !inSpamOrTrash(m.labelIds));
    expect(threads.map((t) => t.id).sort()).toEqual([...new Set(visible.map((m) => m.threadId))].sort());
    expect(threads[0]).toEqual({ id: expect.any(String), snippet: expect.any(String), historyId: expect.any(String) });

    const reply = ada.gmail.messages.find((m) => m.subject === 'Re: Code review for the parser')!;
    const thread = await gmail.users.threads.get({
      userId: 'me',
      id: reply.threadId,
      format: 'metadata',
      metadataHeaders: ['Subject'],
    });
    expect(thread.data.messages!.map((m) => m.payload!.headers![0]!.value)).toEqual([
      'Code review for the parser',
      'Re: Code review for the parser',
    ]);
    expect(thread.data.messages![0]!.id).toBe(reply.threadId);
    expect((await failure(() => gmail.users.threads.get({ userId: 'me', id: 'abc123' }))).status).toBe(404);
  });
});

describe('Gmail messages.get and the profile', () => {
  it('returns a message in full, metadata, minimal and raw formats', async () => {
    const seededMessage = ada.gmail.messages.find((m) => m.attachment)!;
    const full = await gmail.users.messages.get({ userId: 'me', id: seededMessage.id });
    expect(full.data).toMatchObject({
      id: seededMessage.id,
      threadId: seededMessage.threadId,
      labelIds: seededMessage.labelIds,
      internalDate: String(seededMessage.internalDate),
      historyId: seededMessage.historyId,
    });
    expect(full.data.payload!.mimeType).toBe('multipart/mixed');
    const headers = Object.fromEntries(full.data.payload!.headers!.map((h) => [h.name, h.value]));
    expect(headers.Subject).toBe(seededMessage.subject);
    const text = full.data.payload!.parts![0]!.parts![0]!;
    expect(text.mimeType).toBe('text/plain');
    expect(Buffer.from(text.body!.data!, 'base64url').toString()).toContain(seededMessage.body);
    expect(full.data.payload!.parts![1]).toMatchObject({
      filename: seededMessage.attachment!.filename,
      body: { attachmentId: expect.any(String), size: seededMessage.attachment!.size },
    });

    const minimal = await gmail.users.messages.get({ userId: 'me', id: seededMessage.id, format: 'minimal' });
    expect(minimal.data.payload).toBeUndefined();
    expect(minimal.data.snippet).toEqual(expect.any(String));

    const raw = await gmail.users.messages.get({ userId: 'me', id: seededMessage.id, format: 'raw' });
    expect(Buffer.from(raw.data.raw!, 'base64url').toString()).toContain(`Subject: ${seededMessage.subject}\r\n`);

    expect((await failure(() => gmail.users.messages.get({ userId: 'me', id: 'ffffffffffffffff' }))).status).toBe(404);
    expect((await failure(() => gmail.users.messages.get({ userId: 'me', id: 'not-hex!' }))).status).toBe(400);
    expect(
      (await failure(() => gmail.users.messages.get({ userId: 'me', id: seededMessage.id, format: 'pdf' }))).status,
    ).toBe(400);
  });

  it('limits a gmail.metadata token to headers: no search, no full format', async () => {
    const metadata = new gmail_v1.Gmail({
      rootUrl: world.google.url + '/',
      auth: apiAuth(await world.connect(ADA, [AUTH + 'gmail.metadata'])),
    });
    const id = ada.gmail.messages[0]!.id;
    const res = await metadata.users.messages.get({ userId: 'me', id, format: 'metadata' });
    expect(res.data.payload!.headers!.length).toBeGreaterThan(0);
    const full = await failure(() => metadata.users.messages.get({ userId: 'me', id }));
    expect(full.status).toBe(403);
    expect(full.message).toBe("Metadata scope doesn't allow format FULL");
    const search = await failure(() => metadata.users.messages.list({ userId: 'me', q: 'is:unread' }));
    expect(search.status).toBe(403);
    expect(search.message).toBe("Metadata scope does not support 'q' parameter");
  });

  it('describes the mailbox in getProfile', async () => {
    const res = await gmail.users.getProfile({ userId: 'me' });
    expect(res.data).toEqual({
      emailAddress: ADA,
      messagesTotal: ada.gmail.messages.length,
      threadsTotal: new Set(ada.gmail.messages.map((m) => m.threadId)).size,
      historyId: expect.stringMatching(/^\d+$/),
    });
  });
});
