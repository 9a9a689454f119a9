import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startServerProcess, type ServerProcess } from '../../../server/test/helpers/server-process.js';

/** Debian's Chromium; `npx playwright install` cannot download browsers on these machines. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Without the background-networking flags Chromium keeps dialling Google on a closed network.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** `IDRIVE_E2E_WEB_DIR` points at another build (e.g. `vite build --outDir`), so parallel builds don't clash. */
const webDist = process.env.IDRIVE_E2E_WEB_DIR ?? fileURLToPath(new URL('../../dist', import.meta.url));

export interface WebServer {
  server: ServerProcess;
  browser: Browser;
  /** The server's fresh data folder (its database is `idrive.sqlite` there). */
  dataDir: string;
  /** Stops the server and starts it again on the same port and data folder (`server` is replaced). */
  restartServer(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real server serving the built web app on a fresh data folder, and a browser to drive it.
 * `env` adds to the server's environment (the admin password is set by the caller).
 */
export async function startWebServer(env: Record<string, string>): Promise<WebServer> {
  if (!existsSync(path.join(webDist, 'index.html')))
    throw new Error('Build the web app first: npm run build');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-e2e-'));
  const serverEnv = { IDRIVE_DATA_DIR: dataDir, IDRIVE_WEB_DIR: webDist, ...env };
  const browser = await launchBrowser();
  const violations = reportCspViolations(browser);
  const web: WebServer = {
    server: await startServerProcess(serverEnv),
    browser,
    dataDir,
    restartServer: async () => {
      await web.server.stop();
      web.server = await startServerProcess(serverEnv, { port: Number(new URL(web.server.baseUrl).port) });
    },
    close: async () => {
      await web.browser.close();
      await web.server.stop();
      await rm(dataDir, { recursive: true, force: true });
      if (violations.length > 0)
        throw new Error(`The page broke its Content Security Policy:\n${violations.join('\n')}`);
    },
  };
  return web;
}

/**
 * Collects what Chromium refused under the server's Content Security Policy in any page of any
 * context, so every end-to-end run also proves the app works under that policy.
 */
function reportCspViolations(browser: Browser): string[] {
  const violations: string[] = [];
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    context.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) violations.push(message.text());
    });
    return context;
  };
  return violations;
}
