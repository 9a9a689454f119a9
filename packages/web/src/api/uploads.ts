import type { BatchUploadResponse, ConflictPolicy, Item } from '@idrive/shared';
import type * as Tus from 'tus-js-client';
import { ApiError, apiUrl, csrfHeaders, failure, http } from './http';
import { wholeFileSource } from '../uploads/file-source';

/** Sent back by the PATCH that completed (and committed) a tus upload. */
const FILE_ID_HEADER = 'X-IDrive-File-Id';

export type BatchResult = BatchUploadResponse['results'][number];

/** The folder of this name in `parentId`, created when there is none (a folder upload's "mkdir -p"). */
export function ensureFolder(parentId: string, name: string): Promise<Item> {
  return http.post<Item>('/folders', { parentId, name, reuse: true });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const NETWORK_ERROR = () =>
  new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');

/**
 * Small files in one multipart request; each part's file name is its path below the folder, which
 * makes the folders on the way. XHR rather than fetch, for upload progress. Resolves with one result
 * per file, in the order sent.
 */
export function sendBatch(
  folderId: string,
  files: readonly { path: string; file: Blob }[],
  conflict: ConflictPolicy,
  onProgress: (sent: number, total: number) => void,
): Promise<BatchResult[]> {
  const form = new FormData();
  for (const { path, file } of files) form.append('file', file, path);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl(`/folders/${encodeURIComponent(folderId)}/batch`, { conflict }));
    xhr.setRequestHeader('Accept', 'application/json');
    for (const [name, value] of Object.entries(csrfHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.total);
    xhr.onerror = () => reject(NETWORK_ERROR());
    xhr.onload = () => {
      const data = parseJson(xhr.responseText);
      if (xhr.status !== 200) return reject(failure(xhr.status, data, xhr.statusText));
      const results = (data as Partial<BatchUploadResponse> | undefined)?.results;
      if (!Array.isArray(results) || results.length !== files.length) {
        return reject(new ApiError(xhr.status, 'bad_response', 'The server sent an unreadable response.'));
      }
      resolve(results);
    };
    xhr.send(form);
  });
}

/** tus-js-client is fetched with the first big upload, not before the app can show a folder. */
const loadTus = () => import('tus-js-client');

/** An ApiError for whatever tus-js-client reports (it wraps the HTTP response, if there was one). */
function tusFailure(tus: typeof Tus, err: Error): ApiError {
  const response = err instanceof tus.DetailedError ? err.originalResponse : null;
  if (!response || response.getStatus() === 0) return NETWORK_ERROR();
  return failure(response.getStatus(), parseJson(response.getBody()));
}

/**
 * Retry what a retry can fix: no answer, a server error, or a PATCH at an offset the server no
 * longer agrees with (tus then asks for the offset again). A name conflict, a locked folder or a
 * full quota (507) need the user.
 */
function shouldRetry(err: Tus.DetailedError): boolean {
  const status = err.originalResponse?.getStatus() ?? 0;
  return (
    status === 0 ||
    (status >= 500 && status !== 507) ||
    (status === 409 && err.originalRequest?.getMethod() === 'PATCH')
  );
}

export interface TusTarget {
  parentId: string;
  name: string;
  conflict: ConflictPolicy;
  /** The key the upload's URL is remembered under in localStorage, to resume after a reload. */
  fingerprint: string;
}

export interface TusCallbacks {
  onProgress(sent: number): void;
  /** The server said how much it already had: the upload goes on from `offset`, not from 0. */
  onResume(offset: number): void;
  /** `fileId` of the committed file; null only if the server did not name it. */
  onSuccess(fileId: string | null): void;
  onError(error: ApiError): void;
}

const tusOptions = (fingerprint: string) => ({
  endpoint: apiUrl('/uploads'),
  // The CSRF token may change when the user signs in again, so it is read for every request.
  onBeforeRequest: (req: Tus.HttpRequest) => {
    for (const [name, value] of Object.entries(csrfHeaders())) req.setHeader(name, value);
  },
  fingerprint: () => Promise.resolve(fingerprint),
});

/**
 * Starts (or, when this browser remembers the upload under the same fingerprint, resumes) a tus
 * upload. Returns the tus handle: `abort()` pauses, `abort(true)` cancels and discards what the
 * server holds.
 */
export async function startTusUpload(file: File, target: TusTarget, on: TusCallbacks): Promise<Tus.Upload> {
  const tus = await loadTus();
  const upload = new tus.Upload(file, {
    ...tusOptions(target.fingerprint),
    metadata: {
      filename: target.name,
      parentId: target.parentId,
      conflict: target.conflict,
      filetype: file.type,
    },
    // No chunkSize: the whole rest of the file in one PATCH. The server keeps every byte that
    // arrived when a request is cut, so smaller requests would buy no resumability, and each PATCH
    // boundary stalls the stream (measured: 64 MiB PATCHes ran at less than half the speed).
    fileReader: { openFile: (input: File) => Promise.resolve(wholeFileSource(input)) },
    retryDelays: [1000, 3000, 5000, 10000, 20000],
    removeFingerprintOnSuccess: true,
    onShouldRetry: shouldRetry,
    onAfterResponse: (req, res) => {
      if (req.getMethod() === 'HEAD' && res.getStatus() === 200) {
        on.onResume(Number(res.getHeader('Upload-Offset') ?? 0));
      }
    },
    onProgress: (sent) => on.onProgress(sent),
    onSuccess: ({ lastResponse }) => on.onSuccess(lastResponse.getHeader(FILE_ID_HEADER) ?? null),
    onError: (err) => on.onError(tusFailure(tus, err)),
  });
  const previous = await upload.findPreviousUploads();
  const latest = previous.sort((a, b) => b.creationTime.localeCompare(a.creationTime))[0];
  if (latest) upload.resumeFromPreviousUpload(latest);
  upload.start();
  return upload;
}

/** Discards an upload this browser remembers but no longer runs (cancelled after a reload). */
export async function forgetTusUpload(fingerprint: string): Promise<void> {
  const tus = await loadTus();
  const stored = await tus.defaultOptions.urlStorage.findUploadsByFingerprint(fingerprint);
  for (const entry of stored) {
    if (entry.uploadUrl) {
      await tus.Upload.terminate(entry.uploadUrl, tusOptions(fingerprint)).catch(() => undefined);
    }
    await tus.defaultOptions.urlStorage.removeUpload(entry.urlStorageKey);
  }
}
