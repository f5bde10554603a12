import type { FastifyInstance } from 'fastify';
import type { SeedDriveFile } from '../../seed.js';
import type { ApiMethod, Caller } from '../auth.js';
import { GoogleApiError, invalidParameter, requiredParameter } from '../errors.js';
import { checkFields, parseFields } from '../fields.js';
import { paginate } from '../page-token.js';
import { integer, one, oneOf } from '../params.js';
import { type ApiCall, type ApiContext, ApiReply, apiRoute, RawBody } from '../route.js';
import { compileOrder } from './order.js';
import { compileQuery } from './query.js';
import { driveUser, FILE_FIELDS, fileContent, fileResource, rootFolderId, rootResource } from './resource.js';
import { parseMetadata, parseMultipartRelated } from './upload-body.js';
import { type DriveWrites, fileNotFound } from './writes.js';

const AUTH = 'https://www.googleapis.com/auth/';
const SERVICE = 'drive.googleapis.com';
const DRIVE_SCOPES = [
  'drive',
  'drive.appdata',
  'drive.file',
  'drive.meet.readonly',
  'drive.metadata',
  'drive.metadata.readonly',
  'drive.photos.readonly',
  'drive.readonly',
].map((s) => AUTH + s);
/** Scopes that see the whole of My Drive; the others (drive.file, appdata, photos, meet) see only their corner. */
const WHOLE_DRIVE = new Set(
  ['drive', 'drive.readonly', 'drive.metadata', 'drive.metadata.readonly'].map((s) => AUTH + s),
);

const FILES_LIST: ApiMethod = {
  service: SERVICE,
  method: 'google.apps.drive.v3.DriveFiles.List',
  scopes: DRIVE_SCOPES,
};
const FILES_GET: ApiMethod = { service: SERVICE, method: 'google.apps.drive.v3.DriveFiles.Get', scopes: DRIVE_SCOPES };
/** files.create and files.delete: only the scopes that may write (Drive's discovery document). */
const WRITE_SCOPES = ['drive', 'drive.appdata', 'drive.file'].map((s) => AUTH + s);
const FILES_CREATE: ApiMethod = {
  service: SERVICE,
  method: 'google.apps.drive.v3.DriveFiles.Create',
  scopes: WRITE_SCOPES,
};
const FILES_DELETE: ApiMethod = {
  service: SERVICE,
  method: 'google.apps.drive.v3.DriveFiles.Delete',
  scopes: WRITE_SCOPES,
};
const ABOUT_GET: ApiMethod = {
  service: SERVICE,
  method: 'google.apps.drive.v3.DriveAbout.Get',
  scopes: DRIVE_SCOPES.filter((s) => s !== AUTH + 'drive.meet.readonly'),
};

const LIST_FIELDS = new Set(['kind', 'incompleteSearch', 'nextPageToken', 'files']);
const ABOUT_FIELDS = new Set([
  'kind',
  'user',
  'storageQuota',
  'importFormats',
  'exportFormats',
  'maxImportSizes',
  'maxUploadSize',
  'appInstalled',
  'folderColorPalette',
  'driveThemes',
  'canCreateDrives',
  'canCreateTeamDrives',
  'teamDriveThemes',
]);

/**
 * The files a token may see: all of My Drive for the whole-Drive scopes; otherwise (`drive.file`) only the files this
 * app created, which no seeded file is.
 */
function visibleFiles(caller: Caller, writes: DriveWrites): SeedDriveFile[] {
  const whole = [...caller.scopes].some((s) => WHOLE_DRIVE.has(s));
  if (whole) return caller.account.drive.files;
  return caller.account.drive.files.filter((f) => writes.createdByApp(f.id, caller.clientId));
}

function checkSelection(fields: string | undefined, top: ReadonlySet<string>, files?: string): void {
  if (fields === undefined) return;
  checkFields(parseFields(fields), top, files ? { [files]: FILE_FIELDS } : {});
}

