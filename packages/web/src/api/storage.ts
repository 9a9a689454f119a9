import type { ConnectDiscordBody, StorageReplicasBody, StorageStatus } from '@idrive/shared';
import { http } from './http';

export function getStorageStatus(): Promise<StorageStatus> {
  return http.get<StorageStatus>('/admin/storage');
}

/** Checks the bot and server, creates the storage channels and webhooks; new uploads then go to Discord. */
export function connectDiscord(body: ConnectDiscordBody): Promise<StorageStatus> {
  return http.post<StorageStatus>('/admin/storage/discord', body);
}

/** How many copies of every chunk the drive keeps (1–3); the scrubber adds or removes copies. */
export function setReplicas(body: StorageReplicasBody): Promise<StorageStatus> {
  return http.put<StorageStatus>('/admin/storage/replicas', body);
}
