import { randomUUID } from 'node:crypto';
import { extension } from 'mime-types';
import { SEGMENT_SIZE } from '@idrive/shared/limits';
import type { DriveApp } from '../app.js';
import type { UserRow } from '../db/schema.js';
import { OCTET_STREAM, refineByContent, resolveMimeType } from '../lib/mime.js';
import type { UploadTarget } from '../services/file.service.js';
import { containerOf } from '../storage/chunk-store.js';
import type { FoundVersion } from './scan-channels.js';

/** The folder, in its owner's root, that files the journal never placed go into. */
export const RECOVERED_FOLDER = 'Recovered files';

export interface Recovered {
  path: string;
  size: number;
  /** Where it was put, and why there. */
  how: string;
}

export interface NotRecovered {
  what: string;
  why: string;
}

/**
 * Makes files of the versions a scan found whole that the restored records do not hold as
 * committed: their chunk records are written from what the scan found and the file is committed as
 * any upload is (names, sizes, quotas, thumbnails). A version whose resumable upload the records
 * hold goes where that upload was going; any other goes into "Recovered files" in its owner's root
 * (the admin's when the version is unknown too), named after its id, with the time Discord took it.
 * `seen` says which versions the journal named at all: one named and gone was deleted, and stays so.
 */
export async function recoverFiles(
  drive: DriveApp,
  versions: Iterable<FoundVersion>,
  seen: (versionId: string) => boolean,
): Promise<{ recovered: Recovered[]; notRecovered: NotRecovered[]; passedOver: Map<string, number> }> {
  const { repos, context } = drive;
  const recovered: Recovered[] = [];
  const notRecovered: NotRecovered[] = [];
  const passedOver = new Map<string, number>();
  const pass = (why: string) => passedOver.set(why, (passedOver.get(why) ?? 0) + 1);
  const admin = (await repos.users.list()).find((u) => u.perm_admin === 1 && u.disabled === 0);
  const store = drive.stores.get('discord');
  for (const found of versions) {
    const row = await repos.versions.findById(found.versionId);
    if (row?.status === 'committed') {
      pass('another copy of a chunk of a file the records hold');
      continue;
    }
    if (!row && seen(found.versionId)) {
      pass('a chunk of a file deleted since (the journal says so); left for the orphan sweep');
      continue;
    }
    // A version the records know may have chunks recorded before the journal stopped.
    for (const c of row ? await repos.versions.chunks(row.id) : []) {
      if (c.locator === null || found.chunks.has(c.idx)) continue;
      found.chunks.set(c.idx, {
        locator: c.locator,
        plainSize: c.plain_size,
        sealedSize: c.sealed_size,
        at: row!.created_at,
        ...(c.pack_id === null ? {} : { pack: { id: c.pack_id, offset: c.pack_offset!, size: 0 } }),
      });
    }
    const missing = missingChunks(found);
    if (missing !== null) {
      notRecovered.push({ what: `version ${found.versionId}`, why: missing });
      continue;
    }
    const owner = (row && (await repos.users.findById(row.owner_id))) ?? admin;
    if (!owner) {
      notRecovered.push({ what: `version ${found.versionId}`, why: 'no user to give it to' });
      continue;
    }
    const final = found.final!;
    const at = Math.min(...[...found.chunks.values()].map((c) => c.at));
    await repos.transaction(async (r) => {
      if (!row) {
        await r.versions.insert({
          id: found.versionId,
          owner_id: owner.id,
          status: 'uploading',
          size: 0,
          sha256: null,
          wrapped_key: found.wrappedKey.toString('base64'),
          format: found.format,
          chunk_size: found.chunkSize!,
          segment_size: SEGMENT_SIZE,
          created_at: at,
        });
      }
      for (const chunk of found.chunks.values()) {
        if (chunk.pack && !(await r.versions.findPack(chunk.pack.id))) {
          await r.versions.insertPack({
            id: chunk.pack.id,
            store: store.name,
            size: chunk.pack.size,
            created_at: at,
          });
        }
      }
      await r.versions.replaceChunks(
        found.versionId,
        [...found.chunks.entries()].map(([idx, chunk]) => ({
          version_id: found.versionId,
          idx,
          store: store.name,
          chunk_key: randomUUID(),
          locator: chunk.locator,
          container: containerOf(store, chunk.locator),
          plain_size: chunk.plainSize,
          sealed_size: chunk.sealedSize,
          pack_id: chunk.pack?.id ?? null,
          pack_offset: chunk.pack?.offset ?? null,
        })),
      );
    });
    const upload = row ? await repos.uploads.findByVersion(found.versionId) : undefined;
    const target: UploadTarget = upload
      ? {
          parentId: upload.parent_id,
          name: upload.name,
          conflict: upload.conflict === 'replace' ? 'replace' : 'rename',
          mimeType: upload.mime_type ?? resolveMimeType(upload.name, null),
        }
      : await recoveredTarget(drive, owner, found);
    try {
      const item = await repos.transaction(async (r) => {
        const committed = await context.files.commit(
          owner,
          target,
          found.versionId,
          final.fileSize,
          final.sha256,
          r,
        );
        if (upload) await r.uploads.delete(upload.id);
        return committed;
      });
      const dated = upload ? item : await context.items.setModified(owner, item.id, at);
      const path = (await repos.items.pathTo(dated.id)).map((i) => i.name).join('/');
      recovered.push({
        path: `${owner.username}:${path}`,
        size: final.fileSize,
        how: upload
          ? 'put where its resumable upload was going'
          : 'the journal never said where it was committed',
      });
    } catch (err) {
      notRecovered.push({ what: `version ${found.versionId}`, why: (err as Error).message });
    }
  }
  return { recovered, notRecovered, passedOver };
}

/** Why a found version is not whole, or null when every chunk is there. */
function missingChunks(found: FoundVersion): string | null {
  if (!found.final || found.chunkSize === null) {
    return `${found.chunks.size} chunk(s) found, none of them the last: the upload never finished, or its end is gone`;
  }
  const absent: number[] = [];
  for (let i = 0; i < found.final.chunks; i++) if (!found.chunks.has(i)) absent.push(i);
  if (absent.length === 0) return null;
  return `chunks ${absent.join(', ')} of ${found.final.chunks} are not in the data channels`;
}

/** "Recovered files/recovered-<id>.<ext>" in the owner's root, the extension from the content. */
async function recoveredTarget(drive: DriveApp, owner: UserRow, found: FoundVersion): Promise<UploadTarget> {
  const { folder } = await drive.context.items.ensureFolder(owner, owner.root_folder_id, RECOVERED_FOLDER);
  const head = await drive.context.files.readHead(found.versionId, found.final!.fileSize);
  const mimeType = await refineByContent(OCTET_STREAM, head);
  const ext = mimeType === OCTET_STREAM ? 'bin' : extension(mimeType) || 'bin';
  return { parentId: folder.id, name: `recovered-${found.versionId}.${ext}`, conflict: 'rename', mimeType };
}
