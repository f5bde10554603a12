import type { SeedGmailLabel, SeedGmailMessage } from '../../seed.js';

/** A compiled Gmail search: a test for one message, and whether the query itself reaches into spam or trash. */
export interface MailSearch {
  matches(message: SeedGmailMessage): boolean;
  /** `in:trash`, `in:spam` and `in:anywhere` lift the default exclusion of spam and trash. */
  reachesSpamTrash: boolean;
}

const DAY = 86_400_000;
const CATEGORIES: Record<string, string> = {
  primary: 'CATEGORY_PERSONAL',
  personal: 'CATEGORY_PERSONAL',
  social: 'CATEGORY_SOCIAL',
  promotions: 'CATEGORY_PROMOTIONS',
  updates: 'CATEGORY_UPDATES',
  forums: 'CATEGORY_FORUMS',
};

/** Splits a query into terms, keeping quoted phrases and `op:(a b)` groups whole. */
function terms(q: string): string[] {
  const out: string[] = [];
  const re = /-?(?:[A-Za-z_]+:)?(?:"[^"]*"|\([^)]*\)|[^\s"()]+)|"[^"]*"/g;
  for (const match of q.matchAll(re)) out.push(match[0]);
  return out;
}

function parseDate(value: string): number | null {
  if (/^\d{9,11}$/.test(value)) return Number(value) * 1000;
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(value);
  if (!m) return null;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

function parseAge(value: string): number | null {
  const m = /^(\d+)([dmy])$/.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  return n * (m[2] === 'd' ? DAY : m[2] === 'm' ? 30 * DAY : 365 * DAY);
}

const unquote = (s: string): string => s.replace(/^"(.*)"$/, '$1').replace(/^\((.*)\)$/, '$1');

function text(message: SeedGmailMessage): string {
  const people = [message.from, ...message.to].map((p) => `${p.name} ${p.email}`).join(' ');
  return `${message.subject} ${message.body} ${people} ${message.attachment?.filename ?? ''}`.toLowerCase();
}

/**
 * Compiles the everyday subset of Gmail's search operators: `from:`, `to:`, `subject:`, `label:`, `in:`, `is:`,
 * `has:attachment`, `filename:`, `category:`, `after:`/`before:` (dates as `YYYY/MM/DD`, UTC, or epoch seconds),
 * `newer_than:`/`older_than:` (`d`, `m`, `y`), quoted phrases, bare words, `-` negation and `OR`. As in Gmail, an
 * operator it does not know is searched as text rather than refused.
 */
export function compileSearch(q: string, labels: readonly SeedGmailLabel[], now: number): MailSearch {
  const labelId = (name: string): string => {
    const wanted = name.toLowerCase().replace(/-/g, ' ');
    const found = labels.find(
      (l) => l.id.toLowerCase() === name.toLowerCase() || l.name.toLowerCase().replace(/[-/]/g, ' ') === wanted,
    );
    return found?.id ?? `\u0000${name}`;
  };
  let reachesSpamTrash = false;
  const term = (raw: string): ((m: SeedGmailMessage) => boolean) => {
    const negated = raw.startsWith('-') && raw.length > 1;
    const body = negated ? raw.slice(1) : raw;
    const colon = /^([A-Za-z_]+):(.+)$/.exec(body);
    let test: (m: SeedGmailMessage) => boolean;
    const op = colon?.[1]?.toLowerCase();
    const value = colon ? unquote(colon[2]!).toLowerCase() : '';
    const has = (id: string) => (m: SeedGmailMessage) => m.labelIds.includes(id);
    switch (op) {
      case 'from':
        test = (m) => `${m.from.name} ${m.from.email}`.toLowerCase().includes(value);
        break;
      case 'to':
        test = (m) => m.to.some((p) => `${p.name} ${p.email}`.toLowerCase().includes(value));
        break;
      case 'subject':
        test = (m) => m.subject.toLowerCase().includes(value);
        break;
      case 'label':
        test = has(labelId(value));
        break;
      case 'category':
        test = has(CATEGORIES[value] ?? `\u0000${value}`);
        break;
      case 'in':
        if (value === 'anywhere') {
          reachesSpamTrash = true;
          test = () => true;
        } else {
          if (value === 'trash' || value === 'spam') reachesSpamTrash = true;
          test = has(value === 'chats' ? 'CHAT' : value.toUpperCase());
        }
        break;
      case 'is':
        if (value === 'read') test = (m) => !m.labelIds.includes('UNREAD');
        else if (['unread', 'starred', 'important'].includes(value)) test = has(value.toUpperCase());
        else test = () => false;
        break;
      case 'has':
        test = value === 'attachment' ? (m) => m.attachment !== undefined : () => false;
        break;
      case 'filename':
        test = (m) => m.attachment?.filename.toLowerCase().includes(value) ?? false;
        break;
      case 'after':
      case 'before':
      case 'newer':
      case 'older': {
        const at = parseDate(value);
        if (at === null) {
          test = (m) => text(m).includes(body.toLowerCase());
        } else {
          test = op === 'after' || op === 'newer' ? (m) => m.internalDate >= at : (m) => m.internalDate < at;
        }
        break;
      }
      case 'newer_than':
      case 'older_than': {
        const age = parseAge(value);
        if (age === null) test = () => false;
        else test = op === 'newer_than' ? (m) => m.internalDate > now - age : (m) => m.internalDate <= now - age;
        break;
      }
      default: {
        const needle = unquote(body).toLowerCase();
        test = (m) => text(m).includes(needle);
      }
    }
    return negated ? (m) => !test(m) : test;
  };

  // OR binds tighter than the implicit AND between terms, as in Gmail: `a b OR c` is `a AND (b OR c)`.
  const groups: ((m: SeedGmailMessage) => boolean)[][] = [];
  const list = terms(q);
  for (let i = 0; i < list.length; i++) {
    const raw = list[i]!;
    if (raw === 'OR' && groups.length > 0 && i + 1 < list.length) {
      groups[groups.length - 1]!.push(term(list[++i]!));
    } else {
      groups.push([term(raw)]);
    }
  }
  return { matches: (m) => groups.every((g) => g.some((t) => t(m))), reachesSpamTrash };
}