/** Drive v3: `files.list`, `files.get` (with `alt=media`), `files.create` (metadata, multipart, resumable), `files.delete` and `about.get`. */
export function registerDrive(app: FastifyInstance, ctx: ApiContext, writes: DriveWrites): void {
  apiRoute(app, ctx, '/drive/v3/files', FILES_LIST, ({ caller, query, fields }) => {
    checkSelection(fields, LIST_FIELDS, 'files');
    const pageSize = integer(query, 'pageSize', { min: 1, max: 1000, fallback: 100 });
    const q = one(query, 'q') ?? '';
    const orderBy = one(query, 'orderBy');
    const spaces = one(query, 'spaces') ?? 'drive';
    for (const space of spaces.split(',')) {
      if (!['drive', 'appDataFolder', 'photos'].includes(space.trim())) throw invalidParameter('spaces');
    }
    const corpora = one(query, 'corpora');
    if (corpora !== undefined && !['user', 'domain', 'drive', 'allDrives'].includes(corpora)) {
      throw invalidParameter('corpora');
    }
    const predicate = compileQuery(q);
    const compare = compileOrder(orderBy);
    const root = rootFolderId(caller.account);
    const matching = (spaces.split(',').some((s) => s.trim() === 'drive') ? visibleFiles(caller, writes) : [])
      .filter((file) =>
        predicate({ ...file, parents: file.parents.flatMap((p) => (p === 'root' ? ['root', root] : [p])) }),
      )
      .sort(compare);
    const scope = JSON.stringify(['drive', caller.account.sub, q, orderBy ?? '', spaces]);
    const token = one(query, 'pageToken');
    const offset = token === undefined || token === '' ? 0 : ctx.pageTokens.read(scope, token);
    if (offset === null) throw invalidParameter('pageToken');
    const { page, nextPageToken } = paginate(matching, offset, pageSize, (next) => ctx.pageTokens.issue(scope, next));
    const files = page.map((file) => fileResource(caller.account, file));
    const body: Record<string, unknown> = { kind: 'drive#fileList', incompleteSearch: false };
    if (nextPageToken) body.nextPageToken = nextPageToken;
    // Without `fields`, Drive v3 answers only kind, id, name and mimeType of each file.
    body.files =
      fields === undefined ? files.map(({ kind, id, name, mimeType }) => ({ kind, mimeType, id, name })) : files;
    return body;
  });

  apiRoute(app, ctx, '/drive/v3/files/:fileId', FILES_GET, ({ caller, params, fields, query }) => {
    checkSelection(fields, FILE_FIELDS);
    const fileId = params.fileId ?? '';
    const root = rootFolderId(caller.account);
    const alt = oneOf(query, 'alt', ['json', 'media'] as const);
    if (alt === 'media') return download(caller, writes, fileId);
    let resource: Record<string, unknown>;
    if (fileId === 'root' || fileId === root) {
      resource = rootResource(caller.account);
    } else {
      const file = visibleFiles(caller, writes).find((f) => f.id === fileId);
      if (!file) throw fileNotFound(fileId);
      resource = fileResource(caller.account, file);
    }
    if (fields !== undefined) return resource;
    const { kind, id, name, mimeType } = resource;
    return { kind, id, name, mimeType };
  });

  /** The created file as `files.create` answers it: the default four fields unless `fields` selects others. */
  const created = (call: ApiCall, file: SeedDriveFile) => {
    const resource = fileResource(call.caller.account, file);
    if (call.fields !== undefined) return resource;
    const { kind, id, name, mimeType } = resource;
    return { kind, id, name, mimeType };
  };

  apiRoute(
    app,
    ctx,
    '/drive/v3/files',
    FILES_CREATE,
    (call) => {
      checkSelection(call.fields, FILE_FIELDS);
      return created(call, writes.create(call.caller, parseMetadata(call.body)));
    },
    'POST',
  );

  apiRoute(
    app,
    ctx,
    '/upload/drive/v3/files',
    FILES_CREATE,
    (call) => {
      checkSelection(call.fields, FILE_FIELDS);
      const uploadType = oneOf(call.query, 'uploadType', ['media', 'multipart', 'resumable'] as const);
      const contentType = header(call, 'content-type');
      if (uploadType === 'media') {
        return created(call, writes.create(call.caller, {}, { contentType, bytes: call.body }));
      }
      if (uploadType === 'multipart') {
        const { metadata, media } = parseMultipartRelated(contentType, call.body);
        return created(call, writes.create(call.caller, metadata, media));
      }
      if (uploadType === 'resumable') {
        const id = writes.openSession(call.caller, parseMetadata(call.body), header(call, 'x-upload-content-type'));
        const location = new URL(`${call.origin}/upload/drive/v3/files`);
        location.searchParams.set('uploadType', 'resumable');
        location.searchParams.set('upload_id', id);
        return new ApiReply(200, { location: location.toString() });
      }
      throw invalidParameter(
        'uploadType',
        "Invalid value for uploadType: expected 'media', 'multipart' or 'resumable'.",
      );
    },
    'POST',
  );

  apiRoute(
    app,
    ctx,
    '/upload/drive/v3/files',
    FILES_CREATE,
    (call) => {
      const id = one(call.query, 'upload_id');
      if (id === undefined || id === '') throw requiredParameter('upload_id');
      const session = writes.session(call.caller, id);
      session.received.push(call.body);
      // A chunk (`Content-Range: bytes a-b/total`, or `*/total`) short of the total answers 308 with what arrived.
      const range = /^bytes (?:\d+-\d+|\*)\/(\d+|\*)$/.exec(header(call, 'content-range') ?? '');
      const total = range?.[1] === undefined || range[1] === '*' ? undefined : Number(range[1]);
      const bytes = Buffer.concat(session.received);
      if (range !== null && (total === undefined || bytes.length < total)) {
        return new ApiReply(308, bytes.length === 0 ? {} : { range: `bytes=0-${bytes.length - 1}` });
      }
      writes.closeSession(id);
      const contentType = session.contentType ?? header(call, 'content-type');
      return created(call, writes.create(call.caller, session.metadata, { contentType, bytes }));
    },
    'PUT',
  );

  apiRoute(
    app,
    ctx,
    '/drive/v3/files/:fileId',
    FILES_DELETE,
    ({ caller, params }) => {
      const fileId = params.fileId ?? '';
      const file = visibleFiles(caller, writes).find((f) => f.id === fileId);
      if (!file) throw fileNotFound(fileId);
      writes.delete(caller.account, file);
      return new ApiReply(204);
    },
    'DELETE',
  );

  apiRoute(app, ctx, '/drive/v3/about', ABOUT_GET, ({ caller, fields }) => {
    // Drive v3 insists on a field selection for about.get.
    if (fields === undefined) throw requiredParameter('fields', "The 'fields' parameter is required for this method.");
    checkSelection(fields, ABOUT_FIELDS);
    const usage = caller.account.drive.files.reduce((sum, f) => sum + Number(f.size ?? 0), 0);
    const inTrash = caller.account.drive.files.filter((f) => f.trashed).reduce((s, f) => s + Number(f.size ?? 0), 0);
    return {
      kind: 'drive#about',
      user: driveUser(caller.account),
      storageQuota: {
        limit: caller.account.hd ? undefined : '16106127360',
        usage: String(usage),
        usageInDrive: String(usage),
        usageInDriveTrash: String(inTrash),
      },
      maxUploadSize: '5242880000000',
      appInstalled: false,
      canCreateDrives: Boolean(caller.account.hd),
      folderColorPalette: ['#ac725e', '#d06b64', '#f83a22', '#fa573c', '#ff7537', '#ffad46', '#8f8f8f'],
    };
  });
}

