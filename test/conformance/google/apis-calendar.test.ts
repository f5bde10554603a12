import { calendar_v3 } from '@googleapis/calendar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApisWorld, AUTH, apiAuth, header, seeded, startApis } from './apis-fixture.js';
import { failure } from './harness.js';

const ADA = 'ada@example.com';
const GRACE = 'grace@example.com';
const ada = seeded(ADA);
const secondaryId = ada.calendar.calendars.find((c) => !c.primary)!.id;
const eventId = (summary: string) => ada.calendar.events.find((e) => e.summary === summary)!.id;

let world: ApisWorld;
let calendar: calendar_v3.Calendar;
beforeAll(async () => {
  world = await startApis();
  calendar = new calendar_v3.Calendar({
    rootUrl: world.google.url + '/',
    auth: apiAuth(await world.connect(ADA, [AUTH + 'calendar.readonly'])),
  });
});
afterAll(() => world.close());

async function allEvents(params: calendar_v3.Params$Resource$Events$List): Promise<calendar_v3.Schema$Event[]> {
  const items: calendar_v3.Schema$Event[] = [];
  let pageToken: string | undefined;
  do {
    const res = await calendar.events.list({ ...params, pageToken });
    items.push(...(res.data.items ?? []));
    pageToken = res.data.nextPageToken ?? undefined;
    if (pageToken) expect(res.data.nextSyncToken).toBeUndefined();
    else expect(res.data.nextSyncToken).toEqual(expect.any(String));
  } while (pageToken);
  return items;
}

describe('Calendar calendarList.list through @googleapis/calendar', () => {
  it('lists the primary calendar and the shared one, paging with maxResults', async () => {
    const first = await calendar.calendarList.list({ maxResults: 1 });
    expect(header(first, 'content-type')).toBe('application/json; charset=UTF-8');
    expect(first.data).toMatchObject({ kind: 'calendar#calendarList', etag: expect.stringMatching(/^".+"$/) });
    expect(first.data.items).toEqual([
      expect.objectContaining({
        kind: 'calendar#calendarListEntry',
        id: ADA,
        summary: ADA,
        timeZone: 'Europe/London',
        accessRole: 'owner',
        primary: true,
      }),
    ]);
    expect(first.data.nextSyncToken).toBeUndefined();
    const second = await calendar.calendarList.list({ maxResults: 1, pageToken: first.data.nextPageToken! });
    expect(second.data.items).toEqual([expect.objectContaining({ id: secondaryId, summary: 'Engines project' })]);
    expect(second.data.items![0]).not.toHaveProperty('primary');
    expect(second.data.nextPageToken).toBeUndefined();
    expect(second.data.nextSyncToken).toEqual(expect.any(String));
  });
});

