import type { FileService } from './file.service.js';

/** Longest side of a thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 256;
/** Thumbnails are WebP (thumbnail-image.ts makes them), whatever the source was. */
export const THUMBNAIL_TYPE = 'image/webp';
/** Full-size previews of RAW and HEIC files are JPEG (thumbnail-image.ts renderPhoto). */
export const PREVIEW_TYPE = 'image/jpeg';

export interface StoredThumbnail {
  versionId: string;
  size: number;
  sha256: string;
}

/**
 * Stores a thumbnail as a version of its own (own random data key, encrypted chunks like any file),
 * left 'uploading': the caller commits it together with the media row that refers to it. On failure
 * nothing is left behind but chunks already queued for deletion.
 */
export async function storeThumbnail(
  files: FileService,
  ownerId: string,
  bytes: Buffer,
): Promise<StoredThumbnail> {
  const { versionId, cipher } = await files.startVersion(ownerId);
  const session = files.cipherSession(true);
  const writer = files.writer(versionId, cipher, session, { totalSize: bytes.length });
  try {
    await writer.write(bytes);
    const { size } = await writer.finish();
    return { versionId, size, sha256: await session.digest() };
  } catch (err) {
    await writer.abort();
    session.drop();
    await files.discardVersion(versionId);
    throw err;
  }
}
