/**
 * Several programs at the desk, end to end: the built web UI in Debian Chromium against a real
 * engine. The producer adds a vertical cut with one click, switches tabs, changes the vertical's
 * layout (Side by side on its preview, Cut) and sees it in the multiview's program outputs — a
 * screenshot of that tile is decoded and its halves are the two sources' colours. Main is left
 * as it was. A recording carrying the vertical (added with the form's "Carries" choice) proves the
 * engine's picture: ffprobe says 1080×1920 and its decoded frame has the same two halves.
 * Screenshots go to test-artifacts/ui-programs/.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/Engine.ts';
import { ApiServer } from '../../electron/engine/server/ApiServer.ts';
import type { EngineState } from '../../shared/protocol.ts';
import { CHROMIUM, HAVE_CHROMIUM, launchDesk } from '../helpers/chromium.ts';
import { averageRgb, colorDistance, decodeFrameAt, hexRgb, probeStreams } from '../helpers/media.ts';
import { freePort, sleep, waitUntil } from '../helpers/servers.ts';

const ARTIFACTS = resolve('test-artifacts/ui-programs');
const RED = '#c03030';
const BLUE = '#3050c0';

const title = HAVE_CHROMIUM ? 'the desk runs several programs' : `the desk runs several programs (SKIPPED: ${CHROMIUM} is missing)`;

describe.skipIf(!HAVE_CHROMIUM)(title, () => {
  let engine: Engine;
  let server: ApiServer;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[] = [];
  const uiDir = mkdtempSync(join(tmpdir(), 'cutline-ui-programs-'));
  const recordings = mkdtempSync(join(tmpdir(), 'cutline-programs-rec-'));

  const state = async () => (await (await fetch(`${server.url}/api/v1/state`)).json()) as EngineState;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

  beforeAll(async () => {
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    await build({ configFile: resolve('vite.config.ts'), root: resolve('renderer'), logLevel: 'warn', build: { outDir: uiDir, emptyOutDir: true, sourcemap: false } });
    engine = await Engine.create({
      log: () => {},
      // Small and slow for a shared 2-core machine: the vertical preset's size is the cost.
      show: {
        name: 'Programs e2e',
        output: { width: 320, height: 180, fps: 10, videoBitrateKbps: 300, keyframeIntervalS: 1, x264Preset: 'ultrafast' },
        sources: [
          { id: 'red', kind: 'testPattern', label: 'Red cam', color: RED },
          { id: 'blue', kind: 'testPattern', label: 'Blue cam', color: BLUE },
        ],
        layout: { preset: 'grid', sources: ['red', 'blue'] },
      },
    });
    server = new ApiServer(engine, { port: await freePort(), uiDir });
    await server.listen();
    ({ browser, page, consoleErrors } = await launchDesk());
    await page.goto(server.url);
    await page.getByText('Engine connected').waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    rmSync(uiDir, { recursive: true, force: true });
    rmSync(recordings, { recursive: true, force: true });
  });

  it('adds a vertical cut with one click and opens its tab', async () => {
    await page.getByRole('button', { name: '+ Add vertical cut' }).click();
    await page.locator('[data-program-tab="vertical"][aria-selected="true"]').waitFor({ timeout: 15_000 });
    const vertical = (await state()).programs.find((p) => p.id === 'vertical');
    expect(vertical).toMatchObject({ name: 'Vertical 9:16', output: { width: 1080, height: 1920, fps: 10 }, layout: { preset: 'solo', sources: ['red', 'blue'] } });
    await expect.poll(() => page.locator('[data-program-output]').count()).toBe(2);
    await shot('01-vertical-added');
  });

  it("switches tabs: each tab's monitors show that program", async () => {
    await page.locator('[data-program-tab="main"]').click();
    await expect.poll(() => page.locator('[data-monitor="program"] .layout-box').count()).toBe(2);
    await page.locator('[data-program-tab="vertical"]').click();
    await expect.poll(() => page.locator('[data-monitor="program"] .layout-box').count()).toBe(1);
    expect(await page.locator('[data-monitor="program"] .monitor-title').textContent()).toContain('Vertical 9:16');
  });

  it("changes the vertical's layout: side by side on its preview, Cut; main keeps its grid", async () => {
    await page.getByRole('button', { name: 'Side by side', exact: true }).click();
    await waitUntil(async () => (await state()).programs.find((p) => p.id === 'vertical')?.preview?.preset === 'sideBySide', 5000, 'side by side on the vertical preview');
    await page.getByRole('button', { name: 'CUT', exact: true }).click();
    await waitUntil(async () => (await state()).programs.find((p) => p.id === 'vertical')?.layout.preset === 'sideBySide', 5000, 'side by side on the vertical');
    const after = await state();
    expect(after.programs.find((p) => p.id === 'vertical')?.layout.sources).toEqual(['red', 'blue']);
    expect(after.show.layout).toMatchObject({ preset: 'grid', sources: ['red', 'blue'] });
    await shot('02-vertical-side-by-side');
  });

  it('shows the new layout in the multiview (screenshot: red left, blue right)', async () => {
    const tile = page.locator('[data-program-output="vertical"] .layout-picture');
    await expect.poll(() => tile.locator('.layout-box').count()).toBe(2);
    const file = join(ARTIFACTS, '03-multiview-vertical.png');
    await tile.screenshot({ path: file });
    const box = (await tile.boundingBox())!;
    const w = Math.max(2, Math.round(box.width / 2) * 2);
    const h = Math.max(2, Math.round(box.height / 2) * 2);
    const img = await decodeFrameAt(file, 0, w, h);
    const left = averageRgb(img, Math.round(w * 0.1), Math.round(h * 0.4), Math.round(w * 0.3), Math.round(h * 0.2));
    const right = averageRgb(img, Math.round(w * 0.6), Math.round(h * 0.4), Math.round(w * 0.3), Math.round(h * 0.2));
    expect(colorDistance(left, hexRgb(RED)), `left half ${left}`).toBeLessThan(40);
    expect(colorDistance(right, hexRgb(BLUE)), `right half ${right}`).toBeLessThan(40);
    // Main's tile is still the grid.
    expect(await page.locator('[data-program-output="main"] .layout-box').count()).toBe(2);
  });

  it("a recording carrying the vertical (picked in the form) has the engine's 1080×1920 side-by-side picture", async () => {
    await page.getByRole('button', { name: '+ Add', exact: true }).click();
    const form = page.getByRole('form', { name: 'Add destination' });
    await form.getByLabel('What the destination carries').selectOption('program:vertical');
    await form.getByLabel('Service').selectOption('recording');
    // The form's folder is relative to the engine; give it ours.
    await form.getByLabel('File or folder on the engine’s machine').fill(`${recordings}/`);
    await form.getByRole('button', { name: 'Add destination' }).click();
    await waitUntil(async () => (await state()).show.destinations.length === 1, 5000, 'the recording added');
    const dest = (await state()).show.destinations[0];
    expect(dest).toMatchObject({ kind: 'recording', program: 'vertical' });
    expect(await page.locator(`[data-destination="${dest.id}"] .dest-carries`).textContent()).toBe('Vertical 9:16');
    await fetch(`${server.url}/api/v1/commands/destination.start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: dest.id }) });
    await waitUntil(async () => (await state()).destinations.find((d) => d.id === dest.id)?.state === 'live', 15_000, 'recording live');
    await sleep(2500);
    await fetch(`${server.url}/api/v1/commands/destination.stop`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: dest.id }) });
    await waitUntil(async () => (await state()).destinations.find((d) => d.id === dest.id)?.state !== 'live', 10_000, 'recording stopped');
    const [file] = readdirSync(recordings).map((f) => join(recordings, f));
    const video = (await probeStreams(file)).find((s) => s.codec_type === 'video');
    expect(video).toMatchObject({ width: 1080, height: 1920 });
    const frame = await decodeFrameAt(file, 1, 108, 192);
    expect(colorDistance(averageRgb(frame, 10, 80, 30, 30), hexRgb(RED))).toBeLessThan(40);
    expect(colorDistance(averageRgb(frame, 64, 80, 30, 30), hexRgb(BLUE))).toBeLessThan(40);
    await shot('04-recording-carries-vertical');
    expect(consoleErrors.filter((e) => !/WebSocket|favicon/.test(e))).toEqual([]);
  });
});
