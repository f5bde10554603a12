import { createHash } from 'node:crypto';

/**
 * The seeded world of the Google emulator: accounts with Drive files, contacts, mail and calendars.
 *
 * Everything here is derived from fixed inputs (names, a fixed epoch, a seeded PRNG), so two calls to
 * `defaultAccounts()` return identical data and tests can assert on ids, counts and orderings.
 */

/** The instant the seed data is laid out around: "now" in the seeded world. */
export const SEED_EPOCH = Date.parse('2026-01-15T09:00:00Z');

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

export interface SeedDriveFile {
  id: string;
  name: string;
  mimeType: string;
  /** Parent folder ids; the root folder is `root`. */
  parents: string[];
  createdTime: string;
  modifiedTime: string;
  trashed: boolean;
  starred: boolean;
  /** Bytes; absent for folders and Google-native documents, as in Drive. */
  size?: string;
  description?: string;
}

export interface SeedContact {
  /** `people/c<digits>`. */
  resourceName: string;
  etag: string;
  /** Contact id as Google shows it in `metadata.source.id` (hex). */
  sourceId: string;
  givenName: string;
  familyName: string;
  emails: { value: string; type: 'home' | 'work' | 'other' }[];
  phones: { value: string; canonicalForm: string; type: 'mobile' | 'work' | 'home' }[];
  organization?: { name: string; title: string };
  birthday?: { month: number; day: number; year?: number };
  updateTime: string;
}

export interface SeedGmailLabel {
  id: string;
  name: string;
  type: 'system' | 'user';
  messageListVisibility?: 'show' | 'hide';
  labelListVisibility?: 'labelShow' | 'labelShowIfUnread' | 'labelHide';
  color?: { textColor: string; backgroundColor: string };
}

export interface SeedGmailMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  /** Milliseconds since the epoch. */
  internalDate: number;
  historyId: string;
  from: { name: string; email: string };
  to: { name: string; email: string }[];
  subject: string;
  /** Plain-text body; the snippet is derived from it. */
  body: string;
  /** Set when the message has an attachment-like second part. */
  attachment?: { filename: string; mimeType: string; size: number };
}

export interface SeedCalendar {
  id: string;
  summary: string;
  description?: string;
  timeZone: string;
  accessRole: 'owner' | 'writer' | 'reader' | 'freeBusyReader';
  primary: boolean;
  backgroundColor: string;
  foregroundColor: string;
  colorId: string;
  selected: boolean;
}

/** A start or end as Calendar models it: a local date-time in a zone, or an all-day date. */
export type SeedEventTime = { dateTime: string; timeZone: string } | { date: string };

export interface SeedCalendarEvent {
  id: string;
  calendarId: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  summary: string;
  description?: string;
  location?: string;
  /** Local wall-clock time (`YYYY-MM-DDTHH:mm:ss`) plus zone, or an all-day date. */
  start: SeedEventTime;
  end: SeedEventTime;
  /** RFC 5545 lines, e.g. `RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=12`. */
  recurrence?: string[];
  created: string;
  updated: string;
  attendees?: { email: string; displayName?: string; responseStatus: string; organizer?: boolean; self?: boolean }[];
}

export interface SeedAccount {
  /** Stable 21-digit numeric subject, as Google issues. */
  sub: string;
  email: string;
  name: string;
  givenName: string;
  familyName: string;
  /** A `data:` URL, so nothing reaches outside the sandbox. */
  picture: string;
  /** The Workspace domain, only for Workspace accounts. */
  hd?: string;
  locale: string;
  timeZone: string;
  drive: { files: SeedDriveFile[] };
  contacts: SeedContact[];
  gmail: { labels: SeedGmailLabel[]; messages: SeedGmailMessage[] };
  calendar: { calendars: SeedCalendar[]; events: SeedCalendarEvent[] };
}

// ---------------------------------------------------------------------------------------------------------------
// Deterministic helpers

/** mulberry32: tiny, fast, and good enough to shuffle fixtures reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function digest(...parts: string[]): Buffer {
  return createHash('sha256').update(parts.join('\u0000')).digest();
}

/** A Drive-like id: 33 characters of base64url, starting with `1` as modern Drive ids do. */
function driveId(...parts: string[]): string {
  return (
    '1' +
    digest('drive', ...parts)
      .toString('base64url')
      .slice(0, 32)
  );
}

