// The shapes of the seeded world, as the emulator's APIs read them.

import type { GoogleAccount } from '../accounts.js';

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

/** A seeded account: its identity (`picture` a `data:` URL, so nothing reaches outside the sandbox) and its APIs' data. */
export interface SeedAccount extends GoogleAccount {
  locale: string;
  timeZone: string;
  drive: { files: SeedDriveFile[] };
  contacts: SeedContact[];
  gmail: { labels: SeedGmailLabel[]; messages: SeedGmailMessage[] };
  calendar: { calendars: SeedCalendar[]; events: SeedCalendarEvent[] };
}
