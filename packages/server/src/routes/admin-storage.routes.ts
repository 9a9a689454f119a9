import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  connectDiscordBody,
  journalStatus,
  storageReplicasBody,
  storageStatus,
  type JournalStatus,
} from '@idrive/shared';
import { z } from 'zod';
import type { JournalWriter } from '../journal/journal-writer.js';
import type { DiscordService } from '../services/discord.service.js';
import type { StorageCopiesService } from '../services/storage-copies.service.js';

const tags = ['admin'];
const config = { permission: 'admin' as const };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

async function journalOf(journal: JournalWriter | null): Promise<JournalStatus> {
  if (!journal) {
    return {
      enabled: false,
      controlChannelId: null,
      committedThrough: 0,
      writtenThrough: 0,
      checkpointThrough: null,
      checkpointAt: null,
      lastError: null,
    };
  }
  const { state, head } = await journal.progress();
  return {
    enabled: true,
    controlChannelId: state.control_channel_id,
    committedThrough: head,
    writtenThrough: state.written_through,
    checkpointThrough: state.checkpoint_through,
    checkpointAt: iso(state.checkpoint_at),
    lastError:
      state.last_error === null ? null : { message: state.last_error, at: iso(state.last_error_at)! },
  };
}

export function adminStorageRoutes(
  discord: DiscordService,
  copies: StorageCopiesService,
  journal: JournalWriter | null,
) {
  return async (fastify: FastifyInstance): Promise<void> => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/admin/storage', { config, schema: { tags, response: { 200: storageStatus } } }, async () =>
      discord.status(),
    );

    app.put(
      '/admin/storage/replicas',
      { config, schema: { tags, body: storageReplicasBody, response: { 200: storageStatus } } },
      async (request) => {
        await copies.setReplicas(request.body.replicas);
        discord.announceHealth();
        return discord.status();
      },
    );

    app.get('/admin/journal', { config, schema: { tags, response: { 200: journalStatus } } }, async () =>
      journalOf(journal),
    );

    app.post(
      '/admin/storage/discord',
      { config, schema: { tags, body: connectDiscordBody, response: { 200: storageStatus } } },
      async (request) => discord.connect(request.body),
    );

    app.post(
      '/admin/storage/discord/credentials/:id/reenable',
      {
        config: { ...config, lockExempt: 'the id names a Discord credential, not an item' },
        schema: {
          tags,
          params: z.object({ id: z.string().regex(/^\d{1,20}$/) }),
          response: { 200: storageStatus },
        },
      },
      async (request) => discord.reenable(request.params.id),
    );
  };
}
