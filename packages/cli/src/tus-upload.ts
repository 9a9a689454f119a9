import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import * as tus from 'tus-js-client';
import type { ApiClient } from './api-client.js';
import type { Bandwidth } from './bandwidth.js';
import { CliError, EXIT, exitForStatus } from './exit-codes.js';
import type { Transfer } from './progress.js';
import { fingerprintOf, type UploadStateFile } from './upload-state.js';

/** Sent back by the PATCH that completed (and committed) a tus upload. */
const FILE_ID_HEADER = 'x-idrive-file-id';

export interface TusJob {
  local: string;
  size: number;
  mtimeMs: number;
  parentId: string;
  name: string;
  conflict: 'fail' | 'replace';
}

export interface TusResult {
  fileId: string | null;
  /** The offset the server already had when this run started (0 for a fresh upload). */
  resumedFrom: number;
}

/**
 * Sends one file over tus, resuming an upload an earlier run left unfinished (its URL is in the
 * state file). No chunk size: the server keeps every byte that arrived when a request is cut, so a
 * killed run loses nothing it managed to send.
 */
export function tusUpload(
  api: ApiClient,
  state: UploadStateFile,
  job: TusJob,
  transfer: Transfer,
  signal: AbortSignal,
  bandwidth?: Bandwidth,
): Promise<TusResult> {
  return new Promise<TusResult>((resolve, reject) => {
    let resumedFrom = 0;
    const stream = createReadStream(job.local);
    const upload = new tus.Upload(stream as unknown as Buffer, {
      endpoint: api.url('/uploads'),
      headers: api.headers(),
      metadata: { filename: job.name, parentId: job.parentId, conflict: job.conflict },
      uploadSize: job.size,
      fingerprint: () =>
        Promise.resolve(
          fingerprintOf(
            { path: job.local, size: job.size, mtimeMs: job.mtimeMs },
            `${job.parentId}/${job.name}`,
          ),
        ),
      urlStorage: state,
      ...(bandwidth ? { fileReader: throttledReader(bandwidth) } : {}),
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      retryDelays: [1000, 3000, 5000, 10000, 20000],
      onShouldRetry: (err) => {
        const status = err.originalResponse?.getStatus() ?? 0;
        // A full quota (507) stays full until someone frees space: the server's message is the answer.
        return (
          status === 0 ||
          (status >= 500 && status !== 507) ||
          (status === 409 && err.originalRequest?.getMethod() === 'PATCH')
        );
      },
      onAfterResponse: (req, res) => {
        if (req.getMethod() === 'HEAD' && res.getStatus() === 200) {
          resumedFrom = Number(res.getHeader('Upload-Offset') ?? 0);
          transfer.update(resumedFrom);
        }
      },
      onProgress: (sent) => transfer.update(sent),
      onSuccess: ({ lastResponse }) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ fileId: lastResponse.getHeader(FILE_ID_HEADER) ?? null, resumedFrom });
      },
      onError: (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(tusFailure(err));
      },
    });
    const onAbort = () => {
      void upload
        .abort(false)
        .finally(() => reject(new CliError(EXIT.interrupted, 'Interrupted', 'interrupted')));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void upload
      .findPreviousUploads()
      .then((previous) => {
        if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      })
      .catch(reject);
  });
}

/** tus-js-client's own file reader, with each request body let through at the command's rate. */
function throttledReader(bandwidth: Bandwidth): tus.FileReader {
  return {
    async openFile(input: unknown, chunkSize: number) {
      const source = await tus.defaultOptions.fileReader.openFile(input, chunkSize);
      return {
        size: source.size,
        close: () => source.close(),
        async slice(start: number, end: number) {
          const { value, done } = (await source.slice(start, end)) as {
            value: Readable & { size?: number };
            done: boolean;
          };
          // The HTTP stack sends Content-Length from the body's size.
          const throttled = Object.assign(value.pipe(bandwidth.stream()), { size: value.size });
          return { value: throttled, done };
        },
      };
    },
  };
}

function tusFailure(err: Error): CliError {
  const response = err instanceof tus.DetailedError ? err.originalResponse : null;
  if (!response || response.getStatus() === 0) {
    return new CliError(EXIT.network, `The upload could not reach the server: ${err.message}`, 'network');
  }
  let message = `${response.getStatus()}`;
  let code = `http_${response.getStatus()}`;
  try {
    const body = JSON.parse(response.getBody()) as { error?: { code: string; message: string } };
    if (body.error) ({ message, code } = body.error);
  } catch {
    // The status says enough.
  }
  return new CliError(exitForStatus(response.getStatus()), message, code);
}
