/**
 * The desk in Debian's Chromium against `cutline serve --token auto`: the printed URL (token in the
 * fragment) connects, the token leaves the address bar, and without it the desk does not get in.
 * The desk is built as shipped into a private folder (CUTLINE_UI_DIR) first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeskBrowser, HAVE_CHROMIUM, launchDesk } from '../helpers/chromium.ts';
import { type ServeProcess, startServe, stateGetOk } from '../helpers/cutlineServe.ts';

describe.skipIf(!HAVE_CHROMIUM)('desk token from the URL fragment', () => {
  let serve: ServeProcess;
  let desk: DeskBrowser;
  let deskUrl = '';

  const uiDir = mkdtempSync(join(tmpdir(), 'cutline-sec-ui-'));

  beforeAll(async () => {
    await build({ configFile: resolve('vite.config.ts'), root: resolve('renderer'), logLevel: 'warn', build: { outDir: uiDir, emptyOutDir: true, sourcemap: false } });
    serve = await startServe(['--token', 'auto'], { dataDir: mkdtempSync(join(tmpdir(), 'cutline-sec-desk-')), env: { CUTLINE_UI_DIR: uiDir } });
    deskUrl = /Open the desk: (\S+)/.exec(serve.stdout())?.[1] ?? '';
    desk = await launchDesk();
  });
  afterAll(async () => {
    await desk?.browser.close();
    await serve?.stop();
    rmSync(uiDir, { recursive: true, force: true });
  });

  it('without the token the desk stays disconnected and says how to get in', async () => {
    const page = await desk.browser.newPage();
    await page.goto(`http://127.0.0.1:${serve.port}/`);
    await page.getByText(/open the desk with the URL it printed/).waitFor({ timeout: 10_000 });
    expect(await page.getByText('Engine connected').count()).toBe(0);
    await page.close();
  });

  it('the printed #token= URL connects, the token leaves the address bar, and a reload stays connected', async () => {
    expect(deskUrl).toMatch(/\/#token=/);
    const { page } = desk;
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(deskUrl);
    await page.getByText('Engine connected').waitFor({ timeout: 15_000 });
    expect(page.url()).not.toContain('token');
    const token = deskUrl.split('#token=')[1];
    // No request the page made carried the token in its URL (the WebSocket has it in a header).
    expect(requested.filter((u) => u.includes(token))).toEqual([]);
    await page.reload();
    await page.getByText('Engine connected').waitFor({ timeout: 15_000 });
    expect(desk.consoleErrors.filter((e) => !/WebSocket|401|Failed to load resource/.test(e))).toEqual([]);
    expect(await stateGetOk(serve.port, { authorization: `Bearer ${token}` })).toBe(true);
  });
});
