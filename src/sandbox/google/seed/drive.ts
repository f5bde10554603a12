import { digest, driveId, prng } from './deterministic.js';
import { DAY, HOUR, iso, MINUTE, SEED_EPOCH } from './epoch.js';
import type { SeedDriveFile } from './types.js';

// Drive: the folders and files of each account, with times spread over the year before the epoch.

export const FOLDER_MIME = 'application/vnd.google-apps.folder';
export const DOC = 'application/vnd.google-apps.document';
export const SHEET = 'application/vnd.google-apps.spreadsheet';
export const SLIDES = 'application/vnd.google-apps.presentation';
export const FORM = 'application/vnd.google-apps.form';
export const PDF = 'application/pdf';
export const PNG = 'image/png';
export const JPEG = 'image/jpeg';
export const TXT = 'text/plain';
export const CSV = 'text/csv';
export const ZIP = 'application/zip';
export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const NATIVE = new Set([FOLDER_MIME, DOC, SHEET, SLIDES, FORM]);

export interface FileSpec {
  name: string;
  mimeType: string;
  folder?: string;
  trashed?: boolean;
  starred?: boolean;
}

export function driveFiles(key: string, folders: string[], specs: FileSpec[]): SeedDriveFile[] {
  const rand = prng(digest('drive-times', key).readUInt32BE(0));
  const files: SeedDriveFile[] = [];
  const folderIds = new Map<string, string>();
  const all: FileSpec[] = [...folders.map((name) => ({ name, mimeType: FOLDER_MIME })), ...specs];
  all.forEach((spec, index) => {
    const id = driveId(key, spec.name, String(index));
    if (spec.mimeType === FOLDER_MIME) folderIds.set(spec.name, id);
    // Spread files over the year before the epoch, at minute precision, newest last-ish but shuffled.
    const created = SEED_EPOCH - Math.floor((30 + rand() * 330) * DAY) - Math.floor(rand() * 600) * MINUTE;
    const modified = Math.min(SEED_EPOCH - HOUR, created + Math.floor(rand() * 120 * DAY));
    const file: SeedDriveFile = {
      id,
      name: spec.name,
      mimeType: spec.mimeType,
      parents: [spec.folder ? folderIds.get(spec.folder)! : 'root'],
      createdTime: iso(created),
      modifiedTime: iso(modified + index * 1000),
      trashed: spec.trashed ?? false,
      starred: spec.starred ?? false,
    };
    if (!NATIVE.has(spec.mimeType)) file.size = String(1024 + Math.floor(rand() * 4_000_000));
    files.push(file);
  });
  return files;
}
