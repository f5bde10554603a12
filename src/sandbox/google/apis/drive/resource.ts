import { createHash } from 'node:crypto';
import { FOLDER_MIME, type SeedAccount, type SeedDriveFile } from '../../seed.js';

/** The id of an account's "My Drive" root folder, which `root` stands for. */
export function rootFolderId(account: SeedAccount): string {
  return '0A' + createHash('sha256').update(`root ${account.sub}`).digest('base64url').slice(0, 17) + 'Uk9PVA';
}

/** The permission id Drive shows for a user: a stable number derived from the account. */
export function permissionId(account: SeedAccount): string {
  return account.sub.slice(0, 20);
}

/** The account as a `drive#user`. */
export function driveUser(account: SeedAccount): Record<string, unknown> {
  return {
    kind: 'drive#user',
    displayName: account.name,
    photoLink: account.picture,
    me: true,
    permissionId: permissionId(account),
    emailAddress: account.email,
  };
}

const EDITORS: Record<string, string> = {
  'application/vnd.google-apps.document': 'document',
  'application/vnd.google-apps.spreadsheet': 'spreadsheets',
  'application/vnd.google-apps.presentation': 'presentation',
  'application/vnd.google-apps.form': 'forms',
};

function webViewLink(file: SeedDriveFile): string {
  if (file.mimeType === FOLDER_MIME) return `https://drive.google.com/drive/folders/${file.id}`;
  const editor = EDITORS[file.mimeType];
  if (editor) return `https://docs.google.com/${editor}/d/${file.id}/edit?usp=drivesdk`;
  return `https://drive.google.com/file/d/${file.id}/view?usp=drivesdk`;
}

/** Every field the emulator knows for a file: what `fields=*` returns. */
export const FILE_FIELDS = new Set([
  'kind',
  'id',
  'name',
  'mimeType',
  'description',
  'starred',
  'trashed',
  'explicitlyTrashed',
  'parents',
  'spaces',
  'version',
  'webViewLink',
  'iconLink',
  'hasThumbnail',
  'thumbnailVersion',
  'viewedByMe',
  'createdTime',
  'modifiedTime',
  'modifiedByMe',
  'modifiedByMeTime',
  'owners',
  'lastModifyingUser',
  'shared',
  'ownedByMe',
  'capabilities',
  'viewersCanCopyContent',
  'copyRequiresWriterPermission',
  'writersCanShare',
  'permissionIds',
  'originalFilename',
  'fullFileExtension',
  'fileExtension',
  'md5Checksum',
  'size',
  'quotaBytesUsed',
  'headRevisionId',
  'isAppAuthorized',
  'folderColorRgb',
  'exportLinks',
  'webContentLink',
  'driveId',
  'teamDriveId',
  'sharingUser',
  'permissions',
  'properties',
  'appProperties',
  'contentHints',
  'imageMediaMetadata',
  'videoMediaMetadata',
  'shortcutDetails',
  'resourceKey',
  'linkShareMetadata',
  'labelInfo',
  'sha1Checksum',
  'sha256Checksum',
  'viewedByMeTime',
  'sharedWithMeTime',
  'trashedTime',
  'trashingUser',
  'thumbnailLink',
  'contentRestrictions',
  'inheritedPermissionsDisabled',
  'downloadRestrictions',
]);

