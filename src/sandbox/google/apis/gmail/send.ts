import { randomBytes } from 'node:crypto';
import type { Clock } from '../../../kit/clock.js';
import type { SeedAccount, SeedGmailMessage } from '../../seed.js';
import type { Caller } from '../auth.js';
import { GoogleApiError } from '../errors.js';

/** Gmail's 400 for a message it will not send, with reason `invalidArgument`. */
function invalidArgument(message: string): GoogleApiError {
  return new GoogleApiError(400, 'INVALID_ARGUMENT', message, [
    { message, domain: 'global', reason: 'invalidArgument' },
  ]);
}

/** The message Gmail answers when neither `raw` nor an upload came. */
export const RAW_REQUIRED = "'raw' RFC822 payload message string or uploading message via /upload/* URL required";

interface Address {
  name: string;
  email: string;
}

/** `Name <a@b>` or `a@b`, comma-separated; `undefined` when one of them is not an address. */
function parseAddresses(value: string): Address[] | undefined {
  const out: Address[] = [];
  for (const part of value.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const match = /^(?:"?([^"<]*)"?\s*)?<([^<>\s]+@[^<>\s]+)>$/.exec(item) ?? /^()([^<>\s]+@[^<>\s]+)$/.exec(item);
    if (match === null) return undefined;
    out.push({ name: (match[1] ?? '').trim(), email: match[2]! });
  }
  return out;
}

/** Splits an RFC 822 message into its (unfolded, lower-cased) headers and its body. */
function parseRfc822(message: string): { headers: Map<string, string>; body: string } {
  const split = /\r?\n\r?\n/.exec(message);
  const head = split === null ? message : message.slice(0, split.index);
  const body = split === null ? '' : message.slice(split.index + split[0].length);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/**
 * Messages sent through `users.messages.send`: filed in the sender's mailbox under `SENT` (so `messages.list` and
 * `messages.get` find them, as in Gmail); nothing leaves the emulator. A reset restores the seeded mailboxes.
 */
export class GmailOutbox {
  private readonly originals = new Map<SeedAccount, SeedGmailMessage[]>();
  private historyId = 9_000_000;

  constructor(private readonly clock: Clock) {}

  /** Sends an RFC 822 message (already decoded) as the caller; answers Gmail's 400 for one it would refuse. */
  send(caller: Caller, rfc822: string, threadId: string | undefined): SeedGmailMessage {
    const { headers, body } = parseRfc822(rfc822);
    const recipients: Address[] = [];
    for (const name of ['to', 'cc', 'bcc']) {
      const value = headers.get(name);
      if (value === undefined) continue;
      const parsed = parseAddresses(value);
      if (parsed === undefined)
        throw invalidArgument(`Invalid ${name === 'to' ? 'To' : name === 'cc' ? 'Cc' : 'Bcc'} header`);
      recipients.push(...parsed);
    }
    if (recipients.length === 0) throw invalidArgument('Recipient address required');
    const account = caller.account;
    const id = randomBytes(8).toString('hex').replace(/^0/, '1');
    if (threadId !== undefined && !account.gmail.messages.some((m) => m.threadId === threadId)) {
      throw new GoogleApiError(404, 'NOT_FOUND', 'Requested entity was not found.', [
        { message: 'Requested entity was not found.', domain: 'global', reason: 'notFound' },
      ]);
    }
    this.historyId += 7;
    const message: SeedGmailMessage = {
      id,
      threadId: threadId ?? id,
      labelIds: ['SENT'],
      internalDate: this.clock.now(),
      historyId: String(this.historyId),
      // Gmail sends as the account, whatever From the message claims.
      from: { name: account.name, email: account.email },
      to: recipients,
      subject: headers.get('subject') ?? '',
      body,
    };
    if (!this.originals.has(account)) this.originals.set(account, [...account.gmail.messages]);
    account.gmail.messages.unshift(message);
    return message;
  }

  /** Puts every touched mailbox back as seeded. */
  reset(): void {
    for (const [account, messages] of this.originals) {
      account.gmail.messages.splice(0, account.gmail.messages.length, ...messages);
    }
    this.originals.clear();
  }
}
