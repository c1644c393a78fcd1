/**
 * The viewer page: real Chromium opens `/viewer#token=…`, plays the program over WHEP and draws a
 * poll's percentages over the video from the Cutline SEI inside the return encode — the page never
 * asks the API for them (it only talks to /whep/program), and it counts the SEI records it read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Engine } from '../../electron/engine/Engine.ts';
import { ApiServer } from '../../electron/engine/server/ApiServer.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromiumGuest.ts';
import { freePort } from '../helpers/servers.ts';

const PROGRAM_TOKEN = 'viewer-page-token-0123456789';

interface ViewerWindow {
  cutlineViewer: {
    state: {
      phase: string;
      error: string | null;
      streams: string;
      framesSeen: number;
      seiFrames: number;
      seiRecords: number;
      appliedAtDisplay: number;
      appliedByTimeout: number;
      objects: Record<string, { version: number; pts: number; state: { options: { text: string; percent: number }[] } }>;
    };
  };
}

describe('viewer page: program over WHEP, poll drawn from the SEI in the video', () => {
  let engine: Engine;
  let server: ApiServer;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const changes: { id: string; version: number; pts: number | null }[] = [];

  const viewerState = () => page.evaluate(() => (window as unknown as ViewerWindow).cutlineViewer.state);
  const percents = () => page.$$eval('.obj[data-object="poll1"] .opt .pct', (els) => els.map((e) => e.textContent));
  const vote = async (voter: string, option: number) => {
    const response = await fetch(`${server.url}/api/v1/commands/object.op`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'poll1', op: 'vote', args: { voter, option }, clientId: voter }),
    });
    expect(response.status).toBe(200);
  };

  beforeAll(async () => {
    engine = await Engine.create({
      log: () => {},
      show: {
        output: { width: 320, height: 180, fps: 15, videoBitrateKbps: 300, keyframeIntervalS: 1, x264Preset: 'ultrafast' },
        sources: [{ id: 'bars', kind: 'testPattern', color: '#204060', toneHz: 440 }],
        layout: { preset: 'solo', sources: ['bars'] },
        objects: [{ id: 'poll1', type: 'poll' }],
        webrtc: { programToken: PROGRAM_TOKEN },
      },
    });
    engine.onAnyEvent((m) => {
      if (m.event === 'object.changed') changes.push(m.data as (typeof changes)[number]);
    });
    await engine.dispatch('object.op', { id: 'poll1', op: 'open', args: { question: 'Who wins tonight?', options: ['Red', 'Blue'] } });
    server = new ApiServer(engine, { port: await freePort() });
    await server.listen();
    const monitor = (await engine.dispatch('program.monitor', {})) as { whepPath: string; token: string };

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    page.on('request', (request) => requested.push(`${request.method()} ${new URL(request.url()).pathname}`));
    await page.goto(`${server.url}/viewer#token=${encodeURIComponent(monitor.token)}&whep=${encodeURIComponent(monitor.whepPath)}`);
    await page.waitForFunction(() => ['playing', 'error'].includes((window as unknown as ViewerWindow).cutlineViewer?.state.phase), null, { timeout: 20_000 });
    const state = await viewerState();
    if (state.phase !== 'playing') throw new Error(`viewer could not play: ${state.error}`);
    // Frames arrive and the video plays.
    await page.waitForFunction(() => (window as unknown as ViewerWindow).cutlineViewer.state.framesSeen > 15, null, { timeout: 20_000 });
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 0.5, null, { timeout: 20_000 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
  });

  it('serves the page and its script, with the token only in the fragment', async () => {
    const html = await fetch(`${server.url}/viewer`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const js = await fetch(`${server.url}/viewer/viewer.js`);
    expect(js.status).toBe(200);
    expect(await js.text()).toContain('createEncodedStreams');
  });

  it('a late viewer gets the poll from the keyframe repeat, then each vote from the SEI of its frame', async () => {
    // Joined after the poll opened: the state comes from the next keyframe's repeated record.
    await page.waitForSelector('.obj[data-object="poll1"] .opt', { timeout: 10_000 });
    expect(await percents()).toEqual(['0%', '0%']);
    const before = await viewerState();

    await vote('alice', 0);
    await page.waitForFunction(() => {
      const pcts = [...document.querySelectorAll('.obj[data-object="poll1"] .opt .pct')].map((e) => e.textContent);
      return pcts.join() === '100%,0%';
    }, null, { timeout: 10_000 });
    await vote('bob', 1);
    await vote('carol', 1);
    await vote('dave', 1);
    await page.waitForFunction(() => {
      const pcts = [...document.querySelectorAll('.obj[data-object="poll1"] .opt .pct')].map((e) => e.textContent);
      return pcts.join() === '25%,75%';
    }, null, { timeout: 10_000 });

    const after = await viewerState();
    const poll = after.objects.poll1;
    const truth = (await engine.dispatch('object.get', { id: 'poll1' })) as { version: number };
    expect(poll.version).toBe(truth.version);
    expect(poll.state.options.map((o) => o.percent)).toEqual([25, 75]);
    // Received in the video: SEI records counted by the page, applied when their frame showed.
    expect(after.seiRecords).toBeGreaterThanOrEqual(before.seiRecords + 4);
    expect(after.seiFrames).toBeGreaterThan(before.seiFrames);
    expect(after.appliedAtDisplay).toBeGreaterThan(0);
    expect(after.error).toBeNull();
    expect(engine.webrtc.returnFeed.seiSent).toBeGreaterThan(0);
    // The record rode in the return frame made from the program frame that first shows the change:
    // its pts (that frame's program pts) is the change's pts, or the next frame's if one was skipped.
    const change = changes.find((c) => c.id === 'poll1' && c.version === poll.version);
    expect(change?.pts).not.toBeNull();
    expect(poll.pts - (change?.pts ?? 0)).toBeGreaterThanOrEqual(0);
    expect(poll.pts - (change?.pts ?? 0)).toBeLessThanOrEqual(1000 / 15 + 1);
    // The page never asked the API: its only requests are the page, its script, its ICE servers (token-checked) and WHEP.
    const apiCalls = requested.filter((r) => !/^GET \/viewer(\/viewer\.js|\/ice)?$/.test(r) && !/^(POST|DELETE) \/whep\/program/.test(r));
    expect(apiCalls).toEqual([]);
    console.log(`viewer: ${after.framesSeen} frames, ${after.seiFrames} with SEI, ${after.seiRecords} records (${after.streams}); applied at display ${after.appliedAtDisplay}, by timeout ${after.appliedByTimeout}`);
  });
});
