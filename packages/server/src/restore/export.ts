import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { snapshotDrive } from '../journal/checkpoint-format.js';
import { SecretBox } from '../lib/secret-box.js';
import { JournalRepository } from '../repositories/journal.repository.js';
import { writeFileAtomic } from '../storage/durable-fs.js';
import { loadOrCreateMasterKey } from '../storage/master-key.js';
import { sealBlob } from '../storage/sealed-blob.js';

export interface ExportReport {
  driveId: string;
  through: number;
  bytes: number;
}

/**
 * Writes an encrypted backup of the drive's database to `out`: a checkpoint (the same snapshot and
 * serialisation as on Discord), sealed like a file under a data key the master key wraps, its chunks
 * back to back, so the master key alone reads it (`npm run restore -- --from-export`). It is written
 * beside `out` and renamed into place once synced (mode 0600), so a failed export leaves no half file.
 */
export async function exportDrive(
  config: Config,
  out: string,
  log: (message: string) => void,
): Promise<ExportReport> {
  const { key: master } = await loadOrCreateMasterKey({
    envValue: config.masterKey,
    keyFile: path.join(config.dataDir, 'master.key'),
    log,
    create: false,
  });
  const url = config.databaseUrl ?? path.join(config.dataDir, 'idrive.sqlite');
  if (!config.databaseUrl && !existsSync(url)) throw new Error(`There is no drive database at ${url}`);
  const handle = openDatabase({ url });
  try {
    await migrateToLatest(handle, { shareTokens: new SecretBox(master.deriveKey('idrive/share-tokens/v1')) });
    const state = await new JournalRepository(handle.db, handle.dialect).state();
    const { header, gz } = await snapshotDrive(handle, {
      controlChannelId: state.control_channel_id,
      metadataKey: state.metadata_key,
    });
    const sealed = Buffer.concat(sealBlob(master, header.driveId, randomUUID(), gz));
    await writeFileAtomic(path.resolve(out), sealed);
    return { driveId: header.driveId, through: header.through, bytes: sealed.length };
  } finally {
    await handle.db.destroy();
  }
}