/** A seeded file as the full `drive#file` resource. */
export function fileResource(account: SeedAccount, file: SeedDriveFile): Record<string, unknown> {
  const root = rootFolderId(account);
  const user = driveUser(account);
  const isFolder = file.mimeType === FOLDER_MIME;
  const native = file.mimeType.startsWith('application/vnd.google-apps.');
  const extension = native ? undefined : /\.([A-Za-z0-9]+)$/.exec(file.name)?.[1];
  const version = String(1 + (Date.parse(file.modifiedTime) % 97));
  const out: Record<string, unknown> = {
    kind: 'drive#file',
    id: file.id,
    name: file.name,
    mimeType: file.mimeType,
    starred: file.starred,
    trashed: file.trashed,
    explicitlyTrashed: file.trashed,
    parents: file.parents.map((p) => (p === 'root' ? root : p)),
    spaces: ['drive'],
    version,
    webViewLink: webViewLink(file),
    iconLink: `https://drive-thirdparty.googleusercontent.com/16/type/${file.mimeType}`,
    hasThumbnail: !isFolder,
    thumbnailVersion: '0',
    viewedByMe: true,
    createdTime: file.createdTime,
    modifiedTime: file.modifiedTime,
    modifiedByMe: true,
    modifiedByMeTime: file.modifiedTime,
    viewedByMeTime: file.modifiedTime,
    owners: [user],
    lastModifyingUser: user,
    shared: false,
    ownedByMe: true,
    viewersCanCopyContent: true,
    copyRequiresWriterPermission: false,
    writersCanShare: true,
    permissionIds: [permissionId(account)],
    quotaBytesUsed: file.size ?? '0',
    isAppAuthorized: false,
    capabilities: {
      canEdit: !file.trashed,
      canComment: true,
      canShare: true,
      canCopy: !isFolder,
      canDownload: true,
      canTrash: !file.trashed,
      canUntrash: file.trashed,
      canDelete: true,
      canRename: !file.trashed,
      canAddChildren: isFolder && !file.trashed,
      canListChildren: isFolder,
    },
  };
  if (file.description !== undefined) out.description = file.description;
  if (file.trashed) out.trashedTime = file.modifiedTime;
  if (isFolder) out.folderColorRgb = '#8f8f8f';
  if (file.size !== undefined) {
    out.size = file.size;
    out.originalFilename = file.name;
    const digest = md5Of(file);
    out.md5Checksum = digest;
    out.headRevisionId = '0B' + digest.slice(0, 20);
    out.webContentLink = `https://drive.google.com/uc?id=${file.id}&export=download`;
    if (extension) {
      out.fullFileExtension = extension;
      out.fileExtension = extension;
    }
  }
  return out;
}

/** The root folder as `files.get('root')` shows it. */
export function rootResource(account: SeedAccount): Record<string, unknown> {
  return {
    kind: 'drive#file',
    id: rootFolderId(account),
    name: 'My Drive',
    mimeType: FOLDER_MIME,
    starred: false,
    trashed: false,
    explicitlyTrashed: false,
    spaces: ['drive'],
    version: '1',
    webViewLink: 'https://drive.google.com/drive/my-drive',
    ownedByMe: true,
    owners: [driveUser(account)],
    createdTime: '2015-01-01T00:00:00.000Z',
    modifiedTime: '2015-01-01T00:00:00.000Z',
  };
}

/**
 * The bytes of a seeded binary file: exactly `size` bytes, derived from its id, so a download is deterministic and
 * matches the metadata. Text files read as text.
 */
export function fileContent(file: SeedDriveFile): Buffer {
  const uploaded = UPLOADED.get(file);
  if (uploaded !== undefined) return uploaded;
  const size = Number(file.size ?? 0);
  const seed = file.mimeType.startsWith('text/')
    ? Buffer.from(`${file.name}: seeded content of ${file.id}\n`)
    : createHash('sha256').update(file.id).digest();
  const out = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += seed.length)
    seed.copy(out, offset, 0, Math.min(seed.length, size - offset));
  return out;
}

const md5s = new Map<string, string>();

/** The bytes of files uploaded through `files.create`, beside their (seed-shaped) records. */
const UPLOADED = new WeakMap<SeedDriveFile, Buffer>();

/** Keeps the uploaded bytes of `file`, which `fileContent`, `size` and `md5Checksum` then report. */
export function setUploadedContent(file: SeedDriveFile, content: Buffer): void {
  UPLOADED.set(file, content);
}

/** The MD5 of a file's content, as Drive reports it; memoised, since seeded content never changes. */
function md5Of(file: SeedDriveFile): string {
  const uploaded = UPLOADED.get(file);
  if (uploaded !== undefined) return createHash('md5').update(uploaded).digest('hex');
  const key = `${file.id} ${file.size}`;
  let digest = md5s.get(key);
  if (digest === undefined) {
    digest = createHash('md5').update(fileContent(file)).digest('hex');
    md5s.set(key, digest);
  }
  return digest;
}
