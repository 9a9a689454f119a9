import type { EmulatorContext } from './emulator-context.js';
import type { Message } from './emulator-state.js';
import type { BucketName } from './limits.js';

/** Deleting a message is limited by the message's age [obs, discord-api-docs#8330]. */
export function deleteBucket(ctx: EmulatorContext, message: Message | undefined): BucketName {
  if (!message) return 'deleteUnknownMessage';
  const age = ctx.clock.now() - message.timestampMs;
  if (age > ctx.limits.bulkDeleteMaxAgeMs) return 'deleteOldMessage';
  if (age < ctx.limits.rateLimits.youngMessageAgeMs) return 'deleteMessageYoung';
  return 'deleteMessage';
}
