import { z } from 'zod';

const partHealth = z.enum(['ok', 'down']);

/** 200 with `ok` when every part answers; 503 with `unavailable` naming the part that does not. */
export const healthResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  database: partHealth,
  /** `off` when the drive runs as one instance, without Redis. */
  redis: z.enum(['ok', 'down', 'off']),
});
export type HealthResponse = z.infer<typeof healthResponse>;
