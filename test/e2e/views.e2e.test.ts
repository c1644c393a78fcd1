/**
 * Views the audience chooses: two public programs of different colours, real Chromium on the
 * viewer page. The page lists both by name (GET /views), plays the first, and a click on the
 * other shows its pixels within a second (measured in the page, from the click to the first
 * composited frame of the new colour). A viewer token limited to one view lists only that one,
 * and a WHEP offer for the other is refused with 403 naming what it may watch; a token naming a
 * program the show lacks is refused at issue, a revoked one gets 401. Both views carry
 * the same poll in their SEI, so the overlay survives a switch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Engine } from '../../electron/engine/Engine.ts';
import { ApiServer } from '../../electron/engine/server/ApiServer.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromiumGuest.ts';
import { freePort } from '../helpers/servers.ts';

const PROGRAM_TOKEN = 'views-page-token-0123456789';
const RED = '#d02020';
const BLUE = '#2040d0';
const OUTPUT = { width: 320, height: 180, fps: 15, videoBitrateKbps: 300, keyframeIntervalS: 1, x264Preset: 'ultrafast' } as const;

interface ViewerWindow {
  cutlineViewer: {
    state: { phase: string; error: string | null; view: string | null; views: { id: string; name: string }[]; framesSeen: number; objects: Record<string, { version: number }> };
    switchTo(id: string): Promise<void>;
  };
}

/** In the page: the mean RGB of the video's centre now (drawn into a canvas). */
function centreColour(page: Page): Promise<[number, number, number]> {
  return page.evaluate(() => {
    const video = document.getElementById('video') as HTMLVideoElement;
    const canvas = document.createElement('canvas');
    canvas.width = 16;
    canvas.height = 16;
    const g = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
    g.drawImage(video, video.videoWidth / 2 - 8, video.videoHeight / 2 - 8, 16, 16, 0, 0, 16, 16);
    const d = g.getImageData(0, 0, 16, 16).data;
    const sum = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += d[i + c];
    return sum.map((v) => Math.round(v / (d.length / 4))) as [number, number, number];
  });
}

/**
 * Clicks the view's button and waits, every animation frame, until the picture of the page's
 * video (#video: the page swaps in a new element for a new view) is mostly that colour's dominant
 * channel; returns ms from the click.
 */
function clickAndTimeColour(page: Page, view: string, channel: 0 | 2, timeoutMs: number): Promise<number> {
  return page.evaluate(
    ({ view, channel, timeoutMs }) =>
      new Promise<number>((resolve, reject) => {
        const canvas = document.createElement('canvas');
        canvas.width = 8;
        canvas.height = 8;
        const g = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
        const started = performance.now();
        const check = () => {
          const video = document.getElementById('video') as HTMLVideoElement;
          if (video.videoWidth > 0) {
            g.drawImage(video, video.videoWidth / 2 - 4, video.videoHeight / 2 - 4, 8, 8, 0, 0, 8, 8);
            const d = g.getImageData(0, 0, 8, 8).data;
            let want = 0;
            let other = 0;
            for (let i = 0; i < d.length; i += 4) {
              want += d[i + channel];
              other += d[i + (2 - channel)];
            }
            if (want > 2 * other) return resolve(performance.now() - started);
          }
          if (performance.now() - started > timeoutMs) return reject(new Error(`view ${view} not seen within ${timeoutMs} ms`));
          requestAnimationFrame(check);
        };
        (document.querySelector(`#views button[data-view="${view}"]`) as HTMLButtonElement).click();
        requestAnimationFrame(check);
      }),
    { view, channel, timeoutMs },
  );
}

