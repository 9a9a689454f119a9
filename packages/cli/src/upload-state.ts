import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PreviousUpload, UrlStorage } from 'tus-js-client';
import { privateDir, writePrivateFile } from './config-store.js';

type Entries = Record<string, Omit<PreviousUpload, 'urlStorageKey'>>;

/**
 * Where unfinished tus uploads are remembered between runs: one JSON file beside the config, keyed
 * by the fingerprint of what is sent (local path, size, modification time, and where it goes). A file
 * changed since is a new fingerprint, so its old upload is never resumed with other bytes.
 */
export class UploadStateFile implements UrlStorage {
  private entries: Entries | undefined;
  // Parallel uploads add and remove entries at once; writes go one after another.
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file?: string) {}

  static async open(): Promise<UploadStateFile> {
    return new UploadStateFile(path.join(await privateDir(), 'uploads.json'));
  }

  private async load(): Promise<Entries> {
    if (this.entries) return this.entries;
    try {
      this.entries = JSON.parse(await readFile(this.file!, 'utf8')) as Entries;
    } catch {
      this.entries = {};
    }
    return this.entries;
  }

  private save(): Promise<void> {
    const content = JSON.stringify(this.entries ?? {}, null, 2) + '\n';
    this.writing = this.writing.then(() => writePrivateFile(this.file!, content));
    return this.writing;
  }

  async findAllUploads(): Promise<PreviousUpload[]> {
    const entries = await this.load();
    return Object.entries(entries).map(([key, entry]) => ({ ...entry, urlStorageKey: key }));
  }

  async findUploadsByFingerprint(fingerprint: string): Promise<PreviousUpload[]> {
    const entry = (await this.load())[fingerprint];
    return entry ? [{ ...entry, urlStorageKey: fingerprint }] : [];
  }

  async removeUpload(urlStorageKey: string): Promise<void> {
    const entries = await this.load();
    if (!(urlStorageKey in entries)) return;
    delete entries[urlStorageKey];
    await this.save();
  }

  async addUpload(fingerprint: string, upload: PreviousUpload): Promise<string> {
    const entries = await this.load();
    const { urlStorageKey: _ignored, ...entry } = upload;
    entries[fingerprint] = entry;
    await this.save();
    return fingerprint;
  }
}

/** What identifies one local file's upload to one place. */
export function fingerprintOf(file: { path: string; size: number; mtimeMs: number }, target: string): string {
  return JSON.stringify([path.resolve(file.path), file.size, Math.floor(file.mtimeMs), target]);
}
