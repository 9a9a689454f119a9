import type { ConflictPolicy } from '@idrive/shared';
import { baseName } from './plan';

/**
 * What is remembered of an unfinished upload across a page reload. A browser cannot reopen a file
 * by itself, so after a reload the user picks the file again; it is recognised by name, size and
 * modification time, and goes on where it stopped (tus keeps the upload's URL under `fingerprint`).
 */
export interface UploadRecord {
  id: string;
  /** Path below the destination folder, ending in the file's name (`photos/2024/a.jpg`). */
  path: string;
  destinationId: string;
  destinationName: string;
  size: number;
  lastModified: number;
  conflict: ConflictPolicy;
}

/** The identity of a file on the user's disk, as far as a web page can tell. */
export interface FileIdentity {
  name: string;
  size: number;
  lastModified: number;
}

const POLICIES: readonly string[] = ['rename', 'replace', 'fail'] satisfies ConflictPolicy[];

function isRecord(value: unknown): value is UploadRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.id === 'string' &&
    typeof r.path === 'string' &&
    typeof r.destinationId === 'string' &&
    typeof r.destinationName === 'string' &&
    typeof r.size === 'number' &&
    typeof r.lastModified === 'number' &&
    typeof r.conflict === 'string' &&
    POLICIES.includes(r.conflict)
  );
}

export function recordsKey(userId: string): string {
  return `idrive.uploads.${userId}`;
}

/** The saved records; anything unreadable (an older format, a hand edit) is dropped. */
export function loadRecords(storage: Pick<Storage, 'getItem'>, key: string): UploadRecord[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(key) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isRecord) : [];
  } catch {
    return [];
  }
}

export function saveRecords(
  storage: Pick<Storage, 'setItem' | 'removeItem'>,
  key: string,
  records: readonly UploadRecord[],
): void {
  if (records.length === 0) storage.removeItem(key);
  else storage.setItem(key, JSON.stringify(records));
}

export function sameFile(
  record: Pick<UploadRecord, 'path' | 'size' | 'lastModified'>,
  file: FileIdentity,
): boolean {
  return (
    baseName(record.path) === file.name &&
    record.size === file.size &&
    record.lastModified === file.lastModified
  );
}

/**
 * The key tus stores an upload's URL under: one file sent to two places is two uploads, so the
 * destination and path are part of it, and so is the user (two accounts may share a browser).
 */
export function tusFingerprint(
  userId: string,
  record: Omit<UploadRecord, 'id' | 'conflict' | 'destinationName'>,
): string {
  return ['idrive', userId, record.destinationId, record.path, record.size, record.lastModified].join('|');
}
