import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { IntegrityError } from './errors.js';

const NONCE_SIZE = 12;
const TAG_SIZE = 16;
/** uint32 plaintext length ‖ uint64 offset ‖ nonce. */
const HEADER_SIZE = 4 + 8 + NONCE_SIZE;
const MAX_RECORD_BYTES = 0xffff_ffff;

/**
 * The sealed records a resumable upload's staged tail is kept in, wherever they are kept:
 * `[uint32 BE length][uint64 BE file offset][12-byte nonce][ciphertext][16-byte tag]`,
 * AES-256-GCM with AAD = uploadId ‖ offset, so a record cannot be moved to another upload or position.
 * Random nonces are safe: a staging key seals a handful of records per upload, far from GCM's limits.
 */
export function sealRecord(uploadId: string, key: Buffer, offset: number, data: Buffer): Buffer {
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

export interface OpenedRecords {
  /** The plaintext of the whole records, continuing exactly from the base offset. */
  plain: Buffer;
  /** Where the whole records end in `data`: after it, a record cut short by a crash. */
  end: number;
  /** The records do not continue from the base: those bytes are in a stored chunk now (or lost). */
  stale: boolean;
}

/**
 * Opens consecutive records that should continue from `baseOffset`. A record that fails
 * authentication throws IntegrityError.
 */
export function openRecords(uploadId: string, key: Buffer, baseOffset: number, data: Buffer): OpenedRecords {
  checkKey(key);
  checkOffset(baseOffset);
  const parts: Buffer[] = [];
  let expected = baseOffset;
  let pos = 0;
  while (data.length - pos >= HEADER_SIZE) {
    const length = data.readUInt32BE(pos);
    const offset = Number(data.readBigUInt64BE(pos + 4));
    const recordEnd = pos + HEADER_SIZE + length + TAG_SIZE;
    if (recordEnd > data.length) break;
    // Records are written contiguously from the base, so a mismatch means the chunks moved on
    // (stale) or the staging no longer lines up; either way the client resends from the base.
    if (offset !== expected) return { plain: Buffer.alloc(0), end: pos, stale: true };
    const nonce = data.subarray(pos + 12, pos + HEADER_SIZE);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_SIZE });
    decipher.setAAD(recordAad(uploadId, data.subarray(pos + 4, pos + 12)));
    decipher.setAuthTag(data.subarray(recordEnd - TAG_SIZE, recordEnd));
    const plain = decipher.update(data.subarray(pos + HEADER_SIZE, recordEnd - TAG_SIZE));
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
  return { plain: Buffer.concat(parts), end: pos, stale: false };
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
