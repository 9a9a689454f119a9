import type { FastifyInstance } from 'fastify';
import { invalidFormBody } from '../discord-error.js';
import type { EmulatorContext } from '../emulator-context.js';
import { presentAttachment } from '../presenters.js';
import { body, requireBot, takeBucket } from '../route-helpers.js';

const ATTACHMENT_PATH = /\/attachments\/(\d+)\/(\d+)\/([^/?#]+)/;

/** `POST /attachments/refresh-urls` [obs]: fresh signed URLs for up to 50 attachment URLs. */
export function attachmentRoutes(ctx: EmulatorContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/attachments/refresh-urls', async (request, reply) => {
      requireBot(ctx, request);
      takeBucket(ctx, request, reply, 'refreshUrls', 'global');
      const urls = body(request).payload.attachment_urls;
      if (!Array.isArray(urls)) {
        throw invalidFormBody('attachment_urls', 'BASE_TYPE_REQUIRED', 'This field is required');
      }
      // What Discord does above 50 is unknown [?]; the reference suggests Invalid Form Body.
      if (urls.length > ctx.limits.refreshUrlsMax) {
        throw invalidFormBody(
          'attachment_urls',
          'BASE_TYPE_MAX_LENGTH',
          `Must be ${ctx.limits.refreshUrlsMax} or fewer in length.`,
        );
      }
      const refreshed = urls.map((original: unknown, i) => {
        if (typeof original !== 'string') {
          throw invalidFormBody(
            `attachment_urls.${i}`,
            'BASE_TYPE_STRING',
            'Could not interpret value as string.',
          );
        }
        const match = ATTACHMENT_PATH.exec(original);
        const attachment = match ? ctx.state.attachments.get(match[2]!) : undefined;
        // An unknown or deleted attachment comes back unchanged [?]: fetching it still gives 404.
        if (!attachment || attachment.channelId !== match![1]) return { original, refreshed: original };
        return { original, refreshed: presentAttachment(ctx, request, attachment).url };
      });
      return { refreshed_urls: refreshed };
    });
  };
}
