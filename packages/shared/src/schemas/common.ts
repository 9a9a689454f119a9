import { z } from 'zod';
import { checkName } from '../names.js';

/** Ids are random UUIDs; anything else is rejected before it reaches a query. */
export const id = z.uuid();

/** An ISO 8601 timestamp as the API sends it. */
export const timestamp = z.iso.datetime();

/** A user-supplied item name: normalised to NFC and checked (see `checkName`). */
export const itemName = z.string().transform((raw, ctx) => {
  const result = checkName(raw);
  if (!result.ok) {
    ctx.addIssue({ code: 'custom', message: result.reason });
    return z.NEVER;
  }
  return result.name;
});

export const idParams = z.object({ id });
export type IdParams = z.infer<typeof idParams>;

export const okResponse = z.object({ ok: z.literal(true) });
