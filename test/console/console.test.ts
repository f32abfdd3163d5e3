/**
 * The web console in a real browser (Debian's Chromium, driven by playwright-core) against a real lwtwin server, real
 * Redis and simulated devices. Every step is driven the way a person would: labels, roles and visible text. Each page
 * is saved as a screenshot under test-results/console/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleDistDir } from '../../server/http/console-static.ts';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { eventually, OPERATOR_TOKEN, READER_TOKEN, startTestServer, type TestServer } from '../helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SHOTS = path.join(ROOT, 'test-results', 'console');
const CHROMIUM = process.env.LWTWIN_CHROMIUM ?? '/usr/bin/chromium';

/** `npm test` builds the console in its set-up; a direct vitest run builds it here when it is missing. */
function ensureConsoleBuilt(): void {
  if (consoleDistDir()) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'console', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the console failed (npm run build:console)');
}

describe('the web console in Chromium', () => {
  let t: TestServer;
  let sim: LocalSimulatorHandle;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const shot = (name: string, p: Page = page) => p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  async function signIn(p: Page, token: string): Promise<void> {
    await p.goto(t.server.httpUrl + '/');
    // Keyboard only: focus the field by its label, type, Enter submits.
    await p.getByLabel('Token').focus();
    await p.keyboard.type(token);
    await p.keyboard.press('Enter');
    await p.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  beforeAll(async () => {
    ensureConsoleBuilt();
    mkdirSync(SHOTS, { recursive: true });
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: npm test installs Debian's chromium package`);
    t = await startTestServer();
    sim = startSimulator({ count: 3, server: t.coap, prefix: 'web-', seed: 7, tickMs: 1000, lifetime: 60, coapParams: { ackTimeoutMs: 300 } });
    await sim.ready;
    await eventually(async () => (await t.api.get('/api/devices/web-2/properties/device.batteryLevel').catch(() => undefined)) !== undefined, 'observations of every device');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await t?.stop();
  });

  it('refuses a wrong token with the API message, then signs in with the Token field', async () => {
    await page.goto(t.server.httpUrl + '/');
    await page.getByLabel('Token').fill('certainly-not-a-valid-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('missing or invalid bearer token');
    await shot('sign-in-refused');
    await signIn(page, OPERATOR_TOKEN);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('lwtwin.token'))).toBe(OPERATOR_TOKEN);
  });

  it('lists the simulated devices with state, version and battery, and the fleet counters', async () => {
    const table = page.getByRole('table', { name: 'Devices' });
    for (const ep of ['web-0', 'web-1', 'web-2']) await table.getByRole('link', { name: ep }).waitFor();
    const row = table.getByRole('row', { name: /web-1/ });
    await expect.poll(() => row.textContent()).toMatch(/online.*1\.1.*U.*\d+ %/);
    await expect.poll(() => page.getByText('Registered').locator('..').textContent()).toContain('3');
    await page.getByLabel('Filter (WHERE clause)').fill("deviceId = 'web-2'");
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => table.getByRole('link').allTextContents()).toEqual(['web-2']);
    await page.getByLabel('Filter (WHERE clause)').fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await table.getByRole('link', { name: 'web-0' }).waitFor();
    await shot('devices');
  });

  it('shows a reported value changing on the device page as notifications arrive, without a reload', async () => {
    await page.getByRole('table', { name: 'Devices' }).getByRole('link', { name: 'web-0' }).click();
    await page.getByRole('heading', { name: /web-0/ }).waitFor();
    await page.evaluate(() => ((globalThis as any).sameDocument = true));
    const battery = page.getByRole('table', { name: 'Reported properties' }).getByRole('row', { name: /^device\.batteryLevel/ });
    const first = await battery.getByRole('cell').first().textContent();
    await expect.poll(async () => battery.getByRole('cell').first().textContent(), { timeout: 15_000 }).not.toBe(first);
    expect(await page.evaluate(() => (globalThis as any).sameDocument)).toBe(true);
    await page.getByRole('table', { name: 'Reported properties' }).getByText('new').first().waitFor();
  });

  it('runs a deep read from the Read button of /3/0/9 and shows the value inline', async () => {
    await page.getByRole('button', { name: 'Read /3/0/9' }).click();
    const row = page.getByRole('row', { name: /\/3\/0\/9/ });
    await expect.poll(() => row.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/^Read: \d+$/);
    await shot('device');
  });

  it('edits desired device.timezone and the device takes it (reported follows)', async () => {
    const editor = page.getByRole('region', { name: 'Desired properties' });
    await editor.getByLabel('Desired property').fill('device.timezone');
    await editor.getByLabel('Value').fill('Europe/Oslo');
    // A notification may move the twin between loading and saving: a person saves again after the 412.
    for (let attempt = 0; attempt < 3; attempt++) {
      await editor.getByRole('button', { name: 'Save desired' }).click();
      const said = editor.getByText(/Saved device\.timezone|Changed meanwhile/);
      await said.waitFor();
      if ((await said.textContent())?.startsWith('Saved')) break;
      await editor.getByLabel('Value').fill('Europe/Oslo');
    }
    await editor.getByText(/Saved device\.timezone: twin version \d+/).waitFor();
    const reported = page.getByRole('table', { name: 'Reported properties' }).getByRole('row', { name: /^device\.timezone/ });
    try {
      await expect.poll(() => reported.textContent(), { timeout: 20_000 }).toContain('Europe/Oslo');
    } catch (err) {
      const twin = await t.api.get('/api/devices/web-0/twin');
      throw new Error(`the device did not take the desired timezone: desired ${JSON.stringify(twin.properties.desired)}, desiredSync ${JSON.stringify(twin.desiredSync)}`, { cause: err });
    }
    await expect.poll(() => editor.getByRole('row', { name: /device\.timezone/ }).textContent()).toContain('accepted');
  });

  it('shows a stale edit as "changed meanwhile" with the new version', async () => {
    const tags = page.getByRole('region', { name: 'Tags' });
    await tags.getByLabel('Tag').fill('location.plant');
    // Someone else changes the twin after this editor took its version.
    const changed = await t.api.patch('/api/devices/web-0/twin', { tags: { owner: 'someone-else' } });
    await tags.getByLabel('Value').fill('Oslo');
    await tags.getByRole('button', { name: 'Save tag' }).click();
    const alert = tags.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/Changed meanwhile: you edited version \d+, the twin is now at version \d+/);
    const now = Number(/now at version (\d+)/.exec((await alert.textContent())!)![1]);
    expect(now).toBeGreaterThanOrEqual(changed.version);
    await shot('device-stale-edit');
  });

  it('runs a query and shows its rows, with export buttons', async () => {
    await page.getByRole('link', { name: 'Query' }).click();
    await page.getByLabel('Query').fill("SELECT deviceId, properties.reported.device.batteryLevel AS battery FROM devices WHERE STARTSWITH(deviceId, 'web-')");
    await page.getByRole('button', { name: 'Run query' }).click();
    const results = page.getByRole('table', { name: 'Query results' });
    await expect.poll(() => results.getByRole('link').allTextContents()).toEqual(expect.arrayContaining(['web-0', 'web-1', 'web-2']));
    await page.getByText('3 rows').waitFor();
    // Paging with the continuation token: one row per page, then Load more.
    await page.getByLabel('Page size').fill('2');
    await page.getByRole('button', { name: 'Run query' }).click();
    await page.getByText('2 rows (more available)').waitFor();
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByText('3 rows').waitFor();
    expect(await page.getByRole('button', { name: 'Export CSV' }).isEnabled()).toBe(true);
    await shot('query');
  });

  it('runs a fleet deep read by query to completion with its progress bar', async () => {
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByLabel('Job type').selectOption({ label: 'Deep read' });
    await page.getByLabel('Devices matching a query').check();
    await page.getByLabel('Query condition (WHERE)').fill("STARTSWITH(deviceId, 'web-')");
    await page.getByLabel('Property').fill('/3/0/9');
    await page.getByRole('button', { name: 'Start job' }).click();
    const bar = page.getByRole('progressbar', { name: 'Progress' });
    await bar.waitFor();
    await expect.poll(() => bar.getAttribute('value'), { timeout: 30_000 }).toBe('100');
    await page.getByRole('heading', { name: /completed/ }).waitFor();
    const results = page.getByRole('table', { name: 'Results per device' });
    await expect.poll(() => results.getByRole('row', { name: /succeeded/ }).count()).toBe(3);
    await shot('job');
    await page.getByRole('link', { name: 'Jobs' }).first().click();
    await page.getByLabel('Status').selectOption('completed');
    await page.getByRole('table', { name: 'Jobs' }).getByRole('row', { name: /deepRead/ }).first().waitFor();
    await shot('jobs');
  }, 60_000);

  it('is usable at phone width: nothing overflows the page sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [view, name] of [
      ['#/devices', 'devices-phone'],
      ['#/devices/web-0', 'device-phone'],
    ]) {
      await page.goto(`${t.server.httpUrl}/${view}`);
      await page.getByRole('link', { name: 'web-0' }).or(page.getByRole('heading', { name: /web-0/ })).first().waitFor();
      await page.getByRole('table').first().waitFor();
      const wide = await page.evaluate(() =>
        [...(globalThis as any).document.querySelectorAll('body *')]
          .filter((el: any) => el.getBoundingClientRect().right > 391 && !el.closest('.table-wrap, .log'))
          .map((el: any) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
          .slice(0, 5),
      );
      expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth), `${view} overflows: ${wide.join(', ')}`).toBeLessThanOrEqual(390);
      await shot(name);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('gives a reader token no action buttons', async () => {
    const readerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    readerContext.setDefaultTimeout(15_000);
    const reader = await readerContext.newPage();
    await signIn(reader, READER_TOKEN);
    await reader.getByRole('link', { name: 'web-1' }).click();
    await reader.getByRole('table', { name: 'Reported properties' }).getByRole('row', { name: /^device\.batteryLevel/ }).waitFor();
    await reader.getByRole('table', { name: 'Resources of /3/0' }).waitFor();
    expect(await reader.getByRole('button', { name: /^(Read|Write|Execute|Observe) \// }).count()).toBe(0);
    expect(await reader.getByRole('button', { name: /Save|Remove|Start job|Cancel/ }).count()).toBe(0);
    expect(await reader.getByRole('link', { name: 'Jobs' }).count()).toBe(0);
    await shot('device-reader', reader);
    await readerContext.close();
  });
});
