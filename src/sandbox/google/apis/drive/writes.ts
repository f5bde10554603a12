import { randomBytes } from 'node:crypto';
import type { Clock } from '../../../kit/clock.js';
import { FOLDER_MIME, type SeedAccount, type SeedDriveFile } from '../../seed.js';
import type { Caller } from '../auth.js';
import { badRequest, GoogleApiError } from '../errors.js';
import { rootFolderId, setUploadedContent } from './resource.js';

/** The metadata `files.create` takes (the fields the emulator stores; others are ignored). */
export interface FileMetadata {
  name?: string;
  mimeType?: string;
  parents?: string[];
  description?: string;
  starred?: boolean;
}

/** A resumable upload session, between its `POST` and the `PUT` that completes it. */
interface UploadSession {
  sub: string;
  clientId: string;
  metadata: FileMetadata;
  contentType: string | undefined;
  received: Buffer[];
}

/**
 * Files created and deleted through the API, on top of the seeded ones: which app created each file (what
 * `drive.file` may see), resumable upload sessions, and the seeded lists as they were, so a reset restores them.
 */
export class DriveWrites {
  private readonly createdBy = new Map<string, string>();
  private readonly sessions = new Map<string, UploadSession>();
  private readonly originals = new Map<SeedAccount, SeedDriveFile[]>();

  constructor(private readonly clock: Clock) {}

  /** True when `clientId` created the file (so `drive.file` sees it). */
  createdByApp(fileId: string, clientId: string): boolean {
    return this.createdBy.get(fileId) === clientId;
  }

  /** Stores a new file in the caller's Drive and answers it. */
  create(caller: Caller, metadata: FileMetadata, media?: { contentType: string | undefined; bytes: Buffer }) {
    const account = caller.account;
    const root = rootFolderId(account);
    const parents = (metadata.parents ?? ['root']).map((p) => (p === root ? 'root' : p));
    if (parents.length > 1) throw badRequest('Increasing the number of parents is not allowed.');
    for (const parent of parents) {
      const folder = account.drive.files.find((f) => f.id === parent && f.mimeType === FOLDER_MIME);
      if (parent !== 'root' && folder === undefined) throw fileNotFound(parent);
    }
    const mimeType = metadata.mimeType ?? media?.contentType ?? 'application/octet-stream';
    const now = new Date(this.clock.now()).toISOString();
    const file: SeedDriveFile = {
      id: `1${randomBytes(24).toString('base64url').slice(0, 32)}`,
      name: metadata.name ?? 'Untitled',
      mimeType,
      parents,
      createdTime: now,
      modifiedTime: now,
      trashed: false,
      starred: metadata.starred ?? false,
      ...(metadata.description === undefined ? {} : { description: metadata.description }),
    };
    // Google-native types and folders have no bytes; everything else has some, if only zero of them.
    if (!mimeType.startsWith('application/vnd.google-apps.')) {
      const bytes = media?.bytes ?? Buffer.alloc(0);
      file.size = String(bytes.length);
      setUploadedContent(file, bytes);
    }
    this.remember(account);
    account.drive.files.push(file);
    this.createdBy.set(file.id, caller.clientId);
    return file;
  }

  /** Removes a file (no trash, as `files.delete`); folders take their contents along. */
  delete(account: SeedAccount, file: SeedDriveFile): void {
    this.remember(account);
    const doomed = new Set([file.id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const f of account.drive.files) {
        if (!doomed.has(f.id) && f.parents.some((p) => doomed.has(p))) {
          doomed.add(f.id);
          grew = true;
        }
      }
    }
    const kept = account.drive.files.filter((f) => !doomed.has(f.id));
    account.drive.files.splice(0, account.drive.files.length, ...kept);
  }

  /** Opens a resumable upload session and returns its id. */
  openSession(caller: Caller, metadata: FileMetadata, contentType: string | undefined): string {
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, {
      sub: caller.account.sub,
      clientId: caller.clientId,
      metadata,
      contentType,
      received: [],
    });
    return id;
  }

  /** The caller's open session `id`, or Drive's 404 for an unknown or another's one. */
  session(caller: Caller, id: string): UploadSession {
    const session = this.sessions.get(id);
    if (session === undefined || session.sub !== caller.account.sub || session.clientId !== caller.clientId) {
      throw new GoogleApiError(404, 'NOT_FOUND', 'No upload session found.', [
        { message: 'No upload session found.', domain: 'global', reason: 'notFound' },
      ]);
    }
    return session;
  }

  closeSession(id: string): void {
    this.sessions.delete(id);
  }

  /** Puts every touched account's files back as seeded and forgets sessions. */
  reset(): void {
    for (const [account, files] of this.originals) account.drive.files.splice(0, account.drive.files.length, ...files);
    this.originals.clear();
    this.createdBy.clear();
    this.sessions.clear();
  }

  private remember(account: SeedAccount): void {
    if (!this.originals.has(account)) this.originals.set(account, [...account.drive.files]);
  }
}

/** Drive's 404 for an id the caller cannot see. */
export function fileNotFound(fileId: string): GoogleApiError {
  const message = `File not found: ${fileId}.`;
  return new GoogleApiError(404, 'NOT_FOUND', message, [
    { message, domain: 'global', reason: 'notFound', location: 'fileId', locationType: 'parameter' },
  ]);
}
