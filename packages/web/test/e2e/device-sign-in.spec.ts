import type { Browser, BrowserContext, Page } from 'playwright-core';
import { decodeQR } from 'qr/decode.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeResponse } from '@idrive/shared';
import { startWebServer, type WebServer } from './browser.js';
import { fromAccountMenu, signIn } from './drive.js';

const PASSWORD = 'device-sign-in-test-1';
const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';

/** What the QR code on the page says, read from its pixels as a camera would. */
async function readQrCode(page: Page): Promise<string> {
  const png = await page.getByRole('img', { name: 'QR code that signs this device in' }).screenshot();
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return decodeQR({ width: info.width, height: info.height, data: new Uint8Array(data) });
}

/** Signing a phone in with a QR code, approved from a browser that is signed in. */
describe('sign-in with a QR code in Chromium', { timeout: 120_000 }, () => {
  let web: WebServer;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    web = await startWebServer({ IDRIVE_ADMIN_PASSWORD: PASSWORD });
    browser = web.browser;
    baseUrl = web.server.baseUrl;
  });
  afterAll(() => web?.close());

  /** A phone that is not signed in, on the QR code page of the sign-in form. */
  async function phoneWaiting(): Promise<{ phone: BrowserContext; page: Page }> {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 740 },
      hasTouch: true,
      isMobile: true,
      userAgent: PHONE_UA,
    });
    const page = await phone.newPage();
    await page.goto(baseUrl);
    await page.getByRole('link', { name: 'Sign in with a QR code' }).tap();
    await page.getByRole('heading', { name: 'Sign in with a QR code' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Waiting for approval' }).waitFor();
    return { phone, page };
  }

  it('the phone shows a QR code, the laptop opens its URL and approves, and the phone is in the drive', async () => {
    const { phone, page: phonePage } = await phoneWaiting();
    expect(await phonePage.getByText(/^Expires in [23]:\d\d$/).count()).toBe(1);
    const url = await readQrCode(phonePage);
    expect(url).toMatch(new RegExp(`^${baseUrl}/pair#[A-Za-z0-9_-]{43}$`));

    const laptop = await browser.newContext();
    const laptopPage = await laptop.newPage();
    await signIn(laptopPage, baseUrl, PASSWORD);
    await laptopPage.goto(url);
    await laptopPage.getByRole('heading', { name: 'A device asks to be signed in as admin' }).waitFor();
    expect(await laptopPage.getByText('Chrome on Android').count()).toBe(1);
    expect(await laptopPage.getByText(PHONE_UA).count()).toBe(1);
    // The code leaves the address bar once read.
    expect(new URL(laptopPage.url()).hash).toBe('');
    await laptopPage.getByRole('button', { name: 'Approve' }).click();
    await laptopPage.getByRole('status').filter({ hasText: 'Approved' }).waitFor();

    // The phone lands in the drive, signed in with a session of its own.
    await phonePage.getByRole('search').waitFor();
    const me = async (page: Page) =>
      page.evaluate(async () => ((await (await fetch('/api/v1/auth/me')).json()) as MeResponse).sessionId);
    const phoneSession = await me(phonePage);
    expect(phoneSession).not.toBe(await me(laptopPage));

    // The laptop lists it among the signed-in devices, and signing it out ends it.
    await laptopPage.goto(`${baseUrl}/settings`);
    const sessions = laptopPage.getByRole('region', { name: 'Where you are signed in' });
    await sessions.getByRole('listitem', { name: 'Chrome on Android' }).waitFor();
    await sessions.getByRole('button', { name: 'Sign out Chrome on Android' }).click();
    await expect.poll(() => sessions.getByRole('listitem', { name: 'Chrome on Android' }).count()).toBe(0);
    await phonePage.reload();
    await phonePage.getByLabel('Username').waitFor();
    await Promise.all([phone.close(), laptop.close()]);
  });

  it('a short code typed in Settings finds the phone; denied, the phone says so and can start again', async () => {
    const { phone, page: phonePage } = await phoneWaiting();
    const shortCode = (await phonePage.getByText(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/).textContent())!;
    const firstQr = await readQrCode(phonePage);

    const laptop = await browser.newContext();
    const laptopPage = await laptop.newPage();
    await signIn(laptopPage, baseUrl, PASSWORD);
    await fromAccountMenu(laptopPage, 'Settings');
    const section = laptopPage.getByRole('region', { name: 'Sign in another device' });
    await section.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => section.getByRole('alert').textContent()).toContain('Type the code');
    await section.getByLabel('Code shown on the other device').fill(shortCode.toLowerCase());
    await section.getByRole('button', { name: 'Continue' }).click();
    await laptopPage.getByRole('heading', { name: 'A device asks to be signed in as admin' }).waitFor();
    await laptopPage.getByRole('button', { name: 'Deny' }).click();
    await laptopPage.getByRole('status').filter({ hasText: 'Denied' }).waitFor();

    await expect.poll(() => phonePage.getByRole('alert').textContent()).toContain('denied');
    await phonePage.getByRole('button', { name: 'Get a new code' }).tap();
    await phonePage.getByRole('status').filter({ hasText: 'Waiting for approval' }).waitFor();
    expect(await readQrCode(phonePage)).not.toBe(firstQr);

    // A used code is refused on the approving side too.
    await laptopPage.goto(firstQr);
    await expect
      .poll(() => laptopPage.getByRole('alert').textContent())
      .toContain('has expired or has been used');
    await Promise.all([phone.close(), laptop.close()]);
  });
});
