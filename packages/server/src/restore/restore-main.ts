// npm run restore -- --bot-token … --guild … [--database-url …] [--data-dir …] [--scan]
// Rebuilds a drive's database from its control channel on Discord (or an export) and the master key.
import { parseArgs } from 'node:util';
import { ConfigError } from '../config.js';
import { runTool, secretFlag, toolConfig, toolLog } from './cli-config.js';
import { formatRestoreReport } from './restore-report.js';
import { restore } from './restore.js';

const USAGE = `npm run restore -- --bot-token TOKEN --guild ID [options]
npm run restore -- --from-export FILE [--bot-token TOKEN --guild ID] [options]

Rebuilds the drive's database (empty, SQLite or PostgreSQL) from the newest superblock, checkpoint and
journal in the drive's control channel, or from an export and the journal after it. The master key
comes from IDRIVE_MASTER_KEY (or IDRIVE_MASTER_KEY_FILE), or master.key in the data directory.

  --bot-token TOKEN      the drive's Discord bot (or --bot-token-file FILE)
  --guild ID             the Discord server holding the drive's channels
  --drive ID             which drive, when the server holds several
  --from-export FILE     start from an export (npm run export) instead of the latest checkpoint
  --database-url URL     postgres://… (default: DATABASE_URL, else SQLite in the data directory)
  --data-dir DIR         the data directory (default: IDRIVE_DATA_DIR, else ./data)
  --scan                 then walk the data channels for files the journal missed`;

runTool(async () => {
  const { values } = parseArgs({
    options: {
      'bot-token': { type: 'string' },
      'bot-token-file': { type: 'string' },
      guild: { type: 'string' },
      drive: { type: 'string' },
      'from-export': { type: 'string' },
      'database-url': { type: 'string' },
      'data-dir': { type: 'string' },
      scan: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const botToken = secretFlag(values['bot-token'], values['bot-token-file'], 'bot-token');
  if (!botToken && !values['from-export'])
    throw new ConfigError(`Give --bot-token and --guild, or --from-export\n\n${USAGE}`);
  if (botToken && !values.guild) throw new ConfigError(`--guild is needed with --bot-token\n\n${USAGE}`);
  const config = toolConfig({ dataDir: values['data-dir'], databaseUrl: values['database-url'] });
  const report = await restore({
    config,
    botToken,
    guildId: values.guild,
    driveId: values.drive,
    fromExport: values['from-export'],
    scan: values.scan,
    log: toolLog(config),
  });
  console.log(formatRestoreReport(report));
});
