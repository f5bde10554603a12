/**
 * The seeded world of the Google emulator: accounts with Drive files, contacts, mail and calendars, laid out by the
 * files in `seed/` (one per kind of data; `seed/accounts.ts` puts them together).
 *
 * Everything here is derived from fixed inputs (names, a fixed epoch, a seeded PRNG), so two calls to
 * `defaultAccounts()` return identical data and tests can assert on ids, counts and orderings.
 */
export { defaultAccounts } from './seed/accounts.js';
export { FOLDER_MIME } from './seed/drive.js';
export { SEED_EPOCH } from './seed/epoch.js';
export type {
  SeedAccount,
  SeedCalendar,
  SeedCalendarEvent,
  SeedContact,
  SeedDriveFile,
  SeedEventTime,
  SeedGmailLabel,
  SeedGmailMessage,
} from './seed/types.js';
