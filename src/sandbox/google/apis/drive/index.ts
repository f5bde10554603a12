import type { FastifyInstance } from 'fastify';
import type { SeedDriveFile } from '../../seed.js';
import type { ApiMethod, Caller } from '../auth.js';
import { GoogleApiError, invalidParameter, requiredParameter } from '../errors.js';
import { checkFields, parseFields } from '../fields.js';
import { paginate } from '../page-token.js';
import { integer, one, oneOf } from '../params.js';
import { type ApiContext, apiRoute, RawBody } from '../route.js';
import { compileOrder } from './order.js';
import { compileQuery } from './query.js';
import { driveUser, FILE_FIELDS, fileContent, fileResource, rootFolderId, rootResource } from './resource.js';

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

/** The files a token may see. No seeded file was created by an app, so `drive.file` and friends see none. */
function visibleFiles(caller: Caller): SeedDriveFile[] {
  const whole = [...caller.scopes].some((s) => WHOLE_DRIVE.has(s));
  return whole ? caller.account.drive.files : [];
}

function checkSelection(fields: string | undefined, top: ReadonlySet<string>, files?: string): void {
  if (fields === undefined) return;
  checkFields(parseFields(fields), top, files ? { [files]: FILE_FIELDS } : {});
}

/** Drive v3: `files.list`, `files.get` and `about.get`. */
export function registerDrive(app: FastifyInstance, ctx: ApiContext): void {
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
    const matching = (spaces.split(',').some((s) => s.trim() === 'drive') ? visibleFiles(caller) : [])
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
    if (alt === 'media') return download(caller, fileId);
    let resource: Record<string, unknown>;
    if (fileId === 'root' || fileId === root) {
      resource = rootResource(caller.account);
    } else {
      const file = visibleFiles(caller).find((f) => f.id === fileId);
      if (!file) throw fileNotFound(fileId);
      resource = fileResource(caller.account, file);
    }
    if (fields !== undefined) return resource;
    const { kind, id, name, mimeType } = resource;
    return { kind, id, name, mimeType };
  });

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

function fileNotFound(fileId: string): GoogleApiError {
  const message = `File not found: ${fileId}.`;
  return new GoogleApiError(404, 'NOT_FOUND', message, [
    { message, domain: 'global', reason: 'notFound', location: 'fileId', locationType: 'parameter' },
  ]);
}

const CONTENT_SCOPES = new Set(['drive', 'drive.readonly'].map((s) => AUTH + s));

/** `files.get?alt=media`: the bytes of a binary file; Docs Editors files must be exported instead, as in Drive. */
function download(caller: Caller, fileId: string): RawBody {
  const file = visibleFiles(caller).find((f) => f.id === fileId);
  if (!file) throw fileNotFound(fileId);
  if (![...caller.scopes].some((s) => CONTENT_SCOPES.has(s))) {
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
