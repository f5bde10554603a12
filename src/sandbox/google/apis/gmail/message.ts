import { createHash } from 'node:crypto';
import type { SeedGmailMessage } from '../../seed.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date, as mail servers write it. */
function mailDate(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

const address = (p: { name: string; email: string }): string => `${p.name} <${p.email}>`;
const b64url = (s: string | Buffer): string => Buffer.from(s).toString('base64url');
const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

interface Part {
  partId: string;
  mimeType: string;
  filename: string;
  headers: { name: string; value: string }[];
  body: { size: number; data?: string; attachmentId?: string };
  parts?: Part[];
}

/** Everything derived from one seeded message: its MIME tree, its raw RFC 822 form and its snippet. */
export function renderMessage(message: SeedGmailMessage) {
  const boundary = (tag: string) =>
    createHash('sha256')
      .update(tag + message.id)
      .digest('hex')
      .slice(0, 28);
  const plain = `${message.body}\r\n\r\n-- \r\n${message.from.name}\r\n`;
  const html = `<div dir="ltr">${escapeHtml(message.body)}<br><br>-- <br>${escapeHtml(message.from.name)}</div>\r\n`;
  const textPart = (partId: string): Part => ({
    partId,
    mimeType: 'text/plain',
    filename: '',
    headers: [{ name: 'Content-Type', value: 'text/plain; charset="UTF-8"' }],
    body: { size: Buffer.byteLength(plain), data: b64url(plain) },
  });
  const htmlPart = (partId: string): Part => ({
    partId,
    mimeType: 'text/html',
    filename: '',
    headers: [{ name: 'Content-Type', value: 'text/html; charset="UTF-8"' }],
    body: { size: Buffer.byteLength(html), data: b64url(html) },
  });
  const alternative = boundary('alt');
  const mixed = boundary('mixed');
  const top = message.attachment ? mixed : alternative;
  const headers = [
    { name: 'MIME-Version', value: '1.0' },
    { name: 'Date', value: mailDate(message.internalDate) },
    { name: 'Message-ID', value: `<${message.id}.${boundary('mid').slice(0, 12)}@mail.example.com>` },
    { name: 'Subject', value: message.subject },
    { name: 'From', value: address(message.from) },
    { name: 'To', value: message.to.map(address).join(', ') },
    {
      name: 'Content-Type',
      value: `multipart/${message.attachment ? 'mixed' : 'alternative'}; boundary="${top}"`,
    },
  ];
  const altParts = (prefix: string) => [textPart(`${prefix}0`), htmlPart(`${prefix}1`)];
  let raw = headers.map((h) => `${h.name}: ${h.value}`).join('\r\n') + '\r\n\r\n';
  const altRaw =
    `--${alternative}\r\nContent-Type: text/plain; charset="UTF-8"\r\n\r\n${plain}\r\n` +
    `--${alternative}\r\nContent-Type: text/html; charset="UTF-8"\r\n\r\n${html}\r\n--${alternative}--\r\n`;
  let payload: Part;
  if (message.attachment) {
    const { filename, mimeType, size } = message.attachment;
    const attachmentId =
      'ANGjdJ' +
      createHash('sha256')
        .update('att' + message.id)
        .digest('base64url');
    payload = {
      partId: '',
      mimeType: 'multipart/mixed',
      filename: '',
      headers,
      body: { size: 0 },
      parts: [
        {
          partId: '0',
          mimeType: 'multipart/alternative',
          filename: '',
          headers: [{ name: 'Content-Type', value: `multipart/alternative; boundary="${alternative}"` }],
          body: { size: 0 },
          parts: altParts('0.'),
        },
        {
          partId: '1',
          mimeType,
          filename,
          headers: [
            { name: 'Content-Type', value: `${mimeType}; name="${filename}"` },
            { name: 'Content-Disposition', value: `attachment; filename="${filename}"` },
            { name: 'Content-Transfer-Encoding', value: 'base64' },
          ],
          body: { attachmentId, size },
        },
      ],
    };
    raw +=
      `--${mixed}\r\nContent-Type: multipart/alternative; boundary="${alternative}"\r\n\r\n${altRaw}\r\n` +
      `--${mixed}\r\nContent-Type: ${mimeType}; name="${filename}"\r\nContent-Disposition: attachment; filename="${filename}"\r\n` +
      `Content-Transfer-Encoding: base64\r\n\r\n${Buffer.alloc(48, 0x2a).toString('base64')}\r\n--${mixed}--\r\n`;
  } else {
    payload = {
      partId: '',
      mimeType: 'multipart/alternative',
      filename: '',
      headers,
      body: { size: 0 },
      parts: altParts(''),
    };
    raw += altRaw;
  }
  const snippet = escapeHtml(
    message.body.length > 100 ? message.body.slice(0, 100).replace(/\s+\S*$/, '') : message.body,
  );
  // The attachment's declared size counts, so a message with a big PDF estimates big, as in Gmail.
  const sizeEstimate = Buffer.byteLength(raw) + (message.attachment?.size ?? 0);
  return { payload, raw: b64url(raw), snippet, sizeEstimate };
}