describe('Calendar events.list', () => {
  it('returns a recurring series once, with its recurrence, when the series spans the window and singleEvents is off', async () => {
    const items = await allEvents({
      calendarId: 'primary',
      timeMin: '2026-01-12T00:00:00Z',
      timeMax: '2026-01-19T00:00:00Z',
    });
    expect(items.map((e) => e.summary).sort()).toEqual(
      ['Lunch with Alan', 'Monthly review', 'One-on-one', 'Team standup'].sort(),
    );
    const standup = items.find((e) => e.summary === 'Team standup')!;
    expect(standup).toMatchObject({
      kind: 'calendar#event',
      id: eventId('Team standup'),
      status: 'confirmed',
      recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=40'],
      start: { dateTime: '2026-01-05T09:30:00Z', timeZone: 'Europe/London' },
      end: { dateTime: '2026-01-05T09:45:00Z', timeZone: 'Europe/London' },
      organizer: { email: ADA, self: true },
    });
    expect(standup.htmlLink).toMatch(/^https:\/\/www\.google\.com\/calendar\/event\?eid=/);
  });

  it('expands recurring events into instances with singleEvents, ordered by start time', async () => {
    const res = await calendar.events.list({
      calendarId: ADA,
      timeMin: '2026-01-12T00:00:00Z',
      timeMax: '2026-01-17T00:00:00Z',
      singleEvents: true,
      orderBy: 'startTime',
    });
    expect(res.data).toMatchObject({ kind: 'calendar#events', summary: ADA, timeZone: 'Europe/London' });
    const items = res.data.items!;
    expect(items.map((e) => [e.summary, e.start!.dateTime])).toEqual([
      ['Team standup', '2026-01-12T09:30:00Z'],
      ['Lunch with Alan', '2026-01-12T12:00:00Z'],
      ['Team standup', '2026-01-13T09:30:00Z'],
      ['Team standup', '2026-01-14T09:30:00Z'],
      ['Team standup', '2026-01-15T09:30:00Z'],
      ['Team standup', '2026-01-16T09:30:00Z'],
    ]);
    const first = items[0]!;
    expect(first.id).toBe(`${eventId('Team standup')}_20260112T093000Z`);
    expect(first.recurringEventId).toBe(eventId('Team standup'));
    expect(first.originalStartTime).toEqual({ dateTime: '2026-01-12T09:30:00Z', timeZone: 'Europe/London' });
    expect(first).not.toHaveProperty('recurrence');
  });

  it('pages through every instance of a series, honouring COUNT and UNTIL', async () => {
    const standups = await allEvents({ calendarId: 'primary', singleEvents: true, q: 'standup', maxResults: 7 });
    expect(standups).toHaveLength(40);
    expect(new Set(standups.map((e) => e.id)).size).toBe(40);
    // Weekdays only: no instance falls on a Saturday or Sunday.
    expect(standups.every((e) => ![0, 6].includes(new Date(e.start!.dateTime!).getUTCDay()))).toBe(true);

    const backups = await allEvents({ calendarId: secondaryId, singleEvents: true, q: 'backup' });
    expect(backups.map((e) => e.start!.dateTime!.slice(0, 10))).toEqual(
      Array.from({ length: 19 }, (_, i) => `2026-01-${String(13 + i).padStart(2, '0')}`),
    );
  });

  it('expands all-day series into dated instances', async () => {
    const rotations = await allEvents({
      calendarId: secondaryId,
      singleEvents: true,
      q: 'on-call',
      orderBy: 'startTime',
    });
    expect(rotations).toHaveLength(6);
    expect(rotations[0]).toMatchObject({ start: { date: '2025-12-25' }, end: { date: '2026-01-01' } });
    expect(rotations[1]).toMatchObject({ start: { date: '2026-01-15' }, end: { date: '2026-01-22' } });
    expect(rotations[1]!.id).toBe(`${rotations[0]!.recurringEventId}_20260115`);
  });

  it('keeps the wall-clock time across a DST change and writes times in the requested zone', async () => {
    const graceCalendar = new calendar_v3.Calendar({
      rootUrl: world.google.url + '/',
      auth: apiAuth(await world.connect(GRACE, [AUTH + 'calendar'])),
    });
    const res = await graceCalendar.events.list({ calendarId: 'primary', singleEvents: true, q: 'Monthly review' });
    expect(res.data.timeZone).toBe('America/New_York');
    expect(res.data.items!.map((e) => e.start!.dateTime)).toEqual([
      '2026-01-02T16:00:00-05:00',
      '2026-02-02T16:00:00-05:00',
      '2026-03-02T16:00:00-05:00',
      '2026-04-02T16:00:00-04:00',
      '2026-05-02T16:00:00-04:00',
      '2026-06-02T16:00:00-04:00',
    ]);
    const inTokyo = await graceCalendar.events.list({
      calendarId: 'primary',
      singleEvents: true,
      q: 'Monthly review',
      timeZone: 'Asia/Tokyo',
      maxResults: 1,
    });
    expect(inTokyo.data.timeZone).toBe('Asia/Tokyo');
    expect(inTokyo.data.items![0]!.start).toEqual({
      dateTime: '2026-01-03T06:00:00+09:00',
      timeZone: 'America/New_York',
    });
  });

  it('refuses orderBy=startTime without singleEvents, as Google does', async () => {
    const err = await failure(() => calendar.events.list({ calendarId: 'primary', orderBy: 'startTime' }));
    expect(err.status).toBe(400);
    expect(err.message).toBe('The requested ordering is not available for the particular query.');
    expect((err.data as { error: { errors: unknown[] } }).error.errors).toEqual([
      {
        message: 'The requested ordering is not available for the particular query.',
        domain: 'global',
        reason: 'invalid',
        location: 'orderBy',
        locationType: 'parameter',
      },
    ]);
  });

  it('answers 404 for an unknown calendar and 400 for bad times, an empty range or a garbage pageToken', async () => {
    expect((await failure(() => calendar.events.list({ calendarId: 'nobody@example.com' }))).status).toBe(404);
    expect((await failure(() => calendar.events.list({ calendarId: 'primary', timeMin: 'yesterday' }))).status).toBe(
      400,
    );
    expect(
      (await failure(() => calendar.events.list({ calendarId: 'primary', timeMin: '2026-01-12T00:00:00' }))).status,
    ).toBe(400);
    const empty = await failure(() =>
      calendar.events.list({ calendarId: 'primary', timeMin: '2026-02-01T00:00:00Z', timeMax: '2026-01-01T00:00:00Z' }),
    );
    expect(empty.status).toBe(400);
    expect(empty.message).toBe('The specified time range is empty.');
    expect((await failure(() => calendar.events.list({ calendarId: 'primary', pageToken: 'x.y' }))).status).toBe(400);
    expect(
      (await failure(() => calendar.events.list({ calendarId: 'primary', timeZone: 'Mars/Olympus' }))).status,
    ).toBe(400);
    expect((await failure(() => calendar.events.list({ calendarId: 'primary', maxResults: 0 }))).status).toBe(400);
  });

  it('hides cancelled events unless showDeleted', async () => {
    const window = {
      calendarId: 'primary',
      timeMin: '2026-01-16T00:00:00Z',
      timeMax: '2026-01-17T00:00:00Z',
      singleEvents: true,
    };
    const shown = await calendar.events.list(window);
    expect(shown.data.items!.map((e) => e.summary)).not.toContain('Cancelled: vendor call');
    const all = await calendar.events.list({ ...window, showDeleted: true });
    expect(all.data.items!.find((e) => e.summary === 'Cancelled: vendor call')?.status).toBe('cancelled');
  });

  it('gets one event, or one instance of a series by its instance id', async () => {
    const dentist = await calendar.events.get({ calendarId: 'primary', eventId: eventId('Dentist') });
    expect(dentist.data).toMatchObject({
      summary: 'Dentist',
      location: '12 High St',
      start: { dateTime: '2026-01-20T10:30:00Z' },
    });
    const instanceId = `${eventId('Team standup')}_20260114T093000Z`;
    const instance = await calendar.events.get({ calendarId: ADA, eventId: instanceId });
    expect(instance.data).toMatchObject({
      id: instanceId,
      recurringEventId: eventId('Team standup'),
      start: { dateTime: '2026-01-14T09:30:00Z', timeZone: 'Europe/London' },
    });
    // A Saturday is not an occurrence of a weekday stand-up.
    const saturday = `${eventId('Team standup')}_20260117T093000Z`;
    expect((await failure(() => calendar.events.get({ calendarId: 'primary', eventId: saturday }))).status).toBe(404);
    expect((await failure(() => calendar.events.get({ calendarId: 'primary', eventId: 'nope' }))).status).toBe(404);
  });
});
