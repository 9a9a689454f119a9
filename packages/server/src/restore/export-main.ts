// npm run export -- --out FILE [--database-url …] [--data-dir …]
// An encrypted, self-contained backup of the drive's database, read back with the master key alone.
import { parseArgs } from 'node:util';
import { ConfigError } from '../config.js';
import { runTool, toolConfig } from './cli-config.js';
import { exportDrive } from './export.js';

const USAGE = `npm run export -- --out FILE [--database-url URL] [--data-dir DIR]

Writes the drive's database (users, folders, files, versions, chunk locations, shares, locks, tags,
stars) to FILE, encrypted under the master key, as one checkpoint. Restore it with
npm run restore -- --from-export FILE. The drive may keep running meanwhile.`;

runTool(async () => {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      'database-url': { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.out) throw new ConfigError(`--out is needed\n\n${USAGE}`);
  const config = toolConfig({ dataDir: values['data-dir'], databaseUrl: values['database-url'] });
  const done = await exportDrive(config, values.out, (message) => console.error(message));
  console.log(
    `Exported drive ${done.driveId} through journal record ${done.through}: ${done.bytes.toLocaleString('en')} bytes in ${values.out}`,
  );
});
