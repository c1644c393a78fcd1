/**
 * The desk's live monitors in Debian Chromium against a real engine: the preview monitor and the
 * multiview tiles are cut out of ONE WHEP video, the engine's monitor mosaic (`/whep/monitors`).
 * Their pixels are sampled from the video and must show the right sources' colours; a preview
 * change must show in the preview monitor; only one mosaic session/encode serves them all.
 * Screenshots go to test-artifacts/ui/ (monitors-*.png).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/Engine.ts';
import { ApiServer } from '../../electron/engine/server/ApiServer.ts';
import { mosaicPreviewRect, mosaicTileRect } from '../../shared/monitorMosaic.ts';
import { colorDistance, hexRgb } from '../helpers/media.ts';
import { CHROMIUM, HAVE_CHROMIUM, launchDesk } from '../helpers/chromium.ts';
import { freePort, waitUntil } from '../helpers/servers.ts';

const ARTIFACTS = resolve('test-artifacts/ui');
const COLORS = { red: '#c03030', green: '#30a050', blue: '#3050c0' };
const MONITOR_TOKEN = 'monitor-token-0123';

const title = HAVE_CHROMIUM
  ? 'live preview and multiview monitors (one mosaic over WHEP) in Chromium'
  : `live preview and multiview monitors (SKIPPED: ${CHROMIUM} is missing; install Debian's chromium package to run it)`;

describe.skipIf(!HAVE_CHROMIUM)(title, () => {
  let engine: Engine;
  let server: ApiServer;
  let browser: Browser;
  let page: Page;
  const uiDir = mkdtempSync(join(tmpdir(), 'cutline-ui-'));
  let consoleErrors: string[] = [];

  /**
   * Average colour of a part of a mosaic view (selector of the `[data-mosaic-video]` wrapper), in
   * fractions of the region that view shows: read from the decoded video frame, not the screen.
   */
  const viewColor = (view: string, x: number, y: number, w: number, h: number) =>
    page.evaluate(
      ([view, x, y, w, h]) => {
        const video = document.querySelector<HTMLVideoElement>(`[data-mosaic-video="${view}"] video`);
        if (!video || video.videoWidth === 0) return null;
        const [rx, ry, rw, rh] = (video.dataset.region ?? '').split(',').map(Number);
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const g = canvas.getContext('2d')!;
        g.drawImage(video, 0, 0);
        const px = g.getImageData(Math.round(rx + x * rw), Math.round(ry + y * rh), Math.max(1, Math.round(w * rw)), Math.max(1, Math.round(h * rh))).data;
        const sum = [0, 0, 0];
        for (let i = 0; i < px.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += px[i + c];
        const n = px.length / 4;
        return sum.map((v) => v / n);
      },
      [view, x, y, w, h] as const,
    );
  const distanceTo = async (hex: string, view: string, x: number, y: number, w: number, h: number) => {
    const c = await viewColor(view, x, y, w, h);
    return c ? colorDistance(c, hexRgb(hex)) : 999;
  };
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await build({ configFile: resolve('vite.config.ts'), root: resolve('renderer'), logLevel: 'warn', build: { outDir: uiDir, emptyOutDir: true, sourcemap: false } });
    engine = await Engine.create({
      log: () => {},
      show: {
        name: 'Monitors e2e',
        output: { width: 640, height: 360, fps: 15, videoBitrateKbps: 600, keyframeIntervalS: 1 },
        webrtc: { programToken: MONITOR_TOKEN },
        sources: Object.entries(COLORS).map(([name, color]) => ({ id: `${name}-cam`, kind: 'testPattern', label: `${name} cam`, color })),
        layout: { preset: 'solo', sources: ['red-cam'] },
        preview: { preset: 'sideBySide', sources: ['green-cam', 'blue-cam'] },
      },
    });
    server = new ApiServer(engine, { port: await freePort(), uiDir });
    await server.listen();
    ({ browser, page, consoleErrors } = await launchDesk());
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    rmSync(uiDir, { recursive: true, force: true });
  });

  it('program.monitor hands out the mosaic with its geometry', async () => {
    const result = (await engine.dispatch('program.monitor', {})) as {
      token: string;
      monitors: { whepPath: string; width: number; height: number; preview: object; tiles: { source: string }[] };
    };
    expect(result.token).toBe(MONITOR_TOKEN);
    expect(result.monitors).toMatchObject({ whepPath: '/whep/monitors', width: 960, height: 540, preview: mosaicPreviewRect(640, 360) });
    expect(result.monitors.tiles.map((t) => t.source)).toEqual(['red-cam', 'green-cam', 'blue-cam']);
    expect(result.monitors.tiles[0]).toMatchObject(mosaicTileRect(0)!);
    // Same token as the program; without it, 401.
    const res = await fetch(`${server.url}/whep/monitors`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: 'v=0' });
    expect(res.status).toBe(401);
  });

  it('the preview monitor plays the preview layout live (green | blue side by side)', async () => {
    await page.goto(server.url);
    await page.getByText('Engine connected').waitFor();
    await waitUntil(async () => (await (await fetch(`${server.url}/api/v1/state`)).json()).sources.every((s: { state: string }) => s.state === 'live'), 20_000, 'three live sources');
    await expect.poll(() => viewColor('preview', 0.2, 0.4, 0.1, 0.2), { timeout: 20_000 }).not.toBeNull();
    await expect.poll(() => distanceTo(COLORS.green, 'preview', 0.15, 0.4, 0.2, 0.2), { timeout: 8000 }).toBeLessThan(60);
    expect(await distanceTo(COLORS.blue, 'preview', 0.65, 0.4, 0.2, 0.2)).toBeLessThan(60);
    expect(await page.locator('[data-monitor="preview"] .monitor-layout').textContent()).toContain('video');
    await shot('monitors-01-preview-and-multiview');
  });

  it('each multiview tile shows its own source', async () => {
    for (const [name, color] of Object.entries(COLORS)) {
      await expect.poll(() => distanceTo(color, `tile-${name}-cam`, 0.25, 0.25, 0.5, 0.5), { timeout: 8000 }).toBeLessThan(60);
      const tile = page.locator(`.tile[data-source="${name}-cam"] .tile-picture`);
      await tile.screenshot({ path: join(ARTIFACTS, `monitors-02-tile-${name}.png`) });
    }
    // One mosaic session serves the preview and every tile.
    expect(engine.webrtc.monitorFeed.watched).toBe(true);
    await waitUntil(() => engine.webrtc.monitorFeed.framesComposed > 10, 5000, 'the mosaic composing');
  });

  it('the program monitor (its own WHEP stream) plays next to it: solo red', async () => {
    const programColor = () =>
      page.evaluate(() => {
        const video = document.querySelector<HTMLVideoElement>('[data-monitor-video="program"]');
        if (!video || video.videoWidth === 0) return null;
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const g = canvas.getContext('2d')!;
        g.drawImage(video, 0, 0);
        const px = g.getImageData(canvas.width / 4, canvas.height / 4, canvas.width / 2, canvas.height / 2).data;
        const sum = [0, 0, 0];
        for (let i = 0; i < px.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += px[i + c];
        return sum.map((v) => v / (px.length / 4));
      });
    await expect.poll(async () => colorDistance((await programColor()) ?? [0, 0, 0], hexRgb(COLORS.red)), { timeout: 15_000 }).toBeLessThan(60);
  });

  it('a preview change (solo red) shows in the preview monitor', async () => {
    await engine.dispatch('preview.set', { preset: 'solo', sources: ['red-cam'] });
    await expect.poll(() => distanceTo(COLORS.red, 'preview', 0.3, 0.3, 0.4, 0.4), { timeout: 5000 }).toBeLessThan(60);
    // Program (solo red) and the blue tile are untouched.
    expect(await distanceTo(COLORS.blue, 'tile-blue-cam', 0.25, 0.25, 0.5, 0.5)).toBeLessThan(60);
    await shot('monitors-03-preview-solo-red');
  });

  it('stops encoding the mosaic when nobody watches', async () => {
    await page.goto('about:blank');
    await waitUntil(() => !engine.webrtc.monitorFeed.watched, 15_000, 'the mosaic viewer gone');
    expect(engine.webrtc.monitorFeed.encoderPid).toBeUndefined();
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
