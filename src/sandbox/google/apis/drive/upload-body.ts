import { z } from 'zod';
import { badRequest } from '../errors.js';
import type { FileMetadata } from './writes.js';

const metadataSchema = z.object({
  name: z.string().optional(),
  mimeType: z.string().optional(),
  parents: z.array(z.string()).optional(),
  description: z.string().optional(),
  starred: z.boolean().optional(),
});

/** A file's JSON metadata (an empty body is no metadata); Drive's 400 when it is not a JSON object of the right types. */
export function parseMetadata(bytes: Buffer): FileMetadata {
  if (bytes.length === 0) return {};
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw badRequest('Invalid JSON payload received.');
  }
  const parsed = metadataSchema.safeParse(json);
  if (!parsed.success) throw badRequest('Invalid JSON payload received. Unknown name or wrong type in the metadata.');
  const { name, mimeType, parents, description, starred } = parsed.data;
  return {
    ...(name === undefined ? {} : { name }),
    ...(mimeType === undefined ? {} : { mimeType }),
    ...(parents === undefined ? {} : { parents }),
    ...(description === undefined ? {} : { description }),
    ...(starred === undefined ? {} : { starred }),
  };
}

/**
 * Splits a `multipart/related` upload (RFC 2387, as Google's clients send it) into its metadata part and its media
 * part, byte-exact.
 */
export function parseMultipartRelated(
  contentType: string | undefined,
  body: Buffer,
): { metadata: FileMetadata; media: { contentType: string | undefined; bytes: Buffer } } {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (!contentType?.toLowerCase().startsWith('multipart/related') || boundary === undefined) {
    throw badRequest('Bad content type. Please use multipart.');
  }
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    // Each part sits between the CRLF after a delimiter and the CRLF before the next one.
    parts.push(body.subarray(start + 2, next - 2));
    at = next;
  }
  if (parts.length !== 2) throw badRequest('Multipart upload must have exactly two parts: metadata and media.');
  const [first, second] = parts.map(splitPart) as [Part, Part];
  return { metadata: parseMetadata(first.bytes), media: { contentType: second.contentType, bytes: second.bytes } };
}

interface Part {
  contentType: string | undefined;
  bytes: Buffer;
}

function splitPart(part: Buffer): Part {
  const end = part.indexOf('\r\n\r\n');
  if (end < 0) throw badRequest('Malformed multipart body.');
  const headers = part.subarray(0, end).toString('utf8');
  const contentType = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim();
  return { contentType, bytes: part.subarray(end + 4) };
}
