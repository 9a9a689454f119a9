import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { connectDiscordBody, storageReplicasBody, storageStatus } from '@idrive/shared';
import { z } from 'zod';
import type { DiscordService } from '../services/discord.service.js';
import type { StorageCopiesService } from '../services/storage-copies.service.js';

const tags = ['admin'];
const config = { permission: 'admin' as const };

export function adminStorageRoutes(discord: DiscordService, copies: StorageCopiesService) {
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