function hexId(length: number, ...parts: string[]): string {
  return digest(...parts)
    .toString('hex')
    .slice(0, length);
}

function digits(length: number, ...parts: string[]): string {
  const bytes = digest(...parts);
  let out = '';
  for (let i = 0; out.length < length; i++) out += String(bytes[i % bytes.length]! % 10);
  return out;
}

/** Calendar event ids use base32hex (a–v, 0–9). */
function eventId(...parts: string[]): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  const bytes = digest('event', ...parts);
  let out = '';
  for (let i = 0; i < 26; i++) out += alphabet[bytes[i]! % 32];
  return out;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function avatar(initials: string, background: string): string {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">` +
    `<circle cx="48" cy="48" r="48" fill="${background}"/>` +
    `<text x="48" y="60" font-family="Arial,sans-serif" font-size="36" fill="#fff" text-anchor="middle">${initials}</text>` +
    `</svg>`;
  return 'data:image/svg+xml;base64,' + Buffer.from(svg).toString('base64');
}

// ---------------------------------------------------------------------------------------------------------------
// Drive

export const FOLDER_MIME = 'application/vnd.google-apps.folder';
const DOC = 'application/vnd.google-apps.document';
const SHEET = 'application/vnd.google-apps.spreadsheet';
const SLIDES = 'application/vnd.google-apps.presentation';
const FORM = 'application/vnd.google-apps.form';
const PDF = 'application/pdf';
const PNG = 'image/png';
const JPEG = 'image/jpeg';
const TXT = 'text/plain';
const CSV = 'text/csv';
const ZIP = 'application/zip';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const NATIVE = new Set([FOLDER_MIME, DOC, SHEET, SLIDES, FORM]);

interface FileSpec {
  name: string;
  mimeType: string;
  folder?: string;
  trashed?: boolean;
  starred?: boolean;
}

function driveFiles(key: string, folders: string[], specs: FileSpec[]): SeedDriveFile[] {
  const rand = prng(digest('drive-times', key).readUInt32BE(0));
  const files: SeedDriveFile[] = [];
  const folderIds = new Map<string, string>();
  const all: FileSpec[] = [...folders.map((name) => ({ name, mimeType: FOLDER_MIME })), ...specs];
  all.forEach((spec, index) => {
    const id = driveId(key, spec.name, String(index));
    if (spec.mimeType === FOLDER_MIME) folderIds.set(spec.name, id);
    // Spread files over the year before the epoch, at minute precision, newest last-ish but shuffled.
    const created = SEED_EPOCH - Math.floor((30 + rand() * 330) * DAY) - Math.floor(rand() * 600) * MINUTE;
    const modified = Math.min(SEED_EPOCH - HOUR, created + Math.floor(rand() * 120 * DAY));
    const file: SeedDriveFile = {
      id,
      name: spec.name,
      mimeType: spec.mimeType,
      parents: [spec.folder ? folderIds.get(spec.folder)! : 'root'],
      createdTime: iso(created),
      modifiedTime: iso(modified + index * 1000),
      trashed: spec.trashed ?? false,
      starred: spec.starred ?? false,
    };
    if (!NATIVE.has(spec.mimeType)) file.size = String(1024 + Math.floor(rand() * 4_000_000));
    files.push(file);
  });
  return files;
}

// ---------------------------------------------------------------------------------------------------------------
// Contacts

const GIVEN = [
  'Alan',
  'Barbara',
  'Charles',
  'Dorothy',
  'Edsger',
  'Frances',
  'Guido',
  'Hedy',
  'Ivan',
  'Joan',
  'Ken',
  'Lynn',
  'Margaret',
  'Niklaus',
  'Olga',
  'Peter',
  'Radia',
  'Shafi',
  'Tim',
  'Ursula',
  'Vint',
  'Whitfield',
  'Xiao',
  'Yukihiro',
  'Zhang',
  'Anita',
  'Bjarne',
  'Carol',
];
const FAMILY = [
  'Turing',
  'Liskov',
  'Babbage',
  'Vaughan',
  'Dijkstra',
  'Allen',
  'van Rossum',
  'Lamarr',
  'Sutherland',
  'Clarke',
  'Thompson',
  'Conway',
  'Hamilton',
  'Wirth',
  'Taussky',
  'Naur',
  'Perlman',
  'Goldwasser',
  'Berners-Lee',
  'Franklin',
  'Cerf',
  'Diffie',
  'Li',
  'Matsumoto',
  'Wei',
  'Borg',
  'Stroustrup',
  'Shaw',
];
const COMPANIES = [
  'Analytical Engines Ltd',
  'Bletchley Park',
  'Xerox PARC',
  'Bell Labs',
  'CERN',
  'Acme Corp',
  'Initech',
];
const TITLES = ['Engineer', 'Researcher', 'Product Manager', 'Designer', 'Director', 'Consultant'];

