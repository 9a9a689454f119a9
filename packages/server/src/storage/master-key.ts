import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ensureDir, isErrnoCode, syncDir } from './durable-fs.js';
import { IntegrityError } from './errors.js';
import { uuidBytes } from './uuid-bytes.js';

const KEY_SIZE = 32;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
/** Bytes of a wrapped data key: nonce ‖ ciphertext ‖ tag. */
export const WRAPPED_KEY_SIZE = NONCE_SIZE + KEY_SIZE + TAG_SIZE;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
// 32 bytes are 43 base64 characters plus one '=' of padding; both the standard and URL-safe alphabets are accepted.
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/**
 * The instance's master key. It never encrypts file content; it wraps each file version's random data
 * key and derives purpose-bound keys (upload staging, ...), so rotating it means re-wrapping keys only.
 */
export class MasterKey {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_SIZE)
      throw new RangeError(`The master key is ${KEY_SIZE} bytes, not ${key.length}`);
    this.key = Buffer.from(key);
  }

  /**
   * Encrypts a version's data key: AES-256-GCM, random 12-byte nonce (random is safe here: the birthday
   * bound for 96-bit nonces is far beyond the number of versions one instance creates), AAD binding the
   * version id so a wrapped key cannot be copied onto another version, and for format 2 (`driveId`
   * given) the drive too. Returns nonce ‖ ciphertext ‖ tag (60 bytes).
   */
  wrap(dataKey: Buffer, versionId: string, driveId?: string): Buffer {
    if (dataKey.length !== KEY_SIZE)
      throw new RangeError(`A data key is ${KEY_SIZE} bytes, not ${dataKey.length}`);
    const nonce = randomBytes(NONCE_SIZE);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_SIZE });
    cipher.setAAD(wrapAad(versionId, driveId));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]);
  }

  /**
   * Recovers a data key wrapped for `versionId` (and `driveId`, for format 2); throws IntegrityError
   * if the master key or the record is wrong.
   */
  unwrap(wrapped: Buffer, versionId: string, driveId?: string): Buffer {
    const failure = () =>
      new IntegrityError("The file's key could not be unwrapped: wrong master key or damaged record");
    if (wrapped.length !== WRAPPED_KEY_SIZE) throw failure();
    const decipher = createDecipheriv('aes-256-gcm', this.key, wrapped.subarray(0, NONCE_SIZE), {
      authTagLength: TAG_SIZE,
    });
    decipher.setAAD(wrapAad(versionId, driveId));
    decipher.setAuthTag(wrapped.subarray(NONCE_SIZE + KEY_SIZE));
    const plain = decipher.update(wrapped.subarray(NONCE_SIZE, NONCE_SIZE + KEY_SIZE));
    try {
      decipher.final();
    } catch {
      throw failure();
    }
    return plain;
  }

  /**
   * A 32-byte key for one purpose, HKDF-SHA256 with `label` as the info. No salt: the master key is
   * already uniformly random, so HKDF's extract step needs none (RFC 5869 §3.1); the label alone keeps
   * keys for different purposes independent.
   */
  deriveKey(label: string): Buffer {
    if (label.length === 0) throw new RangeError('A derived key needs a label');
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), label, KEY_SIZE));
  }

  /** Constant-time comparison, for telling whether two configured keys are the same. */
  equals(other: MasterKey): boolean {
    return timingSafeEqual(this.key, other.key);
  }
}

/** Format 1: the labelled version id (50 bytes); format 2: drive id ‖ version id (32 bytes). */
function wrapAad(versionId: string, driveId: string | undefined): Buffer {
  if (driveId === undefined) return Buffer.from(`idrive/key/v1:${versionId}`, 'utf8');
  return Buffer.concat([uuidBytes(driveId), uuidBytes(versionId)]);
}

/** Where the master key came from, and whether it was just made. */
export interface LoadedMasterKey {
  key: MasterKey;
  created: boolean;
  source: 'env' | 'file';
}

