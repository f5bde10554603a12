import { FOLDER_MIME, type SeedDriveFile } from '../../seed.js';
import { invalidParameter } from '../errors.js';

type Compare = (a: SeedDriveFile, b: SeedDriveFile) => number;

const byTime =
  (key: 'createdTime' | 'modifiedTime'): Compare =>
  (a, b) =>
    Date.parse(a[key]) - Date.parse(b[key]);

const KEYS: Record<string, Compare> = {
  createdTime: byTime('createdTime'),
  modifiedTime: byTime('modifiedTime'),
  modifiedByMeTime: byTime('modifiedTime'),
  viewedByMeTime: byTime('modifiedTime'),
  recency: byTime('modifiedTime'),
  sharedWithMeTime: () => 0,
  folder: (a, b) => Number(b.mimeType === FOLDER_MIME) - Number(a.mimeType === FOLDER_MIME),
  name: (a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase(), 'en') || a.name.localeCompare(b.name, 'en'),
  name_natural: (a, b) => a.name.localeCompare(b.name, 'en', { numeric: true, sensitivity: 'base' }),
  quotaBytesUsed: (a, b) => Number(a.size ?? 0) - Number(b.size ?? 0),
  starred: (a, b) => Number(b.starred) - Number(a.starred),
};

/**
 * Compiles Drive's `orderBy` (`folder,name`, `modifiedTime desc`, ...). Without one, Drive's default applies:
 * most recently modified first. Ties always break on id, so paging never repeats or skips a file.
 */
export function compileOrder(orderBy: string | undefined): Compare {
  const parts: Compare[] = [];
  const spec = orderBy === undefined || orderBy.trim() === '' ? 'modifiedTime desc' : orderBy;
  for (const raw of spec.split(',')) {
    const [key, direction, ...rest] = raw.trim().split(/\s+/);
    const compare = key ? KEYS[key] : undefined;
    if (!compare || rest.length > 0 || (direction !== undefined && !/^(asc|desc)$/i.test(direction))) {
      throw invalidParameter('orderBy', `Invalid value '${raw.trim()}' for orderBy.`);
    }
    parts.push(direction?.toLowerCase() === 'desc' ? (a, b) => compare(b, a) : compare);
  }
  parts.push((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return (a, b) => {
    for (const part of parts) {
      const result = part(a, b);
      if (result !== 0) return result;
    }
    return 0;
  };
}
