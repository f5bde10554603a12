import { digest, digits, pick, prng } from './deterministic.js';
import { DAY, iso, MINUTE, SEED_EPOCH } from './epoch.js';
import type { SeedContact } from './types.js';

// Contacts: 24 generated people per account, from fixed name lists.

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

export function contacts(key: string, count: number, offset: number): SeedContact[] {
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
