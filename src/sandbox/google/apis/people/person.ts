import { createHash } from 'node:crypto';
import type { SeedAccount, SeedContact } from '../../seed.js';
import { badRequest } from '../errors.js';

const DOCS = 'https://developers.google.com/people/api/rest/v1/people/get';

/** Every path a `personFields` mask may name. */
const PERSON_FIELDS = new Set([
  'addresses',
  'ageRanges',
  'biographies',
  'birthdays',
  'calendarUrls',
  'clientData',
  'coverPhotos',
  'emailAddresses',
  'events',
  'externalIds',
  'genders',
  'imClients',
  'interests',
  'locales',
  'locations',
  'memberships',
  'metadata',
  'miscKeywords',
  'names',
  'nicknames',
  'occupations',
  'organizations',
  'phoneNumbers',
  'photos',
  'relations',
  'sipAddresses',
  'skills',
  'urls',
  'userDefined',
]);

/** Parses `personFields` (or the legacy `requestMask.includeField`); both missing is the People API's 400. */
export function parsePersonFields(personFields: string | undefined, legacyMask: string | undefined): Set<string> {
  const raw = personFields ?? legacyMask;
  if (raw === undefined || raw.trim() === '') {
    throw badRequest(
      `personFields mask is required. Please specify one or more valid paths. Valid paths are documented at ${DOCS}.`,
    );
  }
  const fields = new Set<string>();
  for (const part of raw.split(',')) {
    const path = part.trim().replace(/^person\./, '');
    if (!PERSON_FIELDS.has(path)) {
      throw badRequest(`Invalid personFields mask path: "${part.trim()}". Valid paths are documented at ${DOCS}.`);
    }
    fields.add(path);
  }
  return fields;
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function initialsAvatar(given: string, family: string, key: string): string {
  const hue = createHash('sha256').update(key).digest()[0]! % 360;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="100" height="100" fill="hsl(${hue},45%,45%)"/>` +
    `<text x="50" y="62" font-family="Arial" font-size="40" fill="#fff" text-anchor="middle">${given[0] ?? ''}${family[0] ?? ''}</text></svg>`;
  return 'data:image/svg+xml;base64,' + Buffer.from(svg).toString('base64');
}

function nameEntry(source: Record<string, unknown>, given: string, family: string): Record<string, unknown> {
  const displayName = `${given} ${family}`;
  return {
    metadata: { primary: true, source },
    displayName,
    familyName: family,
    givenName: given,
    displayNameLastFirst: `${family}, ${given}`,
    unstructuredName: displayName,
  };
}

/** A seeded contact as a `Person`, holding only the requested fields (plus `resourceName` and `etag`). */
export function contactPerson(contact: SeedContact, fields: ReadonlySet<string>): Record<string, unknown> {
  const source = { type: 'CONTACT', id: contact.sourceId };
  const person: Record<string, unknown> = { resourceName: contact.resourceName, etag: contact.etag };
  if (fields.has('metadata')) {
    person.metadata = {
      sources: [
        {
          type: 'CONTACT',
          id: contact.sourceId,
          etag: '#' + contact.etag.slice(3, 15),
          updateTime: contact.updateTime,
        },
      ],
      objectType: 'PERSON',
    };
  }
  if (fields.has('names')) person.names = [nameEntry(source, contact.givenName, contact.familyName)];
  if (fields.has('photos')) {
    person.photos = [
      {
        metadata: { primary: true, source },
        url: initialsAvatar(contact.givenName, contact.familyName, contact.resourceName),
        default: true,
      },
    ];
  }
  if (fields.has('emailAddresses') && contact.emails.length > 0) {
    person.emailAddresses = contact.emails.map((email, i) => ({
      metadata: i === 0 ? { primary: true, source } : { source },
      value: email.value,
      type: email.type,
      formattedType: capitalise(email.type),
    }));
  }
  if (fields.has('phoneNumbers') && contact.phones.length > 0) {
    person.phoneNumbers = contact.phones.map((phone, i) => ({
      metadata: i === 0 ? { primary: true, source } : { source },
      value: phone.value,
      canonicalForm: phone.canonicalForm,
      type: phone.type,
      formattedType: capitalise(phone.type),
    }));
  }
  if (fields.has('organizations') && contact.organization) {
    person.organizations = [
      { metadata: { primary: true, source }, name: contact.organization.name, title: contact.organization.title },
    ];
  }
  if (fields.has('birthdays') && contact.birthday) {
    person.birthdays = [{ metadata: { primary: true, source }, date: { ...contact.birthday } }];
  }
  if (fields.has('memberships')) {
    person.memberships = [
      {
        metadata: { source },
        contactGroupMembership: { contactGroupId: 'myContacts', contactGroupResourceName: 'contactGroups/myContacts' },
      },
    ];
  }
  return person;
}

const EMAIL_SCOPES = [
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/user.emails.read',
];

/** The signed-in user as `people/me`: profile fields, and the email only when the token may see it. */
export function selfPerson(
  account: SeedAccount,
  fields: ReadonlySet<string>,
  scopes: ReadonlySet<string>,
): Record<string, unknown> {
  const etag = '%EgU' + createHash('sha256').update(`me ${account.sub}`).digest('base64url').slice(0, 20);
  const profile = { type: 'PROFILE', id: account.sub };
  const person: Record<string, unknown> = { resourceName: `people/${account.sub}`, etag };
  if (fields.has('metadata')) {
    person.metadata = {
      sources: [
        {
          type: 'PROFILE',
          id: account.sub,
          etag: '#' + etag.slice(4, 16),
          profileMetadata: { objectType: 'PERSON', userTypes: [account.hd ? 'GOOGLE_APPS_USER' : 'GOOGLE_USER'] },
        },
      ],
      objectType: 'PERSON',
    };
  }
  if (fields.has('names')) person.names = [nameEntry(profile, account.givenName, account.familyName)];
  if (fields.has('photos')) person.photos = [{ metadata: { primary: true, source: profile }, url: account.picture }];
  if (fields.has('locales')) person.locales = [{ metadata: { primary: true, source: profile }, value: account.locale }];
  if (fields.has('emailAddresses') && EMAIL_SCOPES.some((s) => scopes.has(s))) {
    person.emailAddresses = [
      {
        metadata: { primary: true, verified: true, source: { type: 'ACCOUNT', id: account.sub }, sourcePrimary: true },
        value: account.email,
      },
    ];
  }
  if (fields.has('memberships') && account.hd) {
    person.memberships = [
      { metadata: { source: { type: 'DOMAIN_PROFILE', id: account.sub } }, domainMembership: { inViewerDomain: true } },
    ];
  }
  return person;
}
