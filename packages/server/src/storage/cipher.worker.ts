import { parentPort } from 'node:worker_threads';
import { IntegrityError } from './errors.js';
import { SegmentCipher } from './segment-cipher.js';
import { transferable, type CipherJob, type CipherResult } from './cipher-pool.js';

// Jobs for one file arrive one after another, so one cached cipher saves re-importing its key.
let cached: SegmentCipher | undefined;

function cipherFor(job: CipherJob): SegmentCipher {
  if (cached?.versionId !== job.versionId || !cached.dataKey.equals(job.dataKey)) {
    cached = new SegmentCipher(Buffer.from(job.dataKey), job.versionId);
  }
  return cached;
}

parentPort!.on('message', (job: CipherJob) => {
  let result: CipherResult;
  try {
    const cipher = cipherFor(job);
    const input = Buffer.from(job.input.buffer, job.input.byteOffset, job.input.byteLength);
    const output =
      job.op === 'seal'
        ? cipher.sealSegments(job.firstSegment, input, job.final)
        : cipher.openSegments(
            job.firstSegment,
            input,
            job.segments,
            job.holdsLast,
            job.plainBytes,
            job.chunkIndex,
          );
    result = { id: job.id, output };
  } catch (err) {
    const integrity = err instanceof IntegrityError ? { chunk: err.chunk, segment: err.segment } : undefined;
    result = { id: job.id, error: { message: (err as Error).message, integrity } };
  }
  parentPort!.postMessage(result, 'output' in result ? transferable(result.output) : []);
});