describe('views: the audience picks a program on the viewer page', () => {
  let engine: Engine;
  let server: ApiServer;
  let browser: Browser;
  let page: Page;
  let limitedToken: string;

  const viewer = () => page.evaluate(() => (window as unknown as ViewerWindow).cutlineViewer.state);

  beforeAll(async () => {
    engine = await Engine.create({
      log: () => {},
      show: {
        version: 2,
        output: OUTPUT,
        sources: [
          { id: 'red', kind: 'testPattern', color: RED, toneHz: 440 },
          { id: 'blue', kind: 'testPattern', color: BLUE, toneHz: 660 },
        ],
        layout: { preset: 'solo', sources: ['red'] },
        objects: [{ id: 'poll1', type: 'poll' }],
        webrtc: { programToken: PROGRAM_TOKEN },
        programs: [
          { id: 'main', name: 'Wide', output: OUTPUT, layout: { preset: 'solo', sources: ['red'] }, public: true },
          { id: 'close', name: 'Close-up', output: OUTPUT, layout: { preset: 'solo', sources: ['blue'] }, public: true },
          { id: 'backstage', name: 'Backstage', output: OUTPUT, layout: { preset: 'solo', sources: ['blue'] } },
        ],
      },
    });
    await engine.dispatch('object.op', { id: 'poll1', op: 'open', args: { question: 'Which angle?', options: ['Wide', 'Close'] } });
    server = new ApiServer(engine, { port: await freePort() });
    await server.listen();
    limitedToken = ((await engine.dispatch('object.issueToken', { role: 'viewer', label: 'close only', views: ['close'] })) as { token: string }).token;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    await page.goto(`${server.url}/viewer#token=${encodeURIComponent(PROGRAM_TOKEN)}`);
    await page.waitForFunction(() => ['playing', 'error'].includes((window as unknown as ViewerWindow).cutlineViewer?.state.phase), null, { timeout: 20_000 });
    const state = await viewer();
    if (state.phase !== 'playing') throw new Error(`viewer could not play: ${state.error}`);
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 0.3, null, { timeout: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
  });

  it('lists the public views by name (not the private program) and plays the first', async () => {
    const list = await fetch(`${server.url}/views`, { headers: { authorization: `Bearer ${PROGRAM_TOKEN}` } });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { views: { id: string; name: string; width: number; height: number; whep: string }[] };
    expect(body.views.map((v) => [v.id, v.name])).toEqual([['main', 'Wide'], ['close', 'Close-up']]);
    expect(body.views[1]).toMatchObject({ width: 320, height: 180, whep: '/views/close/whep' });
    expect(await page.$$eval('#views button', (els) => els.map((e) => e.textContent))).toEqual(['Wide', 'Close-up']);
    expect((await viewer()).view).toBe('main');
    const [r, , b] = await centreColour(page);
    expect(r).toBeGreaterThan(2 * b);
    const anonymous = await fetch(`${server.url}/views`);
    expect(anonymous.status).toBe(401);
  });

  it('switches views and shows the new one within a second, with the poll still drawn', async () => {
    await page.waitForSelector('.obj[data-object="poll1"] .opt', { timeout: 10_000 });
    const times: number[] = [];
    const steps: string[] = [];
    for (const [view, channel] of [['close', 2], ['main', 0], ['close', 2]] as const) {
      times.push(await clickAndTimeColour(page, view, channel, 5000));
      const after = (await page.evaluate(() => (window as unknown as ViewerWindow).cutlineViewer.state)) as unknown as { view: string; lastConnect: { answered: number; shown: number } };
      expect(after.view).toBe(view);
      steps.push(`answer ${after.lastConnect.answered} ms, track live ${after.lastConnect.shown} ms`);
      // Settle a little: the next switch starts from a playing view.
      await page.waitForTimeout(700);
    }
    console.log(`views: switch → new view's pixels in ${times.map((t) => Math.round(t)).join(', ')} ms (${steps.join('; ')})`);
    for (const t of times) expect(t).toBeLessThan(1000);
    // The poll rides in every view's SEI: after the switches it is still on the page, and a vote shows.
    const response = await fetch(`${server.url}/api/v1/commands/object.op`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'poll1', op: 'vote', args: { voter: 'ann', option: 1 }, clientId: 'ann' }),
    });
    expect(response.status).toBe(200);
    await page.waitForFunction(() => [...document.querySelectorAll('.obj[data-object="poll1"] .opt .pct')].map((e) => e.textContent).join() === '0%,100%', null, { timeout: 10_000 });
    expect(engine.webrtc.viewFeeds.seiSent('close')).toBeGreaterThan(0);
  });

  it('a token limited to one view lists only it and gets 403 for the other', async () => {
    const auth = { authorization: `Bearer ${limitedToken}` };
    const list = (await (await fetch(`${server.url}/views`, { headers: auth })).json()) as { views: { id: string }[] };
    expect(list.views.map((v) => v.id)).toEqual(['close']);
    const offer = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 H264/90000\r\na=recvonly\r\n';
    const refused = await fetch(`${server.url}/views/main/whep`, { method: 'POST', headers: { ...auth, 'content-type': 'application/sdp' }, body: offer });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/does not include the view "main".*"close"/);
    const privateOne = await fetch(`${server.url}/views/backstage/whep`, { method: 'POST', headers: { ...auth, 'content-type': 'application/sdp' }, body: offer });
    expect(privateOne.status).toBe(404);

    // And in the page: the limited viewer sees one button and cannot switch to the other.
    const limited = await browser.newPage();
    await limited.goto(`${server.url}/viewer#token=${encodeURIComponent(limitedToken)}`);
    await limited.waitForFunction(() => (window as unknown as ViewerWindow).cutlineViewer?.state.phase === 'playing', null, { timeout: 20_000 });
    expect(await limited.$$eval('#views button', (els) => els.map((e) => e.textContent))).toEqual(['Close-up']);
    const error = await limited.evaluate(() => (window as unknown as ViewerWindow).cutlineViewer.switchTo('main').then(() => 'switched', (e: Error) => e.message));
    expect(error).toMatch(/does not include the view "main"/);
    expect(await limited.evaluate(() => (window as unknown as ViewerWindow).cutlineViewer.state.view)).toBe('close');
    await limited.close();
  });

  it('refuses a token for a view the show does not have, and a revoked token watches nothing', async () => {
    await expect(engine.dispatch('object.issueToken', { role: 'viewer', views: ['clsoe'] })).rejects.toThrow(/views: no program "clsoe"; the show has main, close, backstage/);
    const issued = (await engine.dispatch('object.issueToken', { role: 'viewer' })) as { id: string; token: string };
    const auth = { authorization: `Bearer ${issued.token}` };
    // No `views`: every public view.
    const all = (await (await fetch(`${server.url}/views`, { headers: auth })).json()) as { views: { id: string }[] };
    expect(all.views.map((v) => v.id)).toEqual(['main', 'close']);
    await engine.dispatch('object.revokeToken', { id: issued.id });
    const after = await fetch(`${server.url}/views`, { headers: auth });
    expect(after.status).toBe(401);
    expect(await after.text()).toMatch(/wrong or revoked token/);
  });
});
