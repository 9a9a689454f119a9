// npm run bench: speed and memory of the drive on this machine, each figure next to the machine's
// own ceiling (or rclone crypt) measured in the same run. Prints a table and writes
// .bench/results.json. `npm run bench -- --only transfer,zip` runs some groups; --help lists them.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { BIG_FILE_DIR, createContext, type BenchContext } from './context.js';
import { clusterRows } from './cluster.js';
import { clusterPaceRow } from './discord-cluster.js';
import { discordRows } from './discord.js';
import { eventRows } from './events.js';
import { gatewayRows } from './gateways.js';
import { journalRows } from './journal.js';
import { listingRows } from './listing.js';
import { rcloneRows } from './rclone.js';
import { report, rows, FILE_LABEL, FILE_SIZE } from './rows.js';
import { scrubRows } from './scrub.js';
import { searchRows } from './search.js';
import { transferRows } from './transfer.js';
import { webListRows } from './web-list.js';
import { webUploadRows } from './web-upload.js';
import { zipRows } from './zip.js';

interface Group {
  name: string;
  about: string;
  run(ctx: BenchContext): Promise<unknown>;
  /** A group whose rows include this one's: when both are chosen, only that one runs. */
  within?: string;
}

/** In run order: a group measured first lends its figures to those after it. */
const GROUPS: Group[] = [
  {
    name: 'ceilings',
    about: 'crypto (seal/open + SHA-256) and disk (8 MiB files + fsync)',
    run: (c) => c.ceilings(),
  },
  {
    name: 'rclone',
    about: `rclone crypt upload and download of the same ${FILE_LABEL} file`,
    run: async (c) => rcloneRows(await c.bigFile(), FILE_SIZE),
    within: 'transfer',
  },
  {
    name: 'transfer',
    about: 'curl upload/download in turn with rclone crypt, Range reads, server RSS (runs ceilings too)',
    run: transferRows,
  },
  {
    name: 'gateways',
    about: `WebDAV and the idrive CLI: upload and download of the same ${FILE_LABEL} file, beside rclone crypt`,
    run: async (c) => gatewayRows(await c.bigFile()),
  },
  {
    name: 'listing',
    about: '50,000-entry folder pages over the API, and Shared with me with 10,000 items',
    run: listingRows,
  },
  {
    name: 'discord',
    about: 'emulated Discord: limits off, and the limits with 4 channels (one instance, and three)',
    run: async (ctx) => {
      await discordRows(ctx);
      await clusterPaceRow(await ctx.bigFile());
    },
  },
  {
    name: 'scrub',
    about: 'emulated Discord with its limits: scrubber chunks/s, by message reads and reading copies back',
    run: scrubRows,
  },
  {
    name: 'journal',
    about: 'emulated Discord: upload with and without the metadata journal; npm run restore of 10,000 files',
    run: journalRows,
  },
  { name: 'events', about: 'live event latency', run: eventRows },
  {
    name: 'cluster',
    about: 'mixed API load through haproxy, 1 and 3 instances; live events across instances',
    run: clusterRows,
  },
  { name: 'zip', about: 'zip of one big file and of 10,000 small files', run: zipRows },
  {
    name: 'search',
    about: 'name search over 1,000,000 files',
    run: async () => rows.push(...(await searchRows())),
  },
  {
    name: 'web-list',
    about: 'Chromium: 50,000-entry folder',
    run: async () => rows.push(...(await webListRows())),
  },
  {
    name: 'web-upload',
    about: `Chromium: ${FILE_LABEL} upload`,
    run: async () => rows.push(...(await webUploadRows())),
  },
];

function usage(): string {
  const width = Math.max(...GROUPS.map((g) => g.name.length));
  return [
    'npm run bench [-- --only GROUP[,GROUP...]]',
    '',
    'Groups, in run order (all of them by default):',
    ...GROUPS.map((g) => `  ${g.name.padEnd(width)}  ${g.about}`),
    '',
    'BENCH_FILE_MIB sets the size of the big transfers (1024 by default);',
    'TEST_DATABASE_URL adds the PostgreSQL memory rows to transfer; with TEST_REDIS_URL too, the cluster rows run.',
  ].join('\n');
}

function selectedGroups(): Group[] {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  const names = values.only?.split(',').map((n) => n.trim()) ?? GROUPS.map((g) => g.name);
  const unknown = names.filter((n) => !GROUPS.some((g) => g.name === n));
  if (unknown.length > 0) {
    console.error(`unknown group: ${unknown.join(', ')}\n\n${usage()}`);
    process.exit(2);
  }
  return GROUPS.filter((g) => names.includes(g.name) && !(g.within && names.includes(g.within)));
}

/** Cores, CPU, Node, RAM, and the disk under the temp dir, where every drive and rclone keep their data. */
function machineLine(): string {
  const cpus = os.cpus();
  const df = execFileSync('df', ['-PhT', os.tmpdir()], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  const [device, type, size] = df.split(/\s+/);
  return [
    `I Drive bench: ${cpus.length} cores × ${cpus[0]?.model ?? 'cpu'}`,
    `Node ${process.version}`,
    `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `temp dir ${os.tmpdir()} on ${device} (${type}, ${size})`,
    `transfer source file in ${BIG_FILE_DIR}`,
    // The machine is shared: a busy moment explains a wide min–max spread.
    `load average ${os.loadavg()[0]!.toFixed(1)} at start`,
  ].join(', ');
}

const groups = selectedGroups();
const machine = machineLine();
console.log(machine);
const ctx = await createContext();
try {
  for (const group of groups) {
    console.log(`… ${group.name}`);
    await group.run(ctx);
  }
} finally {
  await ctx.close();
}
report(machine);
