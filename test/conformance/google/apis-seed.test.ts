import { describe, expect, it } from 'vitest';
import { defaultAccounts } from '../../../src/sandbox/google/seed.js';

describe('the seeded Google accounts', () => {
  const accounts = defaultAccounts();

  it('are the same on every call, so tests can assert on ids and orderings', () => {
    expect(JSON.stringify(defaultAccounts())).toBe(JSON.stringify(accounts));
  });

  it('include two consumer accounts and a Workspace account with hd', () => {
    expect(accounts.map((a) => [a.email, a.hd])).toEqual([
      ['ada@example.com', undefined],
      ['grace@example.com', undefined],
      ['linus@acme.test', 'acme.test'],
    ]);
  });

  it('give each account a stable 21-digit sub, a name and a picture that stays inside the sandbox', () => {
    for (const a of accounts) {
      expect(a.sub).toMatch(/^[1-9]\d{20}$/);
      expect(a.name).toBe(`${a.givenName} ${a.familyName}`);
      expect(a.picture).toMatch(/^data:image\//);
    }
    expect(new Set(accounts.map((a) => a.sub)).size).toBe(accounts.length);
  });

  it('give each account enough data that paging matters: 30+ files, 20+ contacts, 40+ messages, two calendars', () => {
    for (const a of accounts) {
      expect(a.drive.files.length).toBeGreaterThanOrEqual(30);
      expect(new Set(a.drive.files.map((f) => f.id)).size).toBe(a.drive.files.length);
      expect(a.drive.files.some((f) => f.trashed)).toBe(true);
      expect(new Set(a.drive.files.map((f) => f.mimeType)).size).toBeGreaterThanOrEqual(8);
      expect(a.contacts.length).toBeGreaterThanOrEqual(20);
      expect(new Set(a.contacts.map((c) => c.resourceName)).size).toBe(a.contacts.length);
      expect(a.gmail.messages.length).toBeGreaterThanOrEqual(40);
      expect(new Set(a.gmail.messages.map((m) => m.id)).size).toBe(a.gmail.messages.length);
      expect(a.gmail.labels.some((l) => l.type === 'user')).toBe(true);
      expect(a.calendar.calendars.filter((c) => c.primary)).toHaveLength(1);
      expect(a.calendar.calendars.length).toBeGreaterThanOrEqual(2);
      expect(a.calendar.events.some((e) => e.recurrence)).toBe(true);
    }
  });

  it('hand out fresh objects, so one emulator mutating its copy cannot leak into another', () => {
    const mine = defaultAccounts();
    mine[0]!.drive.files.pop();
    expect(defaultAccounts()[0]!.drive.files).toHaveLength(accounts[0]!.drive.files.length);
  });
});