function contacts(key: string, count: number, offset: number): SeedContact[] {
  const rand = prng(digest('contacts', key).readUInt32BE(0));
  const out: SeedContact[] = [];
  for (let i = 0; i < count; i++) {
    const givenName = GIVEN[(i + offset) % GIVEN.length]!;
    const familyName = FAMILY[(i * 3 + offset) % FAMILY.length]!;
    const slug = `${givenName}.${familyName}`.toLowerCase().replace(/[^a-z.]/g, '');
    const domain = pick(rand, ['example.org', 'example.net', 'mail.example.com', 'research.example.edu']);
    const id = digits(19, key, 'contact', String(i));
    const phoneDigits = digits(7, key, 'phone', String(i));
    const contact: SeedContact = {
      resourceName: `people/c${id.replace(/^0/, '1')}`,
      etag: '%Eg' + digest('etag', key, String(i)).toString('base64url').slice(0, 22),
      sourceId: BigInt(id.replace(/^0/, '1')).toString(16),
      givenName,
      familyName,
      emails: [{ value: `${slug}@${domain}`, type: i % 3 === 0 ? 'work' : 'home' }],
      phones: [
        {
          value: `(555) ${phoneDigits.slice(0, 3)}-${phoneDigits.slice(3)}`,
          canonicalForm: `+1555${phoneDigits}`,
          type: i % 2 === 0 ? 'mobile' : 'work',
        },
      ],
      updateTime: iso(SEED_EPOCH - Math.floor(rand() * 400) * DAY - i * MINUTE),
    };
    if (i % 4 === 1) contact.emails.push({ value: `${givenName.toLowerCase()}@${key}.example.com`, type: 'other' });
    if (i % 3 !== 2) contact.organization = { name: pick(rand, COMPANIES), title: pick(rand, TITLES) };
    if (i % 5 === 0) contact.birthday = { month: 1 + (i % 12), day: 1 + ((i * 7) % 28), year: 1960 + (i % 35) };
    out.push(contact);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Gmail

function systemLabels(): SeedGmailLabel[] {
  const hidden = (id: string): SeedGmailLabel => ({ id, name: id, type: 'system' });
  return [
    { id: 'CHAT', name: 'CHAT', type: 'system', messageListVisibility: 'hide', labelListVisibility: 'labelHide' },
    { id: 'SENT', name: 'SENT', type: 'system' },
    { id: 'INBOX', name: 'INBOX', type: 'system' },
    {
      id: 'IMPORTANT',
      name: 'IMPORTANT',
      type: 'system',
      messageListVisibility: 'hide',
      labelListVisibility: 'labelShow',
    },
    { id: 'TRASH', name: 'TRASH', type: 'system', messageListVisibility: 'hide', labelListVisibility: 'labelHide' },
    { id: 'DRAFT', name: 'DRAFT', type: 'system' },
    { id: 'SPAM', name: 'SPAM', type: 'system', messageListVisibility: 'hide', labelListVisibility: 'labelHide' },
    hidden('CATEGORY_FORUMS'),
    hidden('CATEGORY_UPDATES'),
    hidden('CATEGORY_PERSONAL'),
    hidden('CATEGORY_PROMOTIONS'),
    hidden('CATEGORY_SOCIAL'),
    { id: 'STARRED', name: 'STARRED', type: 'system' },
    { id: 'UNREAD', name: 'UNREAD', type: 'system' },
  ];
}

function userLabels(names: string[]): SeedGmailLabel[] {
  const colors = [
    { textColor: '#ffffff', backgroundColor: '#4a86e8' },
    { textColor: '#ffffff', backgroundColor: '#16a766' },
    { textColor: '#000000', backgroundColor: '#fad165' },
    { textColor: '#ffffff', backgroundColor: '#e66550' },
  ];
  return names.map((name, i) => ({
    id: `Label_${i + 1}`,
    name,
    type: 'user',
    messageListVisibility: 'show',
    labelListVisibility: 'labelShow',
    color: colors[i % colors.length]!,
  }));
}

interface MailTemplate {
  subject: string;
  body: string;
  category: 'CATEGORY_PERSONAL' | 'CATEGORY_UPDATES' | 'CATEGORY_PROMOTIONS' | 'CATEGORY_SOCIAL' | 'CATEGORY_FORUMS';
  userLabel?: number;
  attachment?: { filename: string; mimeType: string; size: number };
}

const MAIL: MailTemplate[] = [
  {
    subject: 'Quarterly planning notes',
    body: 'Hi, attached are the notes from our planning session. Please review the action items before Friday.',
    category: 'CATEGORY_PERSONAL',
    userLabel: 0,
    attachment: { filename: 'planning-notes.pdf', mimeType: PDF, size: 182_344 },
  },
  {
    subject: 'Your invoice is ready',
    body: 'Your invoice for this month is now available. The amount will be charged to your card on file.',
    category: 'CATEGORY_UPDATES',
    userLabel: 1,
    attachment: { filename: 'invoice.pdf', mimeType: PDF, size: 48_112 },
  },
  {
    subject: 'Lunch on Thursday?',
    body: 'Are you free for lunch on Thursday? There is a new ramen place near the office I want to try.',
    category: 'CATEGORY_PERSONAL',
  },
  {
    subject: 'Security alert: new sign-in',
    body: 'We noticed a new sign-in to your account from a Linux device. If this was you, no action is needed.',
    category: 'CATEGORY_UPDATES',
  },
  {
    subject: '50% off everything this weekend',
    body: 'Our biggest sale of the season starts now. Use code WEEKEND50 at checkout. Offer ends Sunday at midnight.',
    category: 'CATEGORY_PROMOTIONS',
  },
  {
    subject: 'Re: Code review for the parser',
    body: 'Thanks for the review. I addressed the comments about error recovery and added tests for empty input.',
    category: 'CATEGORY_PERSONAL',
    userLabel: 0,
  },
  {
    subject: 'Code review for the parser',
    body: 'Could you review my change to the parser? It rewrites error recovery; the tricky part is empty input.',
    category: 'CATEGORY_PERSONAL',
    userLabel: 0,
  },
  {
    subject: 'Someone mentioned you in a comment',
    body: 'You were mentioned in a comment on "Design doc: storage layer". Reply directly to this email to respond.',
    category: 'CATEGORY_SOCIAL',
  },
  {
    subject: 'Weekly digest: 12 new posts',
    body: 'Here are the most popular discussions in your groups this week, including a thread on compiler design.',
    category: 'CATEGORY_FORUMS',
  },
  {
    subject: 'Flight confirmation ZX4821',
    body: 'Your flight is confirmed. Departure 08:45 from LHR, arrival 11:20 at ZRH. Check in opens 24 hours before.',
    category: 'CATEGORY_UPDATES',
    userLabel: 2,
  },
  {
    subject: 'Photos from the offsite',
    body: 'I uploaded the photos from the team offsite to the shared folder. Some great ones from the boat trip!',
    category: 'CATEGORY_PERSONAL',
    attachment: { filename: 'offsite.jpg', mimeType: JPEG, size: 2_311_880 },
  },
  {
    subject: 'Reminder: dentist appointment',
    body: 'This is a reminder of your appointment next Tuesday at 10:30. Reply C to confirm or R to reschedule.',
    category: 'CATEGORY_UPDATES',
  },
  {
    subject: 'Draft: proposal for the new API',
    body: 'Rough outline: authentication, pagination, error model, rate limits. Needs a section on versioning.',
    category: 'CATEGORY_PERSONAL',
    userLabel: 3,
  },
];

function gmailMessages(
  key: string,
  owner: { name: string; email: string },
  correspondents: { name: string; email: string }[],
  count: number,
  labelCount: number,
): SeedGmailMessage[] {
  const rand = prng(digest('gmail', key).readUInt32BE(0));
  const out: SeedGmailMessage[] = [];
  // Newest message first in index order: message 0 is the most recent.
  const dates = Array.from({ length: count }, (_, i) => SEED_EPOCH - i * 7 * HOUR - Math.floor(rand() * 50) * MINUTE);
  // Gmail ids are the delivery time in ms shifted left 20 bits plus noise, so they sort like the mail does.
  const ids = dates.map((d, i) => ((BigInt(d) << 20n) | BigInt('0x' + hexId(5, key, 'msg', String(i)))).toString(16));
  for (let i = 0; i < count; i++) {
    const template = MAIL[i % MAIL.length]!;
    const internalDate = dates[i]!;
    const id = ids[i]!;
    // A reply joins the thread of the original just before it in time (the next, older, message), and answers its
    // sender; a thread's id is the id of its first message, as in Gmail.
    const reply = template.subject.startsWith('Re:') && i + 1 < count;
    const threadId = reply ? ids[i + 1]! : id;
    const other = correspondents[(reply ? i + 1 : i) % correspondents.length]!;
    const sent = i % 6 === 5;
    const labelIds: string[] = [];
    if (i % 17 === 16) labelIds.push('TRASH');
    else if (i % 19 === 18) labelIds.push('SPAM');
    else if (sent) labelIds.push('SENT');
    else labelIds.push('INBOX', template.category);
    if (!sent && i % 3 === 0) labelIds.push('UNREAD');
    if (i % 7 === 0) labelIds.push('STARRED');
    if (i % 4 === 0 && !sent) labelIds.push('IMPORTANT');
    if (template.userLabel !== undefined && template.userLabel < labelCount)
      labelIds.push(`Label_${template.userLabel + 1}`);
    const message: SeedGmailMessage = {
      id,
      threadId,
      labelIds,
      internalDate,
      historyId: String(1_200_000 + (count - i) * 37),
      from: sent ? owner : other,
      to: sent ? [other] : [owner],
      subject: i >= MAIL.length ? `${template.subject} (#${Math.floor(i / MAIL.length) + 1})` : template.subject,
      body: template.body,
    };
    if (template.attachment) message.attachment = template.attachment;
    out.push(message);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Calendar

const pad = (n: number): string => String(n).padStart(2, '0');

/** The date `days` after the seed epoch's UTC date, as `YYYY-MM-DD`. */
function dayOffset(days: number): string {
  return new Date(SEED_EPOCH + days * DAY).toISOString().slice(0, 10);
}

function at(days: number, hour: number, minute: number, timeZone: string): { dateTime: string; timeZone: string } {
  return { dateTime: `${dayOffset(days)}T${pad(hour)}:${pad(minute)}:00`, timeZone };
}

interface EventSpec {
  summary: string;
  calendar: 'primary' | 'secondary';
  /** Days from the epoch (negative = past). */
  day: number;
  hour?: number;
  minute?: number;
  durationMinutes?: number;
  allDayLength?: number;
  recurrence?: string[];
  location?: string;
  description?: string;
  status?: 'confirmed' | 'tentative' | 'cancelled';
  attendees?: number;
}

function calendarEvents(
  key: string,
  owner: { name: string; email: string },
  calendars: SeedCalendar[],
  guests: { name: string; email: string }[],
  specs: EventSpec[],
): SeedCalendarEvent[] {
  const primary = calendars.find((c) => c.primary)!;
  const secondary = calendars.find((c) => !c.primary)!;
  return specs.map((spec, i) => {
    const calendar = spec.calendar === 'primary' ? primary : secondary;
    const created = iso(SEED_EPOCH + Math.min(spec.day, 0) * DAY - 14 * DAY - i * HOUR);
    const event: SeedCalendarEvent = {
      id: eventId(key, spec.summary, String(i)),
      calendarId: calendar.id,
      status: spec.status ?? 'confirmed',
      summary: spec.summary,
      start: { date: dayOffset(spec.day) },
      end: { date: dayOffset(spec.day + (spec.allDayLength ?? 1)) },
      created,
      updated: iso(Date.parse(created) + 2 * HOUR),
    };
    if (spec.allDayLength === undefined) {
      const hour = spec.hour ?? 9;
      const minute = spec.minute ?? 0;
      const endMinutes = hour * 60 + minute + (spec.durationMinutes ?? 30);
      event.start = at(spec.day, hour, minute, calendar.timeZone);
      event.end = at(spec.day, Math.floor(endMinutes / 60), endMinutes % 60, calendar.timeZone);
    }
    if (spec.recurrence) event.recurrence = spec.recurrence;
    if (spec.location) event.location = spec.location;
    if (spec.description) event.description = spec.description;
    if (spec.attendees) {
      event.attendees = [
        { email: owner.email, displayName: owner.name, responseStatus: 'accepted', organizer: true, self: true },
        ...guests.slice(0, spec.attendees).map((g, j) => ({
          email: g.email,
          displayName: g.name,
          responseStatus: ['accepted', 'needsAction', 'tentative', 'declined'][(i + j) % 4]!,
        })),
      ];
    }
    return event;
  });
}

const COMMON_EVENTS: EventSpec[] = [
  {
    summary: 'Team standup',
    calendar: 'primary',
    day: -10,
    hour: 9,
    minute: 30,
    durationMinutes: 15,
    recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=40'],
    attendees: 3,
  },
  {
    summary: 'One-on-one',
    calendar: 'primary',
    day: -8,
    hour: 14,
    durationMinutes: 30,
    recurrence: ['RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=8'],
    attendees: 1,
  },
  {
    summary: 'Monthly review',
    calendar: 'primary',
    day: -13,
    hour: 16,
    durationMinutes: 60,
    recurrence: ['RRULE:FREQ=MONTHLY;COUNT=6'],
    location: 'Room 4.02',
  },
  {
    summary: 'Dentist',
    calendar: 'primary',
    day: 5,
    hour: 10,
    minute: 30,
    durationMinutes: 45,
    location: '12 High St',
  },
  {
    summary: 'Design review: storage layer',
    calendar: 'primary',
    day: 6,
    hour: 13,
    durationMinutes: 90,
    attendees: 4,
    description: 'Walk through the storage interface and the migration plan.',
  },
  { summary: 'Conference', calendar: 'primary', day: 20, allDayLength: 3, location: 'Zürich' },
  { summary: 'Lunch with Alan', calendar: 'primary', day: -3, hour: 12, durationMinutes: 60 },
  { summary: 'Cancelled: vendor call', calendar: 'primary', day: 1, hour: 11, status: 'cancelled' },
  { summary: 'Maybe: book club', calendar: 'primary', day: 7, hour: 19, durationMinutes: 120, status: 'tentative' },
  { summary: 'Quarterly planning', calendar: 'primary', day: 33, hour: 10, durationMinutes: 180, attendees: 5 },
  { summary: 'Release freeze', calendar: 'secondary', day: 12, allDayLength: 2 },
  {
    summary: 'On-call rotation',
    calendar: 'secondary',
    day: -21,
    allDayLength: 7,
    recurrence: ['RRULE:FREQ=WEEKLY;INTERVAL=3;COUNT=6'],
  },
  {
    summary: 'Daily backup check',
    calendar: 'secondary',
    day: -2,
    hour: 8,
    durationMinutes: 10,
    recurrence: ['RRULE:FREQ=DAILY;UNTIL=20260131T235959Z'],
  },
  { summary: 'Team offsite', calendar: 'secondary', day: 40, allDayLength: 2, location: 'Lake Geneva' },
];

// ---------------------------------------------------------------------------------------------------------------
// Accounts

interface Person {
  key: string;
  sub: string;
  email: string;
  givenName: string;
  familyName: string;
  color: string;
  hd?: string;
  locale: string;
  timeZone: string;
  secondaryCalendar: string;
  labels: string[];
  folders: string[];
  files: FileSpec[];
  contactOffset: number;
}

const ADA: Person = {
  key: 'ada',
  sub: '110169484474386276334',
  email: 'ada@example.com',
  givenName: 'Ada',
  familyName: 'Lovelace',
  color: '#7b1fa2',
  locale: 'en-GB',
  timeZone: 'Europe/London',
  secondaryCalendar: 'Engines project',
  labels: ['Work', 'Receipts', 'Travel', 'Ideas'],
  folders: ['Projects', 'Analytical Engine', 'Receipts', 'Photos'],
  files: [
    { name: 'Notes on the Analytical Engine', mimeType: DOC, folder: 'Analytical Engine', starred: true },
    { name: 'Bernoulli numbers program', mimeType: DOC, folder: 'Analytical Engine' },
    { name: 'Engine budget 1843', mimeType: SHEET, folder: 'Analytical Engine' },
    { name: 'Table of operations', mimeType: SHEET, folder: 'Analytical Engine' },
    { name: 'Lecture slides', mimeType: SLIDES, folder: 'Projects' },
    { name: 'Project plan', mimeType: DOC, folder: 'Projects', starred: true },
    { name: 'Project roadmap', mimeType: SHEET, folder: 'Projects' },
    { name: 'Project kickoff feedback', mimeType: FORM, folder: 'Projects' },
    { name: 'Sketch of the mill.png', mimeType: PNG, folder: 'Analytical Engine' },
    { name: 'Punched cards scan.pdf', mimeType: PDF, folder: 'Analytical Engine' },
    { name: 'Translation of Menabrea.pdf', mimeType: PDF },
    { name: 'Letters to Babbage.pdf', mimeType: PDF },
    { name: 'Receipt - stationery.pdf', mimeType: PDF, folder: 'Receipts' },
    { name: 'Receipt - train ticket.pdf', mimeType: PDF, folder: 'Receipts' },
    { name: 'Receipt - books.pdf', mimeType: PDF, folder: 'Receipts' },
    { name: 'Expenses 2025', mimeType: SHEET, folder: 'Receipts' },
    { name: 'Holiday in Italy.jpg', mimeType: JPEG, folder: 'Photos' },
    { name: 'Portrait.jpg', mimeType: JPEG, folder: 'Photos' },
    { name: 'Garden.jpg', mimeType: JPEG, folder: 'Photos' },
    { name: 'Weekly notes', mimeType: DOC },
    { name: 'Reading list', mimeType: DOC },
    { name: 'Contacts export.csv', mimeType: CSV },
    { name: 'Meeting minutes', mimeType: DOC },
    { name: 'todo.txt', mimeType: TXT },
    { name: 'Old draft (do not use)', mimeType: DOC, trashed: true },
    { name: 'Duplicate budget', mimeType: SHEET, trashed: true },
    { name: 'blurry photo.jpg', mimeType: JPEG, folder: 'Photos', trashed: true },
    { name: 'Archive 2024.zip', mimeType: ZIP },
    { name: 'CV - Ada Lovelace.docx', mimeType: DOCX },
    { name: 'Household budget.xlsx', mimeType: XLSX },
    { name: 'Poetical science essay', mimeType: DOC, starred: true },
    { name: 'Music and mathematics', mimeType: DOC },
  ],
  contactOffset: 0,
};

const GRACE: Person = {
  key: 'grace',
  sub: '104727018593224091586',
  email: 'grace@example.com',
  givenName: 'Grace',
  familyName: 'Hopper',
  color: '#00796b',
  locale: 'en',
  timeZone: 'America/New_York',
  secondaryCalendar: 'Navy reserve',
  labels: ['Compilers', 'Receipts', 'Travel', 'Talks', 'Newsletters'],
  folders: ['COBOL', 'Talks', 'Receipts'],
  files: [
    { name: 'COBOL specification', mimeType: DOC, folder: 'COBOL', starred: true },
    { name: 'FLOW-MATIC manual.pdf', mimeType: PDF, folder: 'COBOL' },
    { name: 'Compiler test results', mimeType: SHEET, folder: 'COBOL' },
    { name: 'A-0 system notes', mimeType: DOC, folder: 'COBOL' },
    { name: 'Nanoseconds talk', mimeType: SLIDES, folder: 'Talks', starred: true },
    { name: 'Future of computing talk', mimeType: SLIDES, folder: 'Talks' },
    { name: 'Talk feedback', mimeType: FORM, folder: 'Talks' },
    { name: 'Speaker bio', mimeType: DOC, folder: 'Talks' },
    { name: 'First bug logbook page.jpg', mimeType: JPEG, starred: true },
    { name: 'Mark II schematics.pdf', mimeType: PDF },
    { name: 'Mark I operating manual.pdf', mimeType: PDF },
    { name: 'Receipt - conference hotel.pdf', mimeType: PDF, folder: 'Receipts' },
    { name: 'Receipt - taxi.pdf', mimeType: PDF, folder: 'Receipts' },
    { name: 'Travel expenses', mimeType: SHEET, folder: 'Receipts' },
    { name: 'Reading list', mimeType: DOC },
    { name: 'Meeting minutes', mimeType: DOC },
    { name: 'Weekly notes', mimeType: DOC },
    { name: 'Project plan', mimeType: DOC },
    { name: 'Budget 2026', mimeType: SHEET },
    { name: 'Team photo.png', mimeType: PNG },
    { name: 'Compiler benchmarks.csv', mimeType: CSV },
    { name: 'notes.txt', mimeType: TXT },
    { name: 'Naval history essay.docx', mimeType: DOCX },
    { name: 'Inventory.xlsx', mimeType: XLSX },
    { name: 'Old talk (2019)', mimeType: SLIDES, trashed: true },
    { name: 'Scratch sheet', mimeType: SHEET, trashed: true },
    { name: 'Backup.zip', mimeType: ZIP },
    { name: 'Interview transcript', mimeType: DOC },
    { name: 'Programming languages survey', mimeType: FORM },
    { name: 'Bug taxonomy', mimeType: SHEET },
    { name: 'Recipe collection', mimeType: DOC },
  ],
  contactOffset: 5,
};

const LINUS: Person = {
  key: 'linus',
  sub: '117392840183759247105',
  email: 'linus@acme.test',
  givenName: 'Linus',
  familyName: 'Torvalds',
  color: '#1565c0',
  hd: 'acme.test',
  locale: 'en',
  timeZone: 'America/Los_Angeles',
  secondaryCalendar: 'Kernel releases',
  labels: ['Kernel', 'Patches', 'Receipts'],
  folders: ['Kernel', 'Shared with team', 'Admin'],
  files: [
    { name: 'Release checklist', mimeType: DOC, folder: 'Kernel', starred: true },
    { name: 'Merge window schedule', mimeType: SHEET, folder: 'Kernel' },
    { name: 'Maintainers list', mimeType: SHEET, folder: 'Kernel' },
    { name: 'Scheduler design notes', mimeType: DOC, folder: 'Kernel' },
    { name: 'Filesystem benchmarks', mimeType: SHEET, folder: 'Kernel' },
    { name: 'Regression tracker', mimeType: SHEET, folder: 'Kernel' },
    { name: 'Kernel summit slides', mimeType: SLIDES, folder: 'Shared with team' },
    { name: 'Team offsite agenda', mimeType: DOC, folder: 'Shared with team' },
    { name: 'Onboarding guide', mimeType: DOC, folder: 'Shared with team' },
    { name: 'Team survey', mimeType: FORM, folder: 'Shared with team' },
    { name: 'Org chart.png', mimeType: PNG, folder: 'Admin' },
    { name: 'Expense policy.pdf', mimeType: PDF, folder: 'Admin' },
    { name: 'Laptop order.pdf', mimeType: PDF, folder: 'Admin' },
    { name: 'Headcount plan', mimeType: SHEET, folder: 'Admin' },
    { name: 'Coding style', mimeType: DOC },
    { name: 'Project plan', mimeType: DOC },
    { name: 'Meeting minutes', mimeType: DOC },
    { name: 'Weekly notes', mimeType: DOC },
    { name: 'config-6.8.txt', mimeType: TXT },
    { name: 'Build times.csv', mimeType: CSV },
    { name: 'Penguin logo.png', mimeType: PNG, starred: true },
    { name: 'Conference badge.jpg', mimeType: JPEG },
    { name: 'Patch queue.xlsx', mimeType: XLSX },
    { name: 'Contract.docx', mimeType: DOCX },
    { name: 'Old tarball.zip', mimeType: ZIP, trashed: true },
    { name: 'Abandoned proposal', mimeType: DOC, trashed: true },
    { name: 'Stale roadmap', mimeType: SLIDES, trashed: true },
    { name: 'Security response process', mimeType: DOC },
    { name: 'Git internals talk', mimeType: SLIDES },
    { name: 'Diving log', mimeType: SHEET },
    { name: 'Board meeting notes', mimeType: DOC },
  ],
  contactOffset: 11,
};

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
