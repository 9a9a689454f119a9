import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { EmulatorControl } from '../emulator-control.js';
import { Permission } from '../permissions.js';
import { body } from '../route-helpers.js';

const permissionName = z.enum(Object.keys(Permission) as [keyof typeof Permission]);
const seedSchema = z.strictObject({
  guildId: z.string().optional(),
  guildName: z.string().min(1).max(100).optional(),
  channels: z.array(z.string().min(1).max(100)).max(500).optional(),
  webhooksPerChannel: z.int().min(0).max(15).optional(),
  bots: z
    .array(
      z.strictObject({
        username: z.string().min(1).max(80).optional(),
        permissions: z.union([z.string().regex(/^\d+$/), z.int().min(0), z.array(permissionName)]).optional(),
        messageContent: z.boolean().optional(),
      }),
    )
    .optional(),
});

const clockSchema = z.strictObject({
  advanceMs: z.number().min(0).optional(),
  setMs: z.number().optional(),
  timeScale: z.number().min(0).optional(),
});

const bucket = z
  .strictObject({ limit: z.int().min(0), windowMs: z.number().positive(), sendHeaders: z.boolean() })
  .partial();
const limitsSchema = z
  .strictObject({
    maxFileBytes: z.int().min(0),
    maxRequestBytes: z.int().min(0),
    maxAttachmentsPerMessage: z.int().min(0),
    maxContentLength: z.int().min(0),
    maxWebhooksPerChannel: z.int().min(0),
    maxWebhooksPerGuild: z.int().min(0),
    maxChannelsPerGuild: z.int().min(0),
    bulkDeleteMin: z.int().min(0),
    bulkDeleteMax: z.int().min(0),
    bulkDeleteMaxAgeMs: z.number().min(0),
    refreshUrlsMax: z.int().min(0),
    nonceWindowMs: z.number().min(0),
    cdn: z
      .strictObject({
        urlLifetimeMs: z.number().positive(),
        deniedStatus: z.union([z.literal(404), z.literal(403)]),
        ranges: z.boolean(),
      })
      .partial(),
    rateLimits: z
      .strictObject({
        enabled: z.boolean(),
        global: z.strictObject({ limit: z.int().min(0), windowMs: z.number().positive() }).partial(),
        youngMessageAgeMs: z.number().min(0),
        buckets: z
          .strictObject({
            createMessage: bucket,
            webhookExecute: bucket,
            webhookChannelShared: bucket,
            webhookMessage: bucket,
            getMessage: bucket,
            editMessage: bucket,
            deleteMessageYoung: bucket,
            deleteMessage: bucket,
            deleteOldMessage: bucket,
            deleteUnknownMessage: bucket,
            bulkDelete: bucket,
            createWebhook: bucket,
            refreshUrls: bucket,
            default: bucket,
          })
          .partial(),
      })
      .partial(),
    invalidRequests: z
      .strictObject({
        enabled: z.boolean(),
        threshold: z.int().min(0),
        windowMs: z.number().positive(),
        banMs: z.number().min(0),
        banForm: z.enum(['json429', 'cloudflare1015', 'forbidden403']),
      })
      .partial(),
  })
  .partial();

const faultSchema = z.strictObject({
  kind: z.enum(['status500', 'status502', 'reset', 'slow', 'truncate', 'surprise429']),
  path: z.string().min(1),
  method: z.string().optional(),
  count: z.int().min(1).default(1),
  delayMs: z.number().min(0).optional(),
  retryAfterMs: z.number().min(0).optional(),
});

const corruptSchema = z.strictObject({ offset: z.int().min(0).optional() });

function parse<T>(
  schema: z.ZodType<T>,
  value: unknown,
): { ok: true; value: T } | { ok: false; error: string } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    error: result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
  };
}

/** The control API under `/__control`: JSON in, JSON out, `{ error }` on bad input. */
export function controlRoutes(control: EmulatorControl) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/reset', async () => {
      control.reset();
      return { ok: true };
    });

    app.post('/seed', async (request, reply) => {
      const input = parse(seedSchema, body(request).payload);
      if (!input.ok) return reply.code(400).send({ error: input.error });
      try {
        return control.seed(input.value);
      } catch (err) {
        return reply.code(400).send({ error: (err as Error).message });
      }
    });

    app.get('/clock', async () => control.clockInfo());
    app.post('/clock', async (request, reply) => {
      const input = parse(clockSchema, body(request).payload);
      if (!input.ok) return reply.code(400).send({ error: input.error });
      try {
        if (input.value.setMs !== undefined) control.setNow(input.value.setMs);
        if (input.value.advanceMs !== undefined) control.advance(input.value.advanceMs);
        if (input.value.timeScale !== undefined) control.setTimeScale(input.value.timeScale);
      } catch (err) {
        return reply.code(400).send({ error: (err as Error).message });
      }
      return control.clockInfo();
    });

    app.get('/limits', async () => control.limits);
    app.patch('/limits', async (request, reply) => {
      const input = parse(limitsSchema, body(request).payload);
      if (!input.ok) return reply.code(400).send({ error: input.error });
      return control.setLimits(input.value);
    });

    app.get('/faults', async () => control.faults());
    app.post('/faults', async (request, reply) => {
      const input = parse(faultSchema, body(request).payload);
      if (!input.ok) return reply.code(400).send({ error: input.error });
      return control.injectFault(input.value);
    });
    app.delete('/faults', async () => {
      control.clearFaults();
      return { ok: true };
    });

    app.post<{ Params: { channelId: string } }>('/channels/:channelId/purge', async (request, reply) => {
      try {
        return { deleted: control.purgeChannel(request.params.channelId) };
      } catch (err) {
        return reply.code(404).send({ error: (err as Error).message });
      }
    });
    app.post<{ Params: { attachmentId: string } }>(
      '/attachments/:attachmentId/corrupt',
      async (request, reply) => {
        const input = parse(corruptSchema, body(request).payload);
        if (!input.ok) return reply.code(400).send({ error: input.error });
        if (!control.hasAttachment(request.params.attachmentId)) {
          return reply.code(404).send({ error: `no attachment ${request.params.attachmentId}` });
        }
        try {
          return control.corruptAttachment(request.params.attachmentId, input.value.offset);
        } catch (err) {
          return reply.code(400).send({ error: (err as Error).message });
        }
      },
    );

    app.get('/stats', async () => control.stats());
  };
}
