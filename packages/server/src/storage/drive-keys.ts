import { randomBytes } from 'node:crypto';
import type { MasterKey } from './master-key.js';
import { PACK_TRAILER_KEY_LABEL, sealPackTrailer, type PackEntry } from './pack-trailer.js';
import { SegmentCipher } from './segment-cipher.js';

/** The storage formats this server reads; it writes the last. */
export const READABLE_FORMATS: readonly number[] = [1, 2];

/**
 * The keys of one drive: every version's data key, wrapped by the master key and bound to the drive
 * in format 2, and the key its packs' trailers are sealed under.
 */
export class DriveKeys {
  private readonly packKey: Buffer;

  constructor(
    private readonly master: MasterKey,
    readonly driveId: string,
  ) {
    this.packKey = master.deriveKey(PACK_TRAILER_KEY_LABEL);
  }

  /** A new version's random data key, wrapped for format 2, and the cipher that writes its chunks. */
  create(versionId: string): { format: 2; wrappedKey: Buffer; cipher: SegmentCipher } {
    const dataKey = randomBytes(32);
    const wrappedKey = this.master.wrap(dataKey, versionId, this.driveId);
    const cipher = new SegmentCipher(dataKey, versionId, { driveId: this.driveId, wrappedKey });
    return { format: 2, wrappedKey, cipher };
  }

  /**
   * The cipher of a stored version, in the format its record names (one of READABLE_FORMATS); throws
   * IntegrityError when its key does not unwrap here.
   */
  open(version: { id: string; format: number; wrapped_key: string }): SegmentCipher {
    const wrapped = Buffer.from(version.wrapped_key, 'base64');
    if (version.format === 1) return new SegmentCipher(this.master.unwrap(wrapped, version.id), version.id);
    const dataKey = this.master.unwrap(wrapped, version.id, this.driveId);
    return new SegmentCipher(dataKey, version.id, { driveId: this.driveId, wrappedKey: wrapped });
  }

  /** The trailer of a pack holding these files. */
  packTrailer(packId: string, entries: PackEntry[]): Buffer {
    return sealPackTrailer(this.packKey, this.driveId, packId, entries);
  }
}
