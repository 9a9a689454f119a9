import { createDiscordEmulator } from './app.js';

/** Reads a number from the environment, stopping start-up with the variable's name when it is bad. */
function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`${name} must be a non-negative number (got "${raw}")`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const port = numberEnv('PORT', 8787);
  const host = process.env.HOST ?? '127.0.0.1';
  const publicUrl =
    process.env.EMULATOR_PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const emulator = createDiscordEmulator({
    timeScale: numberEnv('EMULATOR_TIME_SCALE', 1),
    cdnBaseUrl: publicUrl,
    ...(process.env.EMULATOR_CDN_SECRET ? { cdnSecret: process.env.EMULATOR_CDN_SECRET } : {}),
    logger: process.env.EMULATOR_LOG === '1',
    limits: {
      rateLimits: { enabled: process.env.EMULATOR_RATE_LIMITS !== 'off' },
      cdn: { urlLifetimeMs: numberEnv('EMULATOR_URL_LIFETIME_MS', 24 * 3600 * 1000) },
    },
  });
  await emulator.app.listen({ host, port });
  console.log(
    `Discord emulator listening on ${publicUrl} (API ${publicUrl}/api/v10, control ${publicUrl}/__control)`,
  );
  if (process.env.EMULATOR_SEED === '1') {
    const seed = emulator.control.seed({
      channels: ['storage-1', 'storage-2'],
      webhooksPerChannel: 2,
      bots: [{ messageContent: process.env.EMULATOR_MESSAGE_CONTENT === '1' }],
    });
    console.log(JSON.stringify(seed, null, 2));
  }
  const shutdown = () => {
    emulator.app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