function header(call: ApiCall, name: string): string | undefined {
  const value = call.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const CONTENT_SCOPES = new Set(['drive', 'drive.readonly'].map((s) => AUTH + s));

/** `files.get?alt=media`: the bytes of a binary file; Docs Editors files must be exported instead, as in Drive. */
function download(caller: Caller, writes: DriveWrites, fileId: string): RawBody {
  const file = visibleFiles(caller, writes).find((f) => f.id === fileId);
  if (!file) throw fileNotFound(fileId);
  // drive.file reads the content of the files it sees (its own); the metadata scopes never read content.
  const mayRead = [...caller.scopes].some((s) => CONTENT_SCOPES.has(s)) || caller.scopes.has(AUTH + 'drive.file');
  if (!mayRead) {
    const message = `The user has not granted the app ${caller.clientId.split('-')[0]} read access to the file ${fileId}.`;
    throw new GoogleApiError(403, 'PERMISSION_DENIED', message, [
      {
        message,
        domain: 'global',
        reason: 'appNotAuthorizedToFile',
        location: 'Authorization',
        locationType: 'header',
      },
    ]);
  }
  if (file.size === undefined) {
    const message = 'Only files with binary content can be downloaded. Use Export with Docs Editors files.';
    throw new GoogleApiError(403, 'PERMISSION_DENIED', message, [
      { message, domain: 'global', reason: 'fileNotDownloadable', location: 'alt', locationType: 'parameter' },
    ]);
  }
  return new RawBody(file.mimeType, fileContent(file));
}
