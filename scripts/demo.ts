// npm run demo: I Drive on a local Discord emulator, fully offline. Starts the emulator, starts the
// built server pointed at it, connects Discord through the admin API and prints where to sign in.
// The emulator keeps messages in memory, so each run starts with a fresh data folder.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createDiscordEmulator } from '@idrive/discord-emulator';
import { SERVER_NODE_FLAGS } from '../packages/server/test/helpers/server-process.js';

const PASSWORD = process.env.IDRIVE_ADMIN_PASSWORD ?? 'idrive-demo';
const PORT = process.env.PORT ?? '8080';
const HOST = process.env.HOST ?? '127.0.0.1';

const emulator = createDiscordEmulator();
await emulator.app.listen({ host: '127.0.0.1', port: Number(process.env.EMULATOR_PORT ?? 0) });
const discordBase = `http://127.0.0.1:${(emulator.app.server.address() as AddressInfo).port}`;
const seed = emulator.control.seed({
  guildName: 'I Drive demo',
  channels: [],
  bots: [{ username: 'idrive-demo' }],
});

const dataDir = process.env.IDRIVE_DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'idrive-demo-'));
const server = spawn(process.execPath, [...SERVER_NODE_FLAGS, path.resolve('packages/server/dist/main.js')], {
  env: {
    ...process.env,
    IDRIVE_DATA_DIR: dataDir,
    IDRIVE_ADMIN_PASSWORD: PASSWORD,
    PORT,
    HOST,
    DISCORD_API_BASE: `${discordBase}/api/v10`,
    DISCORD_CDN_BASE: discordBase,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  },
  stdio: 'inherit',
});
const stop = () => {
  server.kill('SIGTERM');
  void emulator.app.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
server.once('exit', (code) => {
  console.error(`The server stopped (exit code ${code}).`);
  void emulator.app.close().then(() => process.exit(code ?? 1));
});

const base = `http://${HOST}:${PORT}`;
for (let tries = 0; ; tries++) {
  const ok = await fetch(`${base}/api/v1/health`).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  if (tries > 300) throw new Error('The server did not start');
  await new Promise((r) => setTimeout(r, 100));
}
const login = await fetch(`${base}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'admin', password: PASSWORD, bearer: true }),
});
const { token } = (await login.json()) as { token: string };
const connect = await fetch(`${base}/api/v1/admin/storage/discord`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: JSON.stringify({ botToken: seed.bots[0]!.token, guildId: seed.guild.id, channels: 4 }),
});
if (!connect.ok) throw new Error(`Connecting the emulated Discord failed: ${await connect.text()}`);

console.log(`
I Drive demo is ready: ${base}
  sign in as admin / ${PASSWORD}
  files are stored, encrypted, on the Discord emulator at ${discordBase} (4 channels)
  data folder: ${dataDir}
Ctrl+C stops both.`);
