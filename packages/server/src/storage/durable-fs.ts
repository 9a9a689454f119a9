import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** True when `err` is a Node system error with this `code` (ENOENT, EEXIST, ...). */
export function isErrnoCode(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/**
 * Fsyncs a directory, which makes a create, rename or unlink inside it durable (fsyncing the file
 * alone does not persist its directory entry on Linux).
 */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    // Some platforms (Windows) cannot open or fsync a directory; there the rename is the best we get.
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EACCES'].some((code) => isErrnoCode(err, code))) throw err;
  } finally {
    await handle?.close();
  }
}

/** Creates `dir` and its missing parents, syncing the parent of each new folder so the folders survive a crash. */
export async function ensureDir(dir: string, mode = 0o700): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode });
  if (created === undefined) return;
  const top = path.resolve(created);
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    await syncDir(path.dirname(current));
    if (current === top || path.dirname(current) === current) return;
  }
}

/**
 * Writes all of `data` from the file's start with as few calls as the kernel allows. FileHandle's
 * writeFile goes in 512 KiB steps, each a trip through libuv's four threads and back; an 8 MiB chunk
 * then queues sixteen times behind the fsyncs of the chunks before it.
 */
async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, done);
    done += bytesWritten;
  }
}

/**
 * Replaces `file` with `data` atomically: writes a temporary file in the same folder, fsyncs it,
 * renames it over `file`, and fsyncs the folder. A crash leaves either the old or the new content
 * under the real name, never a mix. `written` is called once `data` is in the file (before the
 * fsync), when the caller may reuse it.
 */
export async function writeFileAtomic(
  file: string,
  data: Buffer,
  options: { mode?: number; written?: () => void } = {},
): Promise<void> {
  const { mode = 0o600, written } = options;
  const folder = path.dirname(file);
  await ensureDir(folder);
  const temp = path.join(folder, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined = await open(temp, 'wx', mode);
  try {
    await writeAll(handle, data);
    written?.();
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, file);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDir(folder);
}
