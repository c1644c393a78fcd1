/**
 * The guest page as a commentator sees it, in real Chromium against a real engine: the name they
 * type before joining becomes their source's label (and so their lower third), the tally says
 * whether they are off air, on preview or on program as the producer cuts, the microphone meter
 * moves with their voice (a tone), the return delay is shown, a camera the browser refuses gives
 * words to act on, and a bad name is refused. Screenshots in test-artifacts/ui/.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/Engine.ts';
import { ApiServer } from '../../electron/engine/server/ApiServer.ts';
import type { GuestInvite } from '../../electron/engine/webrtc/WebRtcGateway.ts';
import { CHROMIUM, CHROMIUM_BASE_ARGS } from '../helpers/chromium.ts';
import { fakeMedia, type Guest, type GuestWindow, launchGuest } from '../helpers/chromiumGuest.ts';
import { freePort, waitUntil } from '../helpers/servers.ts';
import { guestPublicId } from '../helpers/guestUrls.ts';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'ui');

describe('the guest page: name, tally, mic meter, return delay, device errors', () => {
  let engine: Engine;
  let server: ApiServer;
  let invite: GuestInvite;
  let guest: Guest;
  const dir = mkdtempSync(join(tmpdir(), 'cutline-guestpage-'));

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    engine = await Engine.create({
      log: () => {},
      show: {
        name: 'guest page',
        output: { width: 640, height: 360, fps: 30, x264Preset: 'ultrafast', keyframeIntervalS: 1 },
        sources: [{ id: 'bars', kind: 'testPattern', color: '#204060' }],
        layout: { preset: 'solo', sources: ['bars'] },
      },
    });
    server = new ApiServer(engine, { port: await freePort() });
    await server.listen();
    invite = (await engine.dispatch('guest.invite', { label: 'Guest 1' })) as GuestInvite;
    guest = await launchGuest(fakeMedia(dir, 'ana', '#d03020', 660));
  });

  afterAll(async () => {
    await guest?.browser.close();
    await server?.close();
    await engine?.close();
  });

  const phase = () => guest.page.evaluate(() => (window as unknown as GuestWindow).cutlineGuest.state.phase);
  const tally = () => guest.page.textContent('#tally');

  it('joins under the name typed before joining, and the source is labelled with it', async () => {
    await guest.page.goto(invite.guestPageUrl);
    await waitUntil(async () => (await phase()) === 'ready', 15_000, 'page ready');
    expect(await guest.page.inputValue('#name')).toBe('Guest 1');
    await guest.page.fill('#name', 'Ana Silva');
    await guest.page.click('#join');
    await waitUntil(async () => (await phase()) === 'joined', 15_000, 'joined');
    await waitUntil(() => engine.getSource(invite.id)?.status().state === 'live', 10_000, 'guest live');
    expect(engine.getSource(invite.id)?.status().label).toBe('Ana Silva');
    expect(await guest.page.textContent('h1')).toBe('Ana Silva');
  });

  it('the tally follows the producer: off air → on preview → on air', async () => {
    await waitUntil(async () => (await tally()) === 'Off air', 5000, 'off air');
    await engine.dispatch('preview.set', { preset: 'solo', sources: [invite.id] });
    await waitUntil(async () => (await tally())?.startsWith('On preview') ?? false, 5000, 'on preview');
    await guest.page.screenshot({ path: join(ARTIFACTS, 'guest-page-preview.png') });
    await engine.dispatch('program.take', { kind: 'cut' });
    await waitUntil(async () => (await tally()) === 'ON AIR', 5000, 'on air');
    expect(await guest.page.getAttribute('#tally', 'class')).toBe('program');
  });

  it('the microphone meter moves with the voice, and the return delay is shown', async () => {
    await waitUntil(() => guest.page.evaluate(() => ((window as unknown as { cutlineGuest: { state: { micLevel: number } } }).cutlineGuest.state.micLevel ?? 0) > 0.3), 5000, 'mic level');
    await waitUntil(async () => /return delay ≈ \d+ ms/.test((await guest.page.textContent('#returnDelay')) ?? ''), 10_000, 'return delay shown');
    const ms = await guest.page.evaluate(() => (window as unknown as { cutlineGuest: { state: { returnDelayMs: number } } }).cutlineGuest.state.returnDelayMs);
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(1000);
    await guest.page.screenshot({ path: join(ARTIFACTS, 'guest-page-on-air.png') });
  });

  it('refuses a name with markup or control characters, with the rule', async () => {
    const res = await fetch(`${server.url}/guest/${guestPublicId(invite)}/name`, {
      method: 'POST',
      headers: { authorization: `Bearer ${invite.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '<script>x</script>' }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('1 to 60 printable characters');
    const wrongToken = await fetch(`${server.url}/guest/${guestPublicId(invite)}/status`, { headers: { authorization: 'Bearer nope' } });
    expect(wrongToken.status).toBe(401);
    expect(engine.getSource(invite.id)?.status().label).toBe('Ana Silva');
  });

  it('a camera the browser refuses says what to do', async () => {
    // No --use-fake-ui-for-media-stream: headless Chromium denies the permission prompt.
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_BASE_ARGS, '--use-fake-device-for-media-stream'] });
    try {
      const page = await browser.newPage();
      await page.goto(invite.guestPageUrl);
      await page.waitForFunction(() => (document.getElementById('deviceError')?.textContent ?? '') !== '', null, { timeout: 15_000 });
      expect(await page.textContent('#deviceError')).toContain('blocked for this page');
      await page.screenshot({ path: join(ARTIFACTS, 'guest-page-camera-blocked.png') });
    } finally {
      await browser.close();
    }
  });
});
