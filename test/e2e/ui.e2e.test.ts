/**
 * The producer's desk end to end: the built web UI in Debian Chromium, against a real engine and
 * API server (bundled ffmpeg) and a real RTMP server (node-media-server). Every step is done the way
 * a producer does it (clicks, keys, a fader drag) and checked three ways: what the UI shows, what
 * the API state says, and — for the program — the pixels that reached the RTMP server.
 * Screenshots of each step go to test-artifacts/ui/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineState } from '../../shared/protocol.ts';
import { Engine } from '../../electron/engine/Engine.ts';
import { ApiServer } from '../../electron/engine/server/ApiServer.ts';
import { averageRgb, colorDistance, decodeFrameAt, hexRgb, pullRtmp } from '../helpers/media.ts';
import { CHROMIUM, HAVE_CHROMIUM, launchDesk } from '../helpers/chromium.ts';
import { freePort, type RtmpServer, sleep, startNodeMediaServer, waitUntil } from '../helpers/servers.ts';

const ARTIFACTS = resolve('test-artifacts/ui');
const STREAM_KEY = 'e2e-stream-key-5f3a9c';
const COLORS = { red: '#c03030', green: '#30a050', blue: '#3050c0' };
const MONITOR_TOKEN = 'monitor-token-0123';

const title = HAVE_CHROMIUM
  ? 'the producer desk in Chromium against a real engine'
  : `the producer desk in Chromium (SKIPPED: ${CHROMIUM} is missing; install Debian's chromium package to run it)`;

describe.skipIf(!HAVE_CHROMIUM)(title, () => {
  let engine: Engine;
  let server: ApiServer;
  let rtmp: RtmpServer;
  let browser: Browser;
  let page: Page;
  const uiDir = mkdtempSync(join(tmpdir(), 'cutline-ui-'));
  const work = mkdtempSync(join(tmpdir(), 'cutline-ui-e2e-'));
  let consoleErrors: string[] = [];

  const state = async () => (await (await fetch(`${server.url}/api/v1/state`)).json()) as EngineState;
  /** Average colour of a region of the program monitor's live video, in fractions of the picture. */
  const monitorColor = (x: number, y: number, w: number, h: number) =>
    page.evaluate(
      ([x, y, w, h]) => {
        const video = document.querySelector<HTMLVideoElement>('[data-monitor-video="program"]');
        if (!video || video.videoWidth === 0) return null;
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const g = canvas.getContext('2d')!;
        g.drawImage(video, 0, 0);
        const px = g.getImageData(Math.round(x * canvas.width), Math.round(y * canvas.height), Math.round(w * canvas.width), Math.round(h * canvas.height)).data;
        const sum = [0, 0, 0];
        for (let i = 0; i < px.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += px[i + c];
        const n = px.length / 4;
        return sum.map((v) => v / n);
      },
      [x, y, w, h] as const,
    );
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

  beforeAll(async () => {
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    // Build the UI as shipped (relative asset paths, CSP meta) into a private folder.
    await build({ configFile: resolve('vite.config.ts'), root: resolve('renderer'), logLevel: 'warn', build: { outDir: uiDir, emptyOutDir: true, sourcemap: false } });
    engine = await Engine.create({
      log: () => {},
      // Small and slow enough for a shared 2-core machine.
      // webrtc.programToken turns on the WHEP program output the program monitor plays.
      show: {
        name: 'UI e2e',
        output: { width: 640, height: 360, fps: 15, videoBitrateKbps: 600, keyframeIntervalS: 1 },
        webrtc: { programToken: MONITOR_TOKEN },
      },
    });
    server = new ApiServer(engine, { port: await freePort(), uiDir });
    await server.listen();
    rtmp = await startNodeMediaServer();
    ({ browser, page, consoleErrors } = await launchDesk());
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    await rtmp?.stop();
    rmSync(uiDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('loads the desk and connects to the engine over the WebSocket', async () => {
    await page.goto(server.url);
    await page.getByText('Engine connected').waitFor();
    await page.getByText('No sources yet').waitFor();
    await shot('01-empty-desk');
  });

  it('adds three test sources from the Sources panel', async () => {
    const tones = { red: 440, green: 660, blue: 880 };
    for (const [name, color] of Object.entries(COLORS)) {
      await page.getByRole('button', { name: '+ Add source' }).click();
      const form = page.getByRole('form', { name: 'Add source' });
      await form.getByLabel('Name').fill(`${name} cam`);
      await form.getByLabel('Colour').fill(color);
      await form.getByLabel('Tone Hz').fill(String(tones[name as keyof typeof tones]));
      await form.getByRole('button', { name: 'Add test pattern' }).click();
      await page.locator(`.tile[data-source="${name}-cam"]`).waitFor();
    }
    await waitUntil(async () => (await state()).sources.filter((s) => s.state === 'live').length === 3, 20_000, 'three live sources');
    await page.locator('.tile .badge-live').nth(2).waitFor();
    expect((await state()).show.sources.map((s) => s.id)).toEqual(['red-cam', 'green-cam', 'blue-cam']);
    await shot('02-three-sources');
  });

  it('puts them in a grid on preview with one click', async () => {
    await page.getByRole('button', { name: 'Grid', exact: true }).click();
    await waitUntil(async () => (await state()).show.preview?.preset === 'grid', 5000, 'grid on preview');
    expect((await state()).show.preview?.sources).toEqual(['red-cam', 'green-cam', 'blue-cam']);
    await expect.poll(() => page.locator('[data-monitor="preview"] .layout-box').count()).toBe(3);
    expect(await page.locator('.tile[data-tally="preview"]').count()).toBe(3);
    await shot('03-grid-on-preview');
  });

  it('puts the blue camera in the spotlight', async () => {
    await page.getByRole('button', { name: 'Spotlight', exact: true }).click();
    await page.getByRole('button', { name: 'Spotlight blue cam' }).click();
    await waitUntil(async () => {
      const p = (await state()).show.preview;
      return p?.preset === 'spotlight' && p.sources[0] === 'blue-cam';
    }, 5000, 'blue in the spotlight on preview');
    await expect.poll(() => page.locator('[data-monitor="preview"] .layout-box').first().getAttribute('data-source')).toBe('blue-cam');
    await shot('04-spotlight-on-preview');
  });

  it('takes preview to program with Space (fade); tally and the live program monitor follow', async () => {
    // The program monitor plays the engine's WHEP program output: an empty grid, black, so far.
    await expect.poll(() => monitorColor(0.3, 0.35, 0.15, 0.3), { timeout: 15_000 }).not.toBeNull();
    const before = (await monitorColor(0.3, 0.35, 0.15, 0.3))!;
    expect(colorDistance(before, [0, 0, 0]), `program before the take: ${before.map(Math.round)}`).toBeLessThan(40);
    // Focus is on the page, not on a button (mouse clicks leave no focus behind).
    await page.keyboard.press('Space');
    await waitUntil(async () => {
      const l = (await state()).show.layout;
      return l.preset === 'spotlight' && l.sources[0] === 'blue-cam';
    }, 5000, 'spotlight on program');
    await expect.poll(() => page.locator('[data-monitor="program"] .layout-box').first().getAttribute('data-source')).toBe('blue-cam');
    await expect.poll(() => page.locator('.tile[data-tally="program"]').count()).toBe(3);
    // The monitor's pixels: the spotlight's main cell (left three quarters) is the blue camera.
    await expect
      .poll(async () => colorDistance((await monitorColor(0.3, 0.35, 0.15, 0.3)) ?? [0, 0, 0], hexRgb(COLORS.blue)), { timeout: 5000 })
      .toBeLessThan(60);
    await shot('05-spotlight-on-program');
  });

  it('moves a fader: the API state and the meter follow, without long tasks', async () => {
    const meter = page.locator('[data-meter="red-cam"]');
    // Meters arrive about ten times a second on the fast path.
    const updates0 = Number((await meter.getAttribute('data-updates')) ?? 0);
    await sleep(2000);
    const updates1 = Number((await meter.getAttribute('data-updates')) ?? 0);
    expect(updates1 - updates0).toBeGreaterThanOrEqual(12);
    const before = Number(await meter.getAttribute('data-peak-db'));
    expect(before).toBeGreaterThan(-40);

    await page.evaluate(() => {
      const w = window as unknown as { __longTasks: number[] };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push(e.duration);
      }).observe({ type: 'longtask' });
    });
    // Drag the red fader from 0 dB down to about -20 dB (range -60..+20, bottom = -60).
    const fader = page.getByLabel('red cam gain in dB');
    const box = (await fader.boundingBox())!;
    const yFor = (db: number) => box.y + box.height * (1 - (db + 60) / 80);
    await page.mouse.move(box.x + box.width / 2, yFor(0));
    await page.mouse.down();
    for (let db = -2; db >= -20; db -= 2) await page.mouse.move(box.x + box.width / 2, yFor(db), { steps: 2 });
    await page.mouse.up();
    await waitUntil(async () => {
      const gain = (await state()).show.sources.find((s) => s.id === 'red-cam')?.gainDb ?? 0;
      return gain <= -17 && gain >= -23;
    }, 5000, 'red gain near -20 dB in the API state');
    const gain = (await state()).show.sources.find((s) => s.id === 'red-cam')!.gainDb;
    await expect.poll(async () => Number(await page.locator('[data-strip="red-cam"] .strip-db').getAttribute('data-gain-db'))).toBe(gain);
    await expect
      .poll(async () => Number(await meter.getAttribute('data-peak-db')), { timeout: 5000 })
      .toBeLessThan(before - 12);
    const longTasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
    expect(Math.max(0, ...longTasks), `long tasks: ${JSON.stringify(longTasks)}`).toBeLessThan(200);
    await shot('06-fader-down');
  });

  it('adds an RTMP destination with a masked key', async () => {
    await page.getByRole('button', { name: '+ Add', exact: true }).click();
    const form = page.getByRole('form', { name: 'Add destination' });
    await form.getByLabel('Service').selectOption('custom-rtmp');
    await form.getByLabel('Name').fill('Local RTMP');
    await form.getByLabel('URL').fill(`${rtmp.url}/live`);
    const key = form.getByLabel('Stream key');
    await key.fill(STREAM_KEY);
    expect(await key.getAttribute('type')).toBe('password');
    await shot('07-add-destination-form');
    await form.getByRole('button', { name: 'Add destination' }).click();
    const row = page.locator('[data-destination="local-rtmp"]');
    await row.waitFor();
    await expect.poll(() => row.getAttribute('data-state')).toBe('idle');
    // The key is never shown in full anywhere on the page.
    expect(await page.content()).not.toContain(STREAM_KEY);
  });

  it('goes live, shows it live, and the spotlight reaches the RTMP server', async () => {
    const row = page.locator('[data-destination="local-rtmp"]');
    await row.getByRole('button', { name: 'Go live' }).click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 20_000 }).toBe('live');
    await waitUntil(() => rtmp.publishes.size > 0, 5000, 'a publish on the RTMP server');
    expect([...rtmp.publishes.keys()]).toEqual([`/live/${STREAM_KEY}`]);
    await expect.poll(async () => Number.parseInt((await row.locator('[data-stat="bitrate"]').textContent()) ?? '0', 10), { timeout: 8000 }).toBeGreaterThan(50);
    await shot('08-live');

    // Sample the program's pixels as the RTMP server serves them: blue fills the big cell.
    const file = join(work, 'program.flv');
    const pull = pullRtmp(`${rtmp.url}/live/${STREAM_KEY}`, file);
    await sleep(3500);
    await pull.stop();
    const frame = await decodeFrameAt(file, 1.5, 640, 360);
    // Spotlight: the main cell is the left three quarters; sample its middle.
    const main = averageRgb(frame, 160, 120, 160, 120);
    expect(colorDistance(main, hexRgb(COLORS.blue)), `main cell colour ${main.map(Math.round)}`).toBeLessThan(60);
  });

  it('stops the destination only after confirmation', async () => {
    const row = page.locator('[data-destination="local-rtmp"]');
    await row.getByRole('button', { name: 'Stop' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    await shot('09-stop-confirmation');
    // Cancel first: still live.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await row.getAttribute('data-state')).toBe('live');
    await row.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toMatch(/^(stopped|idle)$/);
    expect((await state()).destinations.find((d) => d.id === 'local-rtmp')?.state).toMatch(/^(stopped|idle)$/);
    await shot('10-stopped');
  });

  it('invites a guest: a guest source appears and its link opens the guest page', async () => {
    await page.getByRole('button', { name: 'Invite guest' }).click();
    await page.getByLabel('Guest name').fill('Remote guest');
    await page.getByRole('button', { name: 'Create link' }).click();
    const link = await page.getByLabel('Guest link').inputValue();
    expect(link).toMatch(/\/guest\/[A-Za-z0-9_-]+#token=/);
    expect((await fetch(link.split('#')[0])).status).toBe(200);
    await shot('11-guest-invite');
    await page.getByRole('button', { name: 'Close' }).click();
    await page.locator('.tile', { hasText: 'Remote guest' }).waitFor();
    const guest = (await state()).show.sources.find((s) => s.kind === 'guest' && s.label === 'Remote guest');
    expect(guest).toBeTruthy();

    // Revoke the link from the sources panel: confirmation, then the guest is gone and the link dead.
    await page.locator(`[data-source="${guest?.id}"]`).getByRole('button', { name: 'Link' }).click();
    await page.getByRole('button', { name: 'Revoke link' }).click();
    await page.getByRole('alertdialog').getByText(/stop working/).waitFor();
    await shot('12-guest-revoke-confirm');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke link' }).click();
    // Its tile and its sources row both carry data-source: wait for none (waitFor wants one element).
    await expect.poll(() => page.locator(`[data-source="${guest?.id}"]`).count()).toBe(0);
    expect((await state()).show.sources.some((s) => s.id === guest?.id)).toBe(false);
    expect((await fetch(link.split('#')[0])).status).toBe(404);
  });

  it('reopens a saved show from the recent list in the Open dialog', async () => {
    const rehearsal = join(work, 'rehearsal.json');
    const final = join(work, 'ui-e2e-show.json');
    // Save as… twice: both paths are recorded, the newest first.
    for (const path of [rehearsal, final]) {
      await page.getByRole('button', { name: 'Save as…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Save the show' });
      await dialog.getByLabel('Save path').fill(path);
      await dialog.getByRole('button', { name: 'Save', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      await waitUntil(() => existsSync(path), 5000, `${path} written`);
    }
    // The rehearsal file is moved away since: it can no longer be opened.
    rmSync(rehearsal);

    // Another show: New (nothing unsaved, nothing running, so no question).
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await waitUntil(async () => (await state()).show.sources.length === 0, 10_000, 'an empty new show');
    await page.getByText('No sources yet').waitFor();

    await page.getByRole('button', { name: 'Open…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Open a show' });
    const entries = dialog.locator('.recent-show');
    await expect.poll(() => entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-recent-path')))).toEqual([final, rehearsal]);
    expect(await entries.first().locator('.recent-file').textContent()).toBe('ui-e2e-show.json');
    expect(await entries.first().locator('.recent-path').textContent()).toBe(final);
    await shot('13-open-recent-shows');

    // The moved file: the engine's error stays under it, with a way to take it off the list.
    await dialog.getByRole('button', { name: `Open ${rehearsal}` }).click();
    const gone = dialog.locator(`[data-recent-path="${rehearsal}"]`);
    await expect.poll(() => gone.getByRole('alert').textContent()).toMatch(/the show file .*file not found/);
    await shot('14-open-recent-missing');
    await gone.getByRole('button', { name: 'Remove from list' }).click();
    await gone.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => localStorage.getItem('cutline.recentShows.v1'))).toBe(JSON.stringify([final]));

    // One click opens the saved show again.
    await dialog.getByRole('button', { name: `Open ${final}` }).click();
    await dialog.waitFor({ state: 'detached' });
    await waitUntil(async () => (await state()).show.sources.length === 3, 10_000, 'the saved show loaded');
    const loaded = await state();
    expect(loaded.show.name).toBe('UI e2e');
    expect(loaded.show.sources.map((s) => s.id)).toEqual(['red-cam', 'green-cam', 'blue-cam']);
    expect(loaded.show.destinations.map((d) => d.id)).toEqual(['local-rtmp']);
    await page.locator('.tile[data-source="blue-cam"]').waitFor();
    expect(await page.locator('.show-name').getAttribute('title')).toBe(final);
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
