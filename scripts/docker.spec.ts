// What the Dockerfile and compose.yaml promise about the server, checked without a container engine
// (scripts/docker-verify.sh builds and runs the image for real).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, type Config } from '../packages/server/src/config.js';
import { SERVER_NODE_FLAGS } from '../packages/server/test/helpers/server-process.js';
import { startTestApp, type TestApp } from '../packages/server/test/helpers/test-app.js';

const root = path.resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Instruction {
  op: string;
  args: string;
}

/** The final stage's instructions: continuations joined, comments dropped. */
function finalStage(dockerfile: string): Instruction[] {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages: Instruction[][] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const instruction = { op: op.toUpperCase(), args: rest.join(' ') };
    if (instruction.op === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages.at(-1) ?? [];
}

function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.filter((i) => i.op === 'ENV')) {
    for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) env[key!] = value!;
  }
  return env;
}

function one(stage: Instruction[], op: string): string {
  const found = stage.filter((i) => i.op === op);
  expect(found, op).toHaveLength(1);
  return found[0]!.args;
}

interface ComposeService {
  environment: Record<string, string>;
  secrets: string[];
  volumes: string[];
  ports: string[];
}

const stage = finalStage(read('Dockerfile'));
const imageEnv = envOf(stage);
const compose = parse(read('compose.yaml')) as {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
};
const drive = compose.services.drive!;

describe('the Docker image and the compose file', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('runs the server as a user that is not root, owning only the data directory', () => {
    const user = one(stage, 'USER');
    expect(user).toMatch(/^\d+:\d+$/);
    expect(user.split(':')[0]).not.toBe('0');
    const run = stage.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(run.some((r) => r.includes(`useradd --system --uid ${user.split(':')[0]}`))).toBe(true);
    expect(run.some((r) => r.includes(`chown idrive:idrive ${imageEnv.IDRIVE_DATA_DIR}`))).toBe(true);
  });

  it('checks its health on the route that answers it, on the port it listens on', async () => {
    const check = JSON.parse(one(stage, 'HEALTHCHECK').replace(/^.*?CMD\s+/, '')) as string[];
    const script = check.at(-1)!;
    const url = /fetch\('http:\/\/127\.0\.0\.1:'\+\(process\.env\.PORT\|\|(\d+)\)\+'([^']+)'\)/.exec(script);
    expect(url, script).not.toBeNull();
    const [, port, route] = url!;
    expect(port).toBe(imageEnv.PORT);
    expect(one(stage, 'EXPOSE')).toBe(imageEnv.PORT);
    const res = await app.drive.app.inject({ method: 'GET', url: route! });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
    // Reachable from outside the container, and not refused as a foreign host by the drive itself.
    expect(imageEnv.HOST).toBe('0.0.0.0');
  });

  it('starts the server as npm start does', () => {
    const cmd = JSON.parse(one(stage, 'CMD')) as string[];
    expect(cmd).toEqual(['node', ...SERVER_NODE_FLAGS, 'packages/server/dist/main.js']);
  });

  it('keeps the data directory in the volume compose mounts', () => {
    const dataDir = imageEnv.IDRIVE_DATA_DIR!;
    expect(loadConfig({ IDRIVE_DATA_DIR: dataDir }).dataDir).toBe(dataDir);
    expect(one(stage, 'VOLUME')).toBe(dataDir);
    expect(drive.volumes.map((v) => v.split(':')[1])).toEqual([dataDir]);
  });

  it('hands every secret to the server through a _FILE variable it reads', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'idrive-compose-'));
    const values: Record<string, string> = {
      IDRIVE_MASTER_KEY: 'ab'.repeat(32),
      DATABASE_URL: 'postgres://idrive:secret@db:5432/idrive',
    };
    const fileVars = Object.entries(drive.environment).filter(([name]) => name.endsWith('_FILE'));
    expect(fileVars.map(([name]) => name).sort()).toEqual(['DATABASE_URL_FILE', 'IDRIVE_MASTER_KEY_FILE']);
    const env: Record<string, string> = {};
    for (const [name, target] of fileVars) {
      const secret = path.posix.basename(target);
      expect(target).toBe(`/run/secrets/${secret}`);
      expect(drive.secrets).toContain(secret);
      expect(compose.secrets[secret]?.file).toBe(`./secrets/${secret}`);
      const local = path.join(dir, secret);
      writeFileSync(local, `${values[name.replace(/_FILE$/, '')]}\n`);
      env[name] = local;
    }
    const config: Config = loadConfig(env);
    expect(config.masterKey).toBe(values.IDRIVE_MASTER_KEY);
    expect(config.databaseUrl).toBe(values.DATABASE_URL);
  });

  it('runs several instances from compose.cluster.yaml with what cluster mode needs', () => {
    const cluster = parse(read('compose.cluster.yaml')) as {
      services: Record<string, ComposeService & { deploy?: { replicas: number } }>;
      secrets: Record<string, { file: string }>;
    };
    const replica = cluster.services.drive!;
    expect(replica.deploy?.replicas).toBeGreaterThan(1);
    expect(cluster.secrets).toEqual(compose.secrets);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'idrive-compose-'));
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(replica.environment)) {
      // Compose's `${NAME:-default}` gives the default when nothing is set.
      if (!name.endsWith('_FILE')) env[name] = value.replace(/\$\{\w+:-([^}]*)\}/g, '$1');
      else {
        const local = path.join(dir, path.posix.basename(value));
        writeFileSync(
          local,
          name.startsWith('DATABASE') ? 'postgres://idrive:pw@db/idrive' : 'ab'.repeat(32),
        );
        env[name] = local;
      }
    }
    // Accepted as cluster mode: Redis beside PostgreSQL and one master key for all.
    expect(loadConfig(env).redisUrl).toBe('redis://redis:6379');
    expect(replica.volumes).toEqual(drive.volumes);
    // The balancer uses the shipped config, health-checks the route that answers it, and alone
    // publishes a port.
    const balancer = cluster.services.balancer!;
    expect(balancer.volumes).toEqual(['./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro']);
    expect(read('deploy/haproxy.cfg')).toContain('option httpchk GET /api/v1/health');
    expect(read('deploy/haproxy.cfg')).toMatch(/server-template drive \d+ drive:8080/);
    expect(replica.ports).toBeUndefined();
    expect(balancer.ports).toEqual(drive.ports);
  });

  it('keeps secrets and local state out of the build context and the repository', () => {
    const ignored = (file: string) => read(file).split('\n');
    for (const entry of ['secrets', 'data', '**/node_modules', '.git']) {
      expect(ignored('.dockerignore')).toContain(entry);
    }
    expect(ignored('.gitignore')).toContain('secrets/');
  });
});
