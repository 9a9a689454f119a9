import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat, truncate, utimes } from 'node:fs/promises';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ItemDetails } from '@idrive/shared';
import type { ApiClient } from './api-client.js';
import type { Bandwidth } from './bandwidth.js';
import { CliError, EXIT } from './exit-codes.js';
import type { Transfer } from './progress.js';

/** Where a download is written until it is whole; a later run resumes from its length. */
export const PART_SUFFIX = '.idrive-part';

export interface DownloadResult {
  /** Bytes a partial local file already had, which this run did not fetch again. */
  resumedFrom: number;
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/**
 * Fetches one file to `dest`, through `dest.idrive-part`: a part left by an earlier run is continued
 * with a Range request. The whole file is then checked against the drive's SHA-256, so a part that
 * belonged to an older version of the file is caught (and fetched again from the start). The hash is
 * taken as the bytes arrive (over the part's earlier bytes first), not by reading the file again.
 */
export async function downloadFile(
  api: ApiClient,
  file: ItemDetails,
  dest: string,
  transfer: Transfer,
  signal: AbortSignal,
  bandwidth?: Bandwidth,
): Promise<DownloadResult> {
  const part = dest + PART_SUFFIX;
  let have = await sizeOf(part);
  if (have > file.size) {
    await truncate(part, 0);
    have = 0;
  }
  const fetched = await fetchInto(api, file, part, have, transfer, signal, bandwidth);
  if (file.sha256 && fetched.sha256 !== file.sha256) {
    await rm(part, { force: true });
    if (fetched.from === 0) throw mismatch(dest);
    // The part was of other bytes: start over, once.
    const again = await fetchInto(api, file, part, 0, transfer, signal, bandwidth);
    if (again.sha256 !== file.sha256) throw mismatch(dest);
    await finish(part, dest, file);
    return { resumedFrom: 0 };
  }
  await finish(part, dest, file);
  return { resumedFrom: fetched.from };
}

function mismatch(dest: string): CliError {
  return new CliError(EXIT.failure, `${dest}: the download does not match its SHA-256`, 'integrity_failed');
}

async function finish(part: string, dest: string, file: ItemDetails): Promise<void> {
  await rename(part, dest);
  // The drive's modification time, so that a later sync sees the two as the same.
  const mtime = new Date(file.updatedAt);
  await utimes(dest, mtime, mtime);
}

/**
 * Appends what `part` lacks; returns the offset it started from (0 when the server sent it all) and
 * the SHA-256 of the whole part.
 */
async function fetchInto(
  api: ApiClient,
  file: ItemDetails,
  part: string,
  have: number,
  transfer: Transfer,
  signal: AbortSignal,
  bandwidth: Bandwidth | undefined,
): Promise<{ from: number; sha256: string }> {
  transfer.update(have);
  if (have === file.size) return { from: have, sha256: await sha256OfFile(part) };
  let res: Response;
  try {
    res = await api.fetch(`/files/${file.id}/content`, {
      headers: api.headers(have > 0 ? { range: `bytes=${have}-` } : {}),
      signal,
    });
  } catch (err) {
    if (signal.aborted) throw new CliError(EXIT.interrupted, 'Interrupted', 'interrupted');
    throw err;
  }
  // A 200 to a ranged request is the whole file: start the part again.
  const from = res.status === 206 ? have : 0;
  const hash = createHash('sha256');
  if (from > 0) await pipeline(createReadStream(part, { end: from - 1 }), hashInto(hash));
  let done = from;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      hash.update(chunk);
      transfer.update(done);
      callback(null, chunk);
    },
  });
  const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  try {
    const steps = bandwidth ? [body, bandwidth.stream(), count] : [body, count];
    await pipeline([...steps, createWriteStream(part, { flags: from > 0 ? 'a' : 'w' })], { signal });
  } catch (err) {
    if (signal.aborted) throw new CliError(EXIT.interrupted, 'Interrupted', 'interrupted');
    throw new CliError(EXIT.network, `The download was cut: ${(err as Error).message}`, 'network');
  }
  return { from, sha256: hash.digest('hex') };
}

/** A sink that feeds what it is given to `hash` and keeps nothing. */
function hashInto(hash: Hash): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback();
    },
  });
}
