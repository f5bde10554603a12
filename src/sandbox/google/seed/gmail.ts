import { digest, hexId, prng } from './deterministic.js';
import { JPEG, PDF } from './drive.js';
import { HOUR, MINUTE, SEED_EPOCH } from './epoch.js';
import type { SeedGmailLabel, SeedGmailMessage } from './types.js';

// Gmail: the system and user labels, and 45 messages per account from a few templates.

export function systemLabels(): SeedGmailLabel[] {
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

export function userLabels(names: string[]): SeedGmailLabel[] {
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

export function gmailMessages(
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
