import type { Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { openChunk, sealChunk } from './chunk-format.js';
import { toThreadError } from './errors.js';
import { openPackedSlices } from './packed-open.js';
import { SegmentCipher, type DriveBinding } from './segment-cipher.js';
import { digestsOf, newHashes, transferable, type WorkerJob, type WorkerResult } from './cipher-pool.js';

// A file's jobs arrive one after another, so one cached cipher saves re-importing its key.
let cached: SegmentCipher | undefined;
/** Running SHA-256 (and SHA-1, MD5) per session: jobs of a session arrive in file order. */
const hashes = new Map<number, Hash[]>();

function cipherFor(dataKey: Uint8Array, versionId: string, binding: DriveBinding | undefined): SegmentCipher {
  if (
    cached?.versionId !== versionId ||
    !cached.dataKey.equals(dataKey) ||
    cached.binding?.driveId !== binding?.driveId ||
    (binding && !cached.binding!.wrappedKey.equals(binding.wrappedKey))
  ) {
    cached = new SegmentCipher(Buffer.from(dataKey), versionId, rebuilt(binding));
  }
  return cached;
}

/** A binding as it arrives from another thread: its key as a plain Uint8Array. */
function rebuilt(binding: DriveBinding | undefined): DriveBinding | undefined {
  return binding && { driveId: binding.driveId, wrappedKey: Buffer.from(binding.wrappedKey) };
}

/** The session's running SHA-256 so far, for a final chunk's trailer; the hash itself runs on. */
function runningSha256(session: number): string {
  const running = hashes.get(session);
  if (!running) throw new Error('This session keeps no SHA-256 for a final chunk to carry');
  return running[0]!.copy().digest('hex');
}

function update(session: number, plain: Uint8Array, checksums = false): void {
  let running = hashes.get(session);
  if (!running) hashes.set(session, (running = newHashes(checksums)));
  for (const hash of running) hash.update(plain);
}

function run(job: WorkerJob): WorkerResult {
  switch (job.op) {
    case 'digest': {
      const { sha256, sha1, md5 } = digestsOf(hashes.get(job.session) ?? newHashes(false));
      hashes.delete(job.session);
      return { id: job.id, digest: sha256, ...(sha1 && md5 ? { checksums: { sha1, md5 } } : {}) };
    }
    case 'hash':
      update(job.session, job.input);
      return { id: job.id, hashed: true };
    case 'drop':
      hashes.delete(job.session);
      return { id: job.id, digest: '' };
    case 'seal': {
      const plain = Buffer.from(job.input.buffer, job.input.byteOffset, job.input.byteLength);
      // Hashed first: sealing in place overwrites the plaintext.
      if (job.hash) update(job.session, plain, job.checksums);
      const cipher = cipherFor(job.dataKey, job.versionId, job.binding);
      const sealed = sealChunk(cipher, plain, job.place, job.inPlace, () => runningSha256(job.session));
      return job.inPlace ? { id: job.id, output: sealed } : { id: job.id, output: sealed, input: plain };
    }
    case 'open': {
      const sealed = Buffer.from(job.input.buffer, job.input.byteOffset, job.input.byteLength);
      const cipher = cipherFor(job.dataKey, job.versionId, job.binding);
      const plain = openChunk(cipher, sealed, job.plan, job.inPlace);
      if (job.hash) update(job.session, plain, job.checksums);
      return { id: job.id, output: plain };
    }
    case 'openPacked': {
      const input = Buffer.from(job.input.buffer, job.input.byteOffset, job.input.byteLength);
      const keys = Buffer.from(job.keys.buffer, job.keys.byteOffset, job.keys.byteLength);
      const slices = job.slices.map((s, k) => ({
        ...s,
        cipher: new SegmentCipher(keys.subarray(32 * k, 32 * (k + 1)), s.versionId, rebuilt(s.binding)),
      }));
      return { id: job.id, output: input, outcomes: openPackedSlices(input, slices) };
    }
  }
}

parentPort!.on('message', (job: WorkerJob) => {
  let result: WorkerResult;
  try {
    result = run(job);
  } catch (err) {
    result = { id: job.id, error: toThreadError(err) };
  }
  const buffers = 'output' in result ? [result.output, ...(result.input ? [result.input] : [])] : [];
  parentPort!.postMessage(result, buffers.flatMap(transferable));
});
