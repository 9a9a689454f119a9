import type { ConflictPolicy, Item } from '@idrive/shared';
import type { BatchResult, TusCallbacks, TusTarget } from '../api/uploads';

/** A running tus upload: `abort()` pauses it, `abort(true)` cancels it and discards what the server holds. */
export interface TusHandle {
  abort(discard?: boolean): Promise<void>;
}

/**
 * What the upload queue asks of the server. The app passes `api/uploads`; tests pass a fake that
 * answers when the test says so.
 */
export interface UploadTransport {
  /** The folder of this name in `parentId`, made when there is none. */
  ensureFolder(parentId: string, name: string): Promise<Item>;
  getItem(id: string): Promise<Item>;
  /** Small files in one request; one result per file, in the order sent. */
  sendBatch(
    folderId: string,
    files: readonly { path: string; file: Blob }[],
    conflict: ConflictPolicy,
    onProgress: (sent: number, total: number) => void,
  ): Promise<BatchResult[]>;
  /** Starts a tus upload, or resumes the one this browser remembers under the target's fingerprint. */
  startTus(file: File, target: TusTarget, on: TusCallbacks): Promise<TusHandle>;
  /** Discards a tus upload this browser remembers but no longer runs. */
  forgetTus(fingerprint: string): Promise<void>;
}
