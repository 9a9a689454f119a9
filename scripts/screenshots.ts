// Screenshots of the web app's main screens for the README, from the real server and the built app
// with sample data: `npm run build -w @idrive/web && tsx --conditions=source scripts/screenshots.ts`.
// Writes PNGs to docs/screenshots/.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { loginOver } from '../packages/server/test/helpers/http-client.js';
import { startWebServer } from '../packages/web/test/e2e/browser.js';
import { driveApi, signIn } from '../packages/web/test/e2e/drive.js';

const PASSWORD = 'screenshots-password';
const out = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 740 };

/** A sunset drawn on a canvas in the browser: an image to preview without shipping a file. */
async function drawSunset(browser: Browser): Promise<Buffer> {
  const page = await browser.newPage();
  await page.setContent('<canvas width="1200" height="800"></canvas>');
  const dataUrl = await page.locator('canvas').evaluate((canvas) => {
    const g = canvas.getContext('2d')!;
    const sky = g.createLinearGradient(0, 0, 0, 800);
    sky.addColorStop(0, '#1e3a8a');
    sky.addColorStop(0.55, '#f97316');
    sky.addColorStop(1, '#fde68a');
    g.fillStyle = sky;
    g.fillRect(0, 0, 1200, 800);
    g.fillStyle = '#fef3c7';
    g.beginPath();
    g.arc(600, 560, 110, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#0f172a';
    g.fillRect(0, 600, 1200, 200);
    return canvas.toDataURL('image/png');
  });
  await page.close();
  return Buffer.from(dataUrl.split(',')[1]!, 'base64');
}

async function sampleData(
  baseUrl: string,
  picture: Buffer,
): Promise<{ photosId: string; pictureId: string }> {
  const api = await driveApi(baseUrl, 'admin', PASSWORD);
  const photos = await api.mkdir(api.rootId, 'Photos');
  for (const name of ['Documents', 'Music', 'Projects']) await api.mkdir(api.rootId, name);
  await api.put(api.rootId, 'notes.md', '# Notes\n\n- Buy milk\n- Share the holiday photos\n');
  await api.put(api.rootId, 'budget.csv', 'month,amount\nJanuary,1200\nFebruary,950\n');
  // Raw bytes with no content type: the server takes image/png from the name.
  const res = await fetch(`${baseUrl}/api/v1/folders/${photos.id}/files/sunset.png`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await loginOver(baseUrl, 'admin', PASSWORD)}` },
    body: picture,
  });
  if (res.status !== 201) throw new Error(`Upload of sunset.png: ${res.status}`);
  const stored = (await res.json()) as { id: string };
  return { photosId: photos.id, pictureId: stored.id };
}

/** A signed-in page in a context of its own, with the theme and language already chosen. */
async function openPage(
  browser: Browser,
  baseUrl: string,
  options: BrowserContextOptions,
  settings: { theme?: string; locale?: string } = {},
): Promise<Page> {
  const context = await browser.newContext(options);
  const remember = (key: string, value: string) =>
    context.addInitScript({
      content: `localStorage.setItem(${JSON.stringify(key)}, ${JSON.stringify(value)});`,
    });
  await remember('idrive.theme', settings.theme ?? 'light');
  await remember('idrive.locale', 'en');
  const page = await context.newPage();
  // The sign-in helper speaks English; another language is chosen once signed in.
  await signIn(page, baseUrl, PASSWORD);
  if (settings.locale) {
    await remember('idrive.locale', settings.locale);
    await page.reload();
  }
  await page.getByText('notes.md').first().waitFor();
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: `${out}${name}.png` });
  console.log(`docs/screenshots/${name}.png`);
}

const web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
try {
  await mkdir(out, { recursive: true });
  const baseUrl = web.server.baseUrl;
  const { photosId, pictureId } = await sampleData(baseUrl, await drawSunset(web.browser));

  const light = await openPage(web.browser, baseUrl, { viewport: DESKTOP });
  await shot(light, 'folder-light');
  await light.getByRole('button', { name: 'More actions for Photos' }).click();
  await light.getByRole('menuitem', { name: 'Share…' }).click();
  await light.getByRole('dialog').getByLabel('Password (optional)').waitFor();
  await shot(light, 'share-dialog');
  await light.goto(`${baseUrl}/folders/${photosId}`);
  await light.getByRole('row', { name: /sunset\.png/ }).click();
  await light.keyboard.press('i');
  await light
    .getByRole('complementary', { name: 'Details: sunset.png' })
    .getByRole('listitem')
    .first()
    .waitFor();
  await shot(light, 'details-panel');
  await light.goto(`${baseUrl}/folders/${photosId}?preview=${pictureId}`);
  await light.getByRole('dialog').waitFor();
  await shot(light, 'preview');
  await light.context().close();

  const dark = await openPage(web.browser, baseUrl, { viewport: DESKTOP }, { theme: 'dark' });
  await shot(dark, 'folder-dark');
  await dark.context().close();

  const polish = await openPage(web.browser, baseUrl, { viewport: DESKTOP }, { locale: 'pl' });
  await shot(polish, 'folder-polish');
  await polish.context().close();

  const phone = await openPage(web.browser, baseUrl, { viewport: PHONE, isMobile: true, hasTouch: true });
  await shot(phone, 'phone');
  await phone.getByRole('button', { name: 'Main menu' }).tap();
  await phone.getByRole('navigation', { name: 'Main' }).waitFor();
  // The drawer slides in.
  await phone.waitForTimeout(400);
  await shot(phone, 'phone-drawer');
  await phone.context().close();
} finally {
  await web.close();
}
