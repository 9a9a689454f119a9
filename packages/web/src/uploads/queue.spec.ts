import type { ConflictPolicy, Item } from '@idrive/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http';
import type { BatchResult, TusCallbacks, TusTarget } from '../api/uploads';
import type { ConflictAnswer } from './conflicts';
import type { Picked } from './entries';
import type { UploadJob } from './job';
import { UploadQueue, type UploadQueueOptions } from './queue';
import { recordsKey } from './records';
import type { UploadTransport } from './transport';

const MiB = 1024 * 1024;
const HOME = { id: 'home', name: 'Home' };

function item(id: string, name: string, parentId: string, type: Item['type'] = 'file'): Item {
  return {
    id,
    type,
    name,
    parentId,
    size: 0,
    mimeType: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    trashedAt: null,
  };
}

interface BatchCall {
  folderId: string;
  paths: string[];
  conflict: ConflictPolicy;
  progress: (sent: number, total: number) => void;
  answer: (results: BatchResult[]) => void;
  fail: (err: unknown) => void;
}

interface TusCall {
  target: TusTarget;
  on: TusCallbacks;
  /** null while running; false once paused, true once cancelled. */
  aborted: boolean | null;
}

/** A server that answers when the test says so, and remembers what it was asked. */
class FakeServer implements UploadTransport {
  folders: { parentId: string; name: string; id: string }[] = [];
  batches: BatchCall[] = [];
  tus: TusCall[] = [];
  forgotten: string[] = [];

  ensureFolder = (parentId: string, name: string): Promise<Item> => {
    const folder = { parentId, name, id: `dir-${this.folders.length}` };
    this.folders.push(folder);
    return Promise.resolve(item(folder.id, name, parentId, 'folder'));
  };

  getItem = (id: string): Promise<Item> => Promise.resolve(item(id, id, 'home'));

  sendBatch: UploadTransport['sendBatch'] = (folderId, files, conflict, progress) =>
    new Promise((answer, fail) =>
      this.batches.push({ folderId, paths: files.map((f) => f.path), conflict, progress, answer, fail }),
    );

  startTus: UploadTransport['startTus'] = (_file, target, on) => {
    const call: TusCall = { target, on, aborted: null };
    this.tus.push(call);
    return Promise.resolve({
      abort: (discard = false) => {
        call.aborted = discard;
        return Promise.resolve();
      },
    });
  };

  forgetTus = (fingerprint: string): Promise<void> => {
    this.forgotten.push(fingerprint);
    return Promise.resolve();
  };

  /** Every file of a batch stored under its path. */
  store(batch: BatchCall): void {
    batch.answer(batch.paths.map((path) => ({ path, item: item(`id-${path}`, path, batch.folderId) })));
  }
}

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key: string) => map.get(key) ?? null,
    setItem: (key: string, value: string) => void map.set(key, value),
    removeItem: (key: string) => void map.delete(key),
  };
}

function file(name: string, size: number, lastModified = 1_000): File {
  return new File([new Uint8Array(size)], name, { lastModified });
}

function picked(...files: File[]): Picked {
  return { files: files.map((f) => ({ file: f, path: f.name })), folders: [] };
}

function setup(options: Partial<UploadQueueOptions> = {}) {
  // The speed meter's ticker never fires on its own here.
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  const server = new FakeServer();
  const storage = memoryStorage();
  const items: Item[] = [];
  const questions: string[] = [];
  const answers: ConflictAnswer[] = [];
  const queue = new UploadQueue({
    transport: server,
    storage,
    askConflict: (name) => {
      questions.push(name);
      const answer = answers.shift();
      return answer ? Promise.resolve(answer) : Promise.reject(new Error(`no answer for ${name}`));
    },
    onItem: (changed) => items.push(changed),
    notStored: () => 'not stored',
    ...options,
  });
  const job = (name: string): UploadJob => {
    const found = queue.state.jobs.find((j) => j.name === name);
    if (!found) throw new Error(`no job ${name}`);
    return found;
  };
  const statuses = () => Object.fromEntries(queue.state.jobs.map((j) => [j.name, j.status]));
  return { server, storage, items, questions, answers, queue, job, statuses };
}

afterEach(() => vi.useRealTimers());

