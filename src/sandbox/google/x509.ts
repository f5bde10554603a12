import { type KeyObject, randomBytes, sign } from 'node:crypto';

/**
 * Just enough DER to write a self-signed X.509 v3 certificate around a public key, so `/oauth2/v1/certs` serves
 * `-----BEGIN CERTIFICATE-----` like Google does (clients may parse it with `crypto.X509Certificate`).
 */

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, content: Buffer) => Buffer.concat([Buffer.from([tag]), length(content.length), content]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));

function integer(bytes: Buffer): Buffer {
  // DER integers are signed: keep a positive value positive.
  return tlv(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const part of rest) {
    const chunk = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-11-25T20:00:00.000Z -> 261125200000Z
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

const name = (cn: string) => seq(set(seq(oid(COMMON_NAME), tlv(0x0c, Buffer.from(cn, 'utf8')))));

/**
 * A self-signed certificate (PEM) for `publicKey`, signed with `privateKey`, valid from a day before `now` for 15 days.
 */
export function selfSignedCertificate(options: {
  publicKey: KeyObject;
  privateKey: KeyObject;
  commonName: string;
  now: Date;
}): string {
  const algorithm = seq(oid(SHA256_WITH_RSA), Buffer.from([0x05, 0x00]));
  const spki = options.publicKey.export({ type: 'spki', format: 'der' });
  const serial = randomBytes(8);
  const notBefore = new Date(options.now.getTime() - 86_400_000);
  const notAfter = new Date(options.now.getTime() + 14 * 86_400_000);
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm,
    name(options.commonName),
    seq(utcTime(notBefore), utcTime(notAfter)),
    name(options.commonName),
    spki,
  );
  const signature = sign('sha256', tbs, options.privateKey);
  const der = seq(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}