/**
 * The master key from `IDRIVE_MASTER_KEY` (64 hex characters or base64 of 32 bytes), else from the key
 * file (64 hex characters), else a new random key written to the key file (mode 0600) with a loud
 * warning to back it up. An empty env value counts as unset (compose files often pass `KEY=` through).
 */
export async function loadOrCreateMasterKey(opts: {
  envValue?: string;
  keyFile: string;
  log: (msg: string) => void;
  /** False for tools that must open what exists (a restore): no key is then an error, never a new key. */
  create?: boolean;
}): Promise<LoadedMasterKey> {
  const { keyFile, log } = opts;
  const envValue = opts.envValue?.trim();
  if (envValue) {
    const key = new MasterKey(parseEnvKey(envValue));
    const fileKey = await readKeyFile(keyFile, () => undefined).catch(() => null);
    if (fileKey && !fileKey.equals(key)) {
      log(
        `IDRIVE_MASTER_KEY is set and differs from the key in ${keyFile}; the file is ignored. ` +
          'Files stored under the other key cannot be read with this one.',
      );
    }
    return { key, created: false, source: 'env' };
  }

  const existing = await readKeyFile(keyFile, log);
  if (existing) return { key: existing, created: false, source: 'file' };
  if (opts.create === false) {
    throw new Error(
      `No master key: set IDRIVE_MASTER_KEY (or IDRIVE_MASTER_KEY_FILE), or put the drive's key file at ${keyFile}`,
    );
  }

  const raw = randomBytes(KEY_SIZE);
  await ensureDir(path.dirname(keyFile));
  let handle: FileHandle;
  try {
    // 'wx' never overwrites: if another process created the file first, its key wins and we read it.
    handle = await open(keyFile, 'wx', 0o600);
  } catch (err) {
    if (!isErrnoCode(err, 'EEXIST')) throw err;
    const raced = await readKeyFile(keyFile, log);
    if (!raced) throw err;
    return { key: raced, created: false, source: 'file' };
  }
  try {
    await handle.writeFile(`${raw.toString('hex')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await syncDir(path.dirname(keyFile));
  log(
    [
      '************************************************************************',
      `A new master key was created in ${keyFile}.`,
      'EVERY stored file is encrypted under this key. If this file is lost, every',
      'file in this drive is lost with it: nobody can decrypt them, not even you.',
      'BACK IT UP NOW, somewhere other than this server, and keep it secret.',
      '(Or set IDRIVE_MASTER_KEY to its content and keep that safe instead.)',
      '************************************************************************',
    ].join('\n'),
  );
  return { key: new MasterKey(raw), created: true, source: 'file' };
}

function parseEnvKey(value: string): Buffer {
  if (HEX_KEY.test(value)) return Buffer.from(value, 'hex');
  if (BASE64_KEY.test(value)) {
    const key = Buffer.from(value, 'base64');
    if (key.length === KEY_SIZE) return key;
  }
  // The value is a secret, so the message never echoes it.
  throw new Error(
    'IDRIVE_MASTER_KEY (or the file IDRIVE_MASTER_KEY_FILE names) must be 64 hex characters or the base64 ' +
      'of 32 bytes (make one with: openssl rand -hex 32)',
  );
}

/** The key in `keyFile`, or null when there is no such file. A malformed file stops start-up rather than being replaced. */
async function readKeyFile(keyFile: string, log: (msg: string) => void): Promise<MasterKey | null> {
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (err) {
    if (isErrnoCode(err, 'ENOENT')) return null;
    throw err;
  }
  const hex = text.replace(/\r?\n$/, '');
  if (!HEX_KEY.test(hex)) {
    throw new Error(
      `The master key file ${keyFile} does not hold 64 hex characters. Restore it from your backup; ` +
        'a new key would not open the files already stored.',
    );
  }
  // POSIX modes mean nothing on Windows, where every file would look world-readable.
  if (process.platform !== 'win32' && ((await stat(keyFile)).mode & 0o077) !== 0) {
    log(`The master key file ${keyFile} can be read by other users; restrict it with: chmod 600 ${keyFile}`);
  }
  return new MasterKey(Buffer.from(hex, 'hex'));
}