describe('the upload queue', () => {
  it('sends small files together in the order queued, and each big one alone through tus', async () => {
    const { server, queue, items, statuses } = setup();
    queue.add(picked(file('a.txt', 10), file('big.bin', 2 * MiB), file('b.txt', 20)), HOME);

    await vi.waitFor(() => expect(server.tus).toHaveLength(1));
    expect(server.batches.map((b) => b.paths)).toEqual([['a.txt', 'b.txt']]);
    expect(server.tus[0]!.target).toMatchObject({ parentId: 'home', name: 'big.bin', conflict: 'fail' });
    expect(statuses()).toEqual({ 'a.txt': 'uploading', 'big.bin': 'uploading', 'b.txt': 'uploading' });

    // A batch's progress is shared out over its files in order.
    server.batches[0]!.progress(15, 30);
    expect(queue.state.jobs.map((j) => j.sent)).toEqual([10, 0, 5]);

    server.store(server.batches[0]!);
    server.tus[0]!.on.onSuccess('big-id');
    await vi.waitFor(() => expect(statuses()['big.bin']).toBe('done'));
    expect(statuses()).toEqual({ 'a.txt': 'done', 'big.bin': 'done', 'b.txt': 'done' });
    expect(queue.state.jobs.map((j) => j.sent)).toEqual([10, 2 * MiB, 20]);
    expect(items.map((i) => i.id)).toEqual(['id-a.txt', 'id-b.txt', 'big-id']);
  });

  it('runs no more requests at once than its limit, starting the next as one ends', async () => {
    const { server, queue, statuses } = setup({ maxActive: 2 });
    queue.add(picked(...['1', '2', '3', '4'].map((n) => file(`big-${n}.bin`, 2 * MiB))), HOME);

    await vi.waitFor(() => expect(server.tus).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.tus).toHaveLength(2);
    expect(statuses()).toEqual({
      'big-1.bin': 'uploading',
      'big-2.bin': 'uploading',
      'big-3.bin': 'queued',
      'big-4.bin': 'queued',
    });

    server.tus[1]!.on.onError(new ApiError(500, 'internal', 'broken'));
    await vi.waitFor(() => expect(server.tus).toHaveLength(3));
    expect(server.tus[2]!.target.name).toBe('big-3.bin');
    server.tus[0]!.on.onSuccess(null);
    await vi.waitFor(() => expect(server.tus).toHaveLength(4));
    expect(server.tus.map((call) => call.target.name)).toEqual([
      'big-1.bin',
      'big-2.bin',
      'big-3.bin',
      'big-4.bin',
    ]);
    expect(statuses()).toMatchObject({ 'big-1.bin': 'done', 'big-2.bin': 'failed' });
  });

  it('pauses, resumes and cancels: a pause keeps what the server has, a cancel discards it', async () => {
    const { server, queue, job, statuses } = setup({ maxActive: 1 });
    queue.restore('u1');
    queue.add(picked(file('one.bin', 2 * MiB), file('two.bin', 3 * MiB)), HOME);
    await vi.waitFor(() => expect(server.tus).toHaveLength(1));

    queue.pause(job('two.bin'));
    queue.pause(job('one.bin'));
    expect(server.tus[0]!.aborted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.tus).toHaveLength(1);
    expect(statuses()).toEqual({ 'one.bin': 'paused', 'two.bin': 'paused' });

    queue.resume(job('two.bin'));
    await vi.waitFor(() => expect(server.tus).toHaveLength(2));
    expect(server.tus[1]!.target.name).toBe('two.bin');
    queue.cancel(job('two.bin'));
    expect(server.tus[1]!.aborted).toBe(true);
    expect(job('two.bin').status).toBe('cancelled');

    // The same upload goes on under the same fingerprint, from what the server says it has.
    queue.resume(job('one.bin'));
    await vi.waitFor(() => expect(server.tus).toHaveLength(3));
    expect(server.tus[2]!.target.fingerprint).toBe(server.tus[0]!.target.fingerprint);
    server.tus[2]!.on.onResume(MiB);
    expect(job('one.bin')).toMatchObject({ status: 'uploading', sent: MiB, resumedFrom: MiB });

    // Cancelled once paused: nothing runs, so the upload the browser remembers is discarded.
    queue.pause(job('one.bin'));
    expect(server.tus[2]!.aborted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 5));
    queue.cancel(job('one.bin'));
    expect(server.forgotten).toEqual([server.tus[0]!.target.fingerprint]);
    queue.clearFinished();
    expect(queue.state.jobs).toEqual([]);
  });

  it('retries what failed, and only when asked', async () => {
    const { server, queue, job, statuses } = setup();
    queue.add(picked(file('a.txt', 10), file('b.txt', 10)), HOME);
    await vi.waitFor(() => expect(server.batches).toHaveLength(1));
    server.batches[0]!.fail(new ApiError(0, 'network_error', 'Could not reach the server.'));
    await vi.waitFor(() => expect(statuses()).toEqual({ 'a.txt': 'failed', 'b.txt': 'failed' }));
    expect(job('a.txt').error).toBe('Could not reach the server.');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.batches).toHaveLength(1);

    queue.retry(job('b.txt'));
    await vi.waitFor(() => expect(server.batches).toHaveLength(2));
    expect(server.batches[1]!.paths).toEqual(['b.txt']);
    server.store(server.batches[1]!);
    queue.retryFailed();
    await vi.waitFor(() => expect(server.batches).toHaveLength(3));
    expect(server.batches[2]!.paths).toEqual(['a.txt']);
    server.store(server.batches[2]!);
    await vi.waitFor(() => expect(statuses()).toEqual({ 'a.txt': 'done', 'b.txt': 'done' }));
    expect(job('a.txt').error).toBe('');
  });

  it('asks about a name that is taken and sends again with the answer, or skips', async () => {
    const { server, queue, questions, answers, statuses } = setup();
    answers.push({ choice: 'rename', applyToAll: false }, { choice: 'skip', applyToAll: false });
    queue.add(picked(file('a.txt', 10), file('b.txt', 10)), HOME);
    await vi.waitFor(() => expect(server.batches).toHaveLength(1));
    const taken = { code: 'name_conflict' as const, message: 'taken' };
    server.batches[0]!.answer([
      { path: 'a.txt', error: taken },
      { path: 'b.txt', error: taken },
    ]);
    await vi.waitFor(() => expect(server.batches).toHaveLength(2));
    expect(questions).toEqual(['a.txt', 'b.txt']);
    expect(server.batches[1]).toMatchObject({ paths: ['a.txt'], conflict: 'rename' });
    server.store(server.batches[1]!);
    await vi.waitFor(() => expect(statuses()).toEqual({ 'a.txt': 'done', 'b.txt': 'skipped' }));
  });

  it('makes the folders on the way once each, parents first, empty ones too', async () => {
    const { server, queue, items } = setup();
    queue.add(
      {
        files: [
          { file: file('a.bin', 2 * MiB), path: 'Album/2024/a.bin' },
          { file: file('readme.md', 8), path: 'Album/readme.md' },
        ],
        folders: ['Album', 'Album/2024', 'Album/empty'],
      },
      HOME,
    );
    await vi.waitFor(() => expect(server.tus).toHaveLength(1));
    const made = Object.fromEntries(server.folders.map((f) => [f.name, f]));
    expect(server.folders.map((f) => f.name).sort()).toEqual(['2024', 'Album', 'empty']);
    expect(made.Album!.parentId).toBe('home');
    expect(made['2024']!.parentId).toBe(made.Album!.id);
    expect(made.empty!.parentId).toBe(made.Album!.id);
    expect(server.tus[0]!.target.parentId).toBe(made['2024']!.id);
    // The batch names the path: the server makes its folders on the way.
    expect(server.batches[0]).toMatchObject({ folderId: 'home', paths: ['Album/readme.md'] });
    expect(items.filter((i) => i.type === 'folder')).toHaveLength(3);

    // Once everything is sent, the top folder is read again: its size changed.
    server.store(server.batches[0]!);
    server.tus[0]!.on.onSuccess(null);
    await vi.waitFor(() => expect(items.at(-1)?.id).toBe(made.Album!.id));
  });

  it('remembers unfinished uploads across a reload, and goes on with the same file picked again', async () => {
    const { server, storage, queue } = setup();
    queue.restore('u1');
    const big = file('big.bin', 2 * MiB, 42);
    queue.add(picked(big, file('small.txt', 5)), HOME);
    await vi.waitFor(() => expect(server.batches).toHaveLength(1));
    const saved = () =>
      (JSON.parse(storage.map.get(recordsKey('u1')) ?? '[]') as { path: string }[]).map((r) => r.path);
    expect(saved()).toEqual(['big.bin', 'small.txt']);
    server.store(server.batches[0]!);
    await vi.waitFor(() => expect(saved()).toEqual(['big.bin']));

    // The page reloads: a new queue on the same storage lists the upload as interrupted.
    const after = setup({ storage });
    after.queue.restore('u1');
    expect(after.statuses()).toEqual({ 'big.bin': 'interrupted' });
    expect(after.queue.state.jobs[0]).toMatchObject({ size: 2 * MiB, destinationId: 'home' });
    // Another user of the same browser does not see it.
    const stranger = setup({ storage });
    stranger.queue.restore('u2');
    expect(stranger.queue.state.jobs).toEqual([]);

    const other = after.queue.resumeWith([{ file: file('big.bin', 2 * MiB, 43), path: 'big.bin' }]);
    expect(other).toHaveLength(1);
    expect(after.queue.resumeWith([{ file: big, path: 'big.bin' }])).toEqual([]);
    await vi.waitFor(() => expect(after.server.tus).toHaveLength(1));
    expect(after.server.tus[0]!.target.fingerprint).toBe(server.tus[0]!.target.fingerprint);
    after.server.tus[0]!.on.onSuccess(null);
    await vi.waitFor(() => expect(storage.map.has(recordsKey('u1'))).toBe(false));
    expect(after.statuses()).toEqual({ 'big.bin': 'done' });
  });
});
