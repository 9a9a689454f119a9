import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const drive = await createApp(config);
  const shutdown = (signal: string) => {
    drive.app.log.info(`${signal}: shutting down`);
    drive.close().then(
      () => process.exit(0),
      (err: unknown) => {
        drive.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  const address = await drive.app.listen({ host: config.host, port: config.port });
  drive.app.log.info(`I Drive is ready at ${address} (data in ${config.dataDir})`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
