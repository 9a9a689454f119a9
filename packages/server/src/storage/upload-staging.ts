import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ensureDir, isErrnoCode, syncDir, writeFileAtomic } from './durable-fs.js';
import { IntegrityError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
/** uint32 plaintext length ‖ uint64 offset ‖ nonce. */
const HEADER_SIZE = 4 + 8 + NONCE_SIZE;
const MAX_RECORD_BYTES = 0xffff_ffff;

/**
 * The tail of a resumable upload that does not fill a chunk yet, kept encrypted on local disk so the
 * offset a client was told survives a dropped connection and a server restart. Each upload has one
 * file `<dir>/<uploadId>.tail` of records:
 * `[uint32 BE length][uint64 BE file offset][12-byte nonce][ciphertext][16-byte tag]`,
 * AES-256-GCM with AAD = uploadId ‖ offset, so a record cannot be moved to another upload or position.
 * Random nonces are safe: a staging key seals a handful of records per upload, far from GCM's limits.
 */
export class UploadStaging {
  constructor(private readonly dir: string) {}

  /**
   * The staged plaintext continuing exactly from `baseOffset` (the end of the last stored chunk).
   * Staging that starts before `baseOffset` is stale (those bytes are in a stored chunk now) and is
   * deleted; a final record cut short by a crash is dropped; a record that fails authentication throws
   * IntegrityError.
   */
  async load(uploadId: string, key: Buffer, baseOffset: number): Promise<Buffer> {
    const file = this.pathOf(uploadId);
    checkKey(key);
    checkOffset(baseOffset);
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (err) {
      if (isErrnoCode(err, 'ENOENT')) return Buffer.alloc(0);
      throw err;
    }

    const parts: Buffer[] = [];
    let expected = baseOffset;
    let pos = 0;
    while (pos < data.length) {
      if (data.length - pos < HEADER_SIZE) break;
      const length = data.readUInt32BE(pos);
      const offset = Number(data.readBigUInt64BE(pos + 4));
      const recordEnd = pos + HEADER_SIZE + length + TAG_SIZE;
      if (recordEnd > data.length) break;
      if (offset !== expected) {
        // Records are written contiguously from the base, so a mismatch means the chunks moved on
        // (stale) or the staging no longer lines up; either way the client resends from the base.
        await this.remove(uploadId);
        return Buffer.alloc(0);
      }
      const nonce = data.subarray(pos + 12, pos + HEADER_SIZE);
      const body = data.subarray(pos + HEADER_SIZE, recordEnd - TAG_SIZE);
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_SIZE });
      decipher.setAAD(recordAad(uploadId, data.subarray(pos + 4, pos + 12)));
      decipher.setAuthTag(data.subarray(recordEnd - TAG_SIZE, recordEnd));
      const plain = decipher.update(body);
      try {
        decipher.final();
      } catch {
        throw new IntegrityError(
          `The staged part of upload ${uploadId} failed its integrity check (at byte ${offset}): it is damaged`,
        );
      }
      parts.push(plain);
      expected += length;
      pos = recordEnd;
    }
    if (pos < data.length) {
      // A crash mid-append leaves a partial record; it was never acknowledged, so it is cut off, and
      // the next append starts on a record boundary again.
      const handle = await open(file, 'r+');
      try {
        await handle.truncate(pos);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    return Buffer.concat(parts);
  }

  /** Appends `data` (the bytes at file offset `offset`) as one record and fsyncs before resolving. */
  async append(uploadId: string, key: Buffer, offset: number, data: Buffer): Promise<void> {
    const file = this.pathOf(uploadId);
    const record = sealRecord(uploadId, key, offset, data);
    if (data.length === 0) return;
    await ensureDir(this.dir);
    let handle: FileHandle;
    let created = true;
    try {
      handle = await open(file, 'ax', 0o600);
    } catch (err) {
      if (!isErrnoCode(err, 'EEXIST')) throw err;
      handle = await open(file, 'a', 0o600);
      created = false;
    }
    try {
      await handle.writeFile(record);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (created) await syncDir(this.dir);
  }

  /** Atomically replaces the upload's staging with one record of `data` at `offset`; empty data removes it. */
  async replace(uploadId: string, key: Buffer, offset: number, data: Buffer): Promise<void> {
    const file = this.pathOf(uploadId);
    const record = sealRecord(uploadId, key, offset, data);
    if (data.length === 0) return this.remove(uploadId);
    await writeFileAtomic(file, record);
  }

  /** Deletes the upload's staging; a missing file is fine. */
  async remove(uploadId: string): Promise<void> {
    try {
      await unlink(this.pathOf(uploadId));
    } catch (err) {
      if (!isErrnoCode(err, 'ENOENT')) throw err;
    }
  }

  private pathOf(uploadId: string): string {
    if (!UUID.test(uploadId)) throw new Error(`Invalid upload id "${uploadId.slice(0, 80)}"`);
    return path.join(this.dir, `${uploadId.toLowerCase()}.tail`);
  }
}

function sealRecord(uploadId: string, key: Buffer, offset: number, data: Buffer): Buffer {
  checkKey(key);
  checkOffset(offset);
  if (data.length > MAX_RECORD_BYTES)
    throw new RangeError(`A staged record holds at most ${MAX_RECORD_BYTES} bytes`);
  const record = Buffer.allocUnsafe(HEADER_SIZE + data.length + TAG_SIZE);
  record.writeUInt32BE(data.length, 0);
  record.writeBigUInt64BE(BigInt(offset), 4);
  const nonce = randomBytes(NONCE_SIZE);
  nonce.copy(record, 12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_SIZE });
  cipher.setAAD(recordAad(uploadId, record.subarray(4, 12)));
  cipher.update(data).copy(record, HEADER_SIZE);
  cipher.final();
  cipher.getAuthTag().copy(record, HEADER_SIZE + data.length);
  return record;
}

function recordAad(uploadId: string, offsetBytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(uploadId.toLowerCase(), 'utf8'), offsetBytes]);
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new RangeError(`A staging key is 32 bytes, not ${key.length}`);
}

function checkOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`Invalid upload offset ${offset}`);
}
