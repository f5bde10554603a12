import { COMMON_EVENTS, calendarEvents } from './calendar.js';
import { contacts } from './contacts.js';
import { avatar, digest, digits, hexId } from './deterministic.js';
import { driveFiles } from './drive.js';
import { DAY, iso, SEED_EPOCH } from './epoch.js';
import { gmailMessages, systemLabels, userLabels } from './gmail.js';
import { ADA, GRACE, LINUS, type Person } from './people.js';
import type { SeedAccount, SeedCalendar } from './types.js';

function buildAccount(p: Person, others: Person[]): SeedAccount {
  const name = `${p.givenName} ${p.familyName}`;
  const owner = { name, email: p.email };
  const people = contacts(p.key, 24, p.contactOffset);
  // Colleagues among the seeded accounts appear as contacts too, so cross-account data lines up.
  for (const [i, other] of others.entries()) {
    const id = digits(19, p.key, 'colleague', other.key).replace(/^0/, '1');
    people.push({
      resourceName: `people/c${id}`,
      etag: '%Eg' + digest('etag', p.key, other.key).toString('base64url').slice(0, 22),
      sourceId: BigInt(id).toString(16),
      givenName: other.givenName,
      familyName: other.familyName,
      emails: [{ value: other.email, type: other.hd ? 'work' : 'home' }],
      phones: [],
      updateTime: iso(SEED_EPOCH - (40 + i) * DAY),
    });
  }
  const correspondents = [
    ...others.map((o) => ({ name: `${o.givenName} ${o.familyName}`, email: o.email })),
    ...people.slice(0, 10).map((c) => ({ name: `${c.givenName} ${c.familyName}`, email: c.emails[0]!.value })),
    { name: 'Google', email: 'no-reply@accounts.google.com' },
    { name: 'Travel Desk', email: 'bookings@travel.example.com' },
  ];
  const calendars: SeedCalendar[] = [
    {
      id: p.email,
      summary: p.email,
      timeZone: p.timeZone,
      accessRole: 'owner',
      primary: true,
      backgroundColor: '#9fe1e7',
      foregroundColor: '#000000',
      colorId: '14',
      selected: true,
    },
    {
      id: `c_${hexId(40, p.key, 'calendar')}@group.calendar.google.com`,
      summary: p.secondaryCalendar,
      description: `Shared calendar: ${p.secondaryCalendar}`,
      timeZone: p.timeZone,
      accessRole: 'owner',
      primary: false,
      backgroundColor: '#f83a22',
      foregroundColor: '#000000',
      colorId: '3',
      selected: true,
    },
  ];
  const account: SeedAccount = {
    sub: p.sub,
    email: p.email,
    name,
    givenName: p.givenName,
    familyName: p.familyName,
    picture: avatar(p.givenName[0]! + p.familyName[0]!, p.color),
    locale: p.locale,
    timeZone: p.timeZone,
    drive: { files: driveFiles(p.key, p.folders, p.files) },
    contacts: people,
    gmail: {
      labels: [...systemLabels(), ...userLabels(p.labels)],
      messages: gmailMessages(p.key, owner, correspondents, 45, p.labels.length),
    },
    calendar: { calendars, events: calendarEvents(p.key, owner, calendars, correspondents, COMMON_EVENTS) },
  };
  if (p.hd) account.hd = p.hd;
  return account;
}

/**
 * The three seeded accounts: two consumer accounts and a Workspace one (`linus@acme.test`, `hd: acme.test`).
 * Each call returns fresh objects, so callers may mutate their copy.
 *
 * @example
 * const [ada] = defaultAccounts(); // ada.sub === '110169484474386276334'
 */
export function defaultAccounts(): SeedAccount[] {
  const everyone = [ADA, GRACE, LINUS];
  return everyone.map((p) =>
    buildAccount(
      p,
      everyone.filter((o) => o !== p),
    ),
  );
}
