/**
 * The desk runs the whole show (issue #12), end to end: the built web UI in Debian Chromium against
 * a real engine and API server and a real RTMP server (node-media-server). Each step is done with
 * clicks in the new panels and checked where a viewer would see it: the program's pixels (the
 * program monitor plays the engine's WHEP program output), the preview monitor's pixels, ffprobe
 * at the RTMP server, and real objects sockets for viewers. Screenshots: test-artifacts/ui/show-*.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Engine } from '../../electron/engine/Engine.ts';
import { ApiServer } from '../../electron/engine/server/ApiServer.ts';
import type { EngineState } from '../../shared/protocol.ts';
import { CHROMIUM, HAVE_CHROMIUM, launchDesk } from '../helpers/chromium.ts';
import { colorDistance, hexRgb, probeStreams } from '../helpers/media.ts';
import { httpClient } from '../helpers/objects.ts';
import { freePort, type RtmpServer, startNodeMediaServer, waitUntil } from '../helpers/servers.ts';

const ARTIFACTS = resolve('test-artifacts/ui');
const MONITOR_TOKEN = 'monitor-token-desk-show';
const STREAM_KEY = 'desk-show-key-8c1d';
/** The one camera: a flat mid grey, so any graphic over it changes the pixels clearly. */
const CAMERA = '#707070';
/** The overlays' default accent (shared/objects.ts theme): poll bars are drawn in it. */
const ACCENT = '#f2b705';

/** A viewer on the objects WebSocket, as an audience page would be. */
interface ObjectsSocket {
  ws: WebSocket;
  closed: Promise<number>;
  request(command: string, params: unknown): Promise<{ ok: boolean; result?: unknown; error?: { message: string } }>;
}
/** The token as a browser sends it: the `cutline.token.` subprotocol beside `cutline.v1`, never in the URL. */
const tokenProtocols = (token: string) => ['cutline.v1', `cutline.token.${Buffer.from(token).toString('base64url')}`];
async function openObjectsSocket(wsUrl: string, token: string): Promise<ObjectsSocket> {
  const ws = new WebSocket(wsUrl, tokenProtocols(token));
  let next = 1;
  const pending = new Map<number, (reply: { ok: boolean; result?: unknown; error?: { message: string } }) => void>();
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as { type: string; requestId?: number; ok: boolean; result?: unknown; error?: { message: string } };
    if (m.type === 'response' && m.requestId !== undefined) pending.get(m.requestId)?.(m);
  });
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  await new Promise<void>((resolveOpen, reject) => {
    ws.once('open', () => resolveOpen());
    ws.once('error', reject);
  });
  return {
    ws,
    closed,
    request: (command, params) =>
      new Promise((r) => {
        const requestId = next++;
        pending.set(requestId, r);
        ws.send(JSON.stringify({ type: 'request', requestId, command, params }));
      }),
  };
}

const title = HAVE_CHROMIUM
  ? 'the desk runs the show: graphics, poll, chat on screen, settings, audience links'
  : `the desk runs the show (SKIPPED: ${CHROMIUM} is missing; install Debian's chromium package to run it)`;

describe.skipIf(!HAVE_CHROMIUM)(title, () => {
  let engine: Engine;
  let server: ApiServer;
  let rtmp: RtmpServer;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[] = [];
  const sockets: ObjectsSocket[] = [];
  const uiDir = mkdtempSync(join(tmpdir(), 'cutline-desk-show-ui-'));
  const api = () => httpClient(server.url);
  const state = async () => (await (await fetch(`${server.url}/api/v1/state`)).json()) as EngineState;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `show-${name}.png`) });

  /** Pixels of the live program monitor (the engine's WHEP program output), region in fractions. */
  const programPixels = (x: number, y: number, w: number, h: number) =>
    page.evaluate(
      ([x, y, w, h]) => {
        const video = document.querySelector<HTMLVideoElement>('[data-monitor-video="program"]');
        if (!video || video.videoWidth === 0) return null;
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const g = canvas.getContext('2d')!;
        g.drawImage(video, 0, 0);
        return Array.from(g.getImageData(Math.round(x * canvas.width), Math.round(y * canvas.height), Math.round(w * canvas.width), Math.round(h * canvas.height)).data);
      },
      [x, y, w, h] as const,
    );
  /** The preview monitor's pixels: its region of the monitor mosaic. */
  const previewPixels = (x: number, y: number, w: number, h: number) =>
    page.evaluate(
      ([x, y, w, h]) => {
        const video = document.querySelector<HTMLVideoElement>('[data-mosaic-video="preview"] video');
        if (!video || video.videoWidth === 0) return null;
        const [rx, ry, rw, rh] = (video.dataset.region ?? '').split(',').map(Number);
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const g = canvas.getContext('2d')!;
        g.drawImage(video, 0, 0);
        return Array.from(g.getImageData(Math.round(rx + x * rw), Math.round(ry + y * rh), Math.max(1, Math.round(w * rw)), Math.max(1, Math.round(h * rh))).data);
      },
      [x, y, w, h] as const,
    );
  /** Fraction of RGBA pixels within `tolerance` of a colour. */
  const share = (px: number[] | null, hex: string, tolerance = 60) => {
    if (!px) return 0;
    const target = hexRgb(hex);
    let hits = 0;
    for (let i = 0; i < px.length; i += 4) if (colorDistance([px[i], px[i + 1], px[i + 2]], target) < tolerance) hits++;
    return hits / (px.length / 4);
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await build({ configFile: resolve('vite.config.ts'), root: resolve('renderer'), logLevel: 'warn', build: { outDir: uiDir, emptyOutDir: true, sourcemap: false } });
    rtmp = await startNodeMediaServer();
    engine = await Engine.create({
      log: () => {},
      // Small and cheap for a shared 2-core machine until Settings asks for 1080p.
      show: {
        name: 'Desk show e2e',
        output: { width: 640, height: 360, fps: 15, videoBitrateKbps: 600, keyframeIntervalS: 1, x264Preset: 'ultrafast' },
        sources: [{ id: 'cam', kind: 'testPattern', label: 'Ada Camera', color: CAMERA }],
        layout: { preset: 'solo', sources: ['cam'] },
        webrtc: { programToken: MONITOR_TOKEN },
      },
    });
    server = new ApiServer(engine, { port: await freePort(), uiDir });
    await server.listen();
    ({ browser, page, consoleErrors } = await launchDesk());
  }, 90_000);

  afterAll(async () => {
    for (const s of sockets) s.ws.terminate();
    await browser?.close();
    await server?.close();
    await engine?.close();
    await rtmp?.stop();
    rmSync(uiDir, { recursive: true, force: true });
  });

  it('loads the desk; the program monitor plays the grey camera', async () => {
    await page.goto(server.url);
    await page.getByText('Engine connected').waitFor();
    await expect.poll(async () => share(await programPixels(0.3, 0.3, 0.4, 0.3), CAMERA, 30), { timeout: 20_000 }).toBeGreaterThan(0.9);
  });

  it('puts a lower third up from the Graphics panel: cued on preview first, then on air, then gone', async () => {
    await page.getByRole('tab', { name: 'Graphics' }).click();
    await page.getByRole('button', { name: '+ Add graphic' }).click();
    const form = page.getByRole('form', { name: 'Add graphic' });
    await form.getByLabel('Name').fill('Ada Lovelace');
    await form.getByLabel('Title').fill('First programmer');
    await form.getByRole('button', { name: 'Add graphic' }).click();
    const row = page.locator('[data-overlay="lowerthird"]');
    await row.waitFor();
    // Its thumbnail is the engine's own drawing of it.
    await expect.poll(() => row.locator('[data-thumb]').getAttribute('data-thumb-source')).toBe('engine');
    expect(await row.getAttribute('data-state')).toBe('hidden');
    // The lower third's box (shared/objects.ts defaults: x .05, y .74, w .5, h .13), inset.
    const box = [0.08, 0.76, 0.4, 0.09] as const;
    const off = async () => share(await programPixels(...box), CAMERA, 30);

    // Cued: in the preview monitor, not on program.
    await row.getByRole('button', { name: 'Preview' }).click();
    await expect.poll(() => row.getAttribute('data-state')).toBe('cued');
    await expect.poll(async () => share(await previewPixels(...box), CAMERA, 30), { timeout: 15_000 }).toBeLessThan(0.5);
    expect(await off()).toBeGreaterThan(0.9);
    await shot('01-lower-third-cued-on-preview');

    await row.getByRole('button', { name: 'Show lowerthird' }).click();
    await expect.poll(() => row.getAttribute('data-state')).toBe('on air');
    await expect.poll(off, { timeout: 10_000 }).toBeLessThan(0.5);
    const spec = (await state()).show.overlays.find((o) => o.id === 'lowerthird');
    expect(spec).toMatchObject({ kind: 'lowerThird', name: 'Ada Lovelace', title: 'First programmer', visible: true, onPreview: false });
    await shot('02-lower-third-on-air');

    await row.getByRole('button', { name: 'Hide lowerthird' }).click();
    await expect.poll(off, { timeout: 10_000 }).toBeGreaterThan(0.9);
    await shot('03-lower-third-hidden');

    // Bad input: a text file as a logo. The engine's own message shows on its row; nothing on air changes.
    await page.getByRole('button', { name: '+ Add graphic' }).click();
    await form.getByLabel('Kind').selectOption('image');
    await form.getByLabel('New image file').setInputFiles({ name: 'logo.txt', mimeType: 'text/plain', buffer: Buffer.from('this is not a picture') });
    await form.getByText(/file chosen/).waitFor();
    await form.getByRole('button', { name: 'Add graphic' }).click();
    const logo = page.locator('[data-overlay="image"]');
    await expect.poll(() => logo.locator('.row-message').textContent(), { timeout: 10_000 }).toMatch(/^Could not load image for overlay "image": /);
    await logo.getByRole('button', { name: 'Show image' }).click();
    await expect.poll(() => logo.getAttribute('data-state')).toBe('on air');
    expect(share(await programPixels(0.1, 0.1, 0.8, 0.8), CAMERA, 30)).toBeGreaterThan(0.9);
    await shot('03b-not-an-image');
    await logo.getByRole('button', { name: 'Remove image' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => logo.count()).toBe(0);
  });

  it('runs a poll: three viewer sockets vote, the desk shows the bars, the results go on air', async () => {
    await page.getByRole('tab', { name: 'Interaction' }).click();
    await page.getByRole('tab', { name: 'Poll' }).click();
    const form = page.getByRole('form', { name: 'New poll' });
    await form.getByLabel('Question').fill('Best language?');
    await form.getByLabel('Option 1', { exact: true }).fill('TypeScript');
    await form.getByLabel('Option 2', { exact: true }).fill('Rust');
    await form.getByRole('button', { name: '+ Option' }).click();
    await form.getByLabel('Option 3', { exact: true }).fill('C');
    await form.getByRole('button', { name: 'Open poll' }).click();
    await page.locator('[data-poll-status="open"]').waitFor();

    const issued = (await api().command('object.issueToken', { role: 'viewer', label: 'poll audience' })).result as { wsUrl: string; token: string };
    for (const option of [0, 0, 1]) {
      const viewer = await openObjectsSocket(issued.wsUrl, issued.token);
      sockets.push(viewer);
      const reply = await viewer.request('object.op', { id: 'poll', op: 'vote', args: { voter: 'anyone', option } });
      expect(reply.ok, JSON.stringify(reply.error)).toBe(true);
    }
    await expect.poll(() => page.locator('.bars [data-option="0"]').getAttribute('data-votes')).toBe('2');
    expect(await page.locator('.bars [data-option="1"]').getAttribute('data-votes')).toBe('1');
    expect(await page.locator('.bars [data-option="2"]').getAttribute('data-votes')).toBe('0');
    expect(await page.locator('.bars [data-option="0"] .bar-fill').evaluate((el) => (el as HTMLElement).style.width)).toBe('67%');
    await shot('04-poll-bars-in-desk');

    // The poll overlay's box (x .6, y .2, w .36, h .4): no accent-coloured bars before, bars after.
    const pollBox = [0.6, 0.2, 0.36, 0.4] as const;
    expect(share(await programPixels(...pollBox), ACCENT)).toBeLessThan(0.005);
    await page.getByRole('button', { name: 'Results on screen' }).click();
    await expect.poll(async () => share(await programPixels(...pollBox), ACCENT), { timeout: 10_000 }).toBeGreaterThan(0.02);
    await shot('05-poll-results-on-air');
    await page.getByRole('button', { name: 'Off screen' }).click();
    await expect.poll(async () => share(await programPixels(...pollBox), ACCENT), { timeout: 10_000 }).toBeLessThan(0.005);
  });

  it('puts a viewer’s chat message on air as a card from the desk, and takes it off', async () => {
    await page.getByRole('tab', { name: 'Chat' }).click();
    // The desk's first post creates the show's chat.
    await page.getByLabel('Message', { exact: true }).fill('Welcome, everyone');
    await page.getByRole('form', { name: 'Post to chat' }).getByRole('button', { name: 'Post' }).click();
    await page.locator('.chat-row').first().waitFor();
    const issued = (await api().command('object.issueToken', { role: 'guest', label: 'Grace' })).result as { wsUrl: string; token: string };
    const guest = await openObjectsSocket(issued.wsUrl, issued.token);
    sockets.push(guest);
    const posted = await guest.request('object.op', { id: 'chat', op: 'post', args: { author: 'someone else', text: 'Greetings from the guest socket' } });
    expect(posted.ok, JSON.stringify(posted.error)).toBe(true);
    // Newest first; the guest token's label is the author (the socket cannot choose its name).
    await expect.poll(() => page.locator('.chat-row').first().locator('.chat-text').textContent()).toBe('Greetings from the guest socket');
    expect(await page.locator('.chat-row').first().locator('.chat-author').textContent()).toBe('Grace');

    const cardBox = [0.08, 0.72, 0.4, 0.09] as const;
    expect(share(await programPixels(...cardBox), CAMERA, 30)).toBeGreaterThan(0.9);
    await page.getByRole('button', { name: 'Show on screen: Grace' }).click();
    await expect.poll(async () => share(await programPixels(...cardBox), CAMERA, 30), { timeout: 10_000 }).toBeLessThan(0.5);
    const card = (await state()).show.overlays.find((o) => o.id === 'chat-message-onair');
    expect(card).toMatchObject({ kind: 'lowerThird', name: 'Grace', title: 'Greetings from the guest socket', visible: true });
    await page.locator('.chat-row.on-air').waitFor();
    await shot('06-chat-message-on-air');
    await page.getByRole('button', { name: 'Take off screen' }).click();
    await expect.poll(async () => share(await programPixels(...cardBox), CAMERA, 30), { timeout: 10_000 }).toBeGreaterThan(0.9);

    // Moderation: block the guest from the desk; its socket closes and it is refused with the reason.
    await page.getByRole('button', { name: 'Block Grace' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Block' }).click();
    expect(await guest.closed).toBe(4403);
    const refused = await new Promise<{ status: number; body: string }>((r) => {
      const ws = new WebSocket(issued.wsUrl, tokenProtocols(issued.token));
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => r({ status: res.statusCode ?? 0, body }));
      });
      ws.on('open', () => r({ status: 101, body: '' }));
      ws.on('error', () => {});
    });
    expect(refused).toEqual({ status: 403, body: 'blocked by the producer: breaking the chat rules' });
    await shot('07-chat-author-blocked');
  });

  it('keeps score in a kv object from the desk and puts the scoreboard on air', async () => {
    await page.getByRole('tab', { name: 'Score' }).click();
    for (const team of ['home', 'away']) {
      await page.getByLabel('Team or player').fill(team);
      await page.getByRole('form', { name: 'Add a score' }).getByRole('button', { name: 'Add' }).click();
      await page.locator(`[data-score="${team}"]`).waitFor();
    }
    await page.getByRole('button', { name: 'home plus one' }).click();
    await expect.poll(() => page.locator('[data-score="home"] .score-value').textContent()).toBe('1');
    await page.getByRole('button', { name: 'home plus one' }).click();
    await expect.poll(async () => ((await api().command('object.get', { id: 'score' })).result as { state: { entries: Record<string, number> } }).state.entries).toEqual({ home: 2, away: 0 });
    const scoreBox = [0.04, 0.05, 0.26, 0.16] as const;
    expect(share(await programPixels(...scoreBox), ACCENT)).toBeLessThan(0.005);
    await page.getByRole('button', { name: 'Show on screen' }).click();
    await expect.poll(async () => share(await programPixels(...scoreBox), ACCENT), { timeout: 10_000 }).toBeGreaterThan(0.01);
    await shot('07b-scoreboard-on-air');
    await page.getByRole('button', { name: 'Off screen' }).click();
    await expect.poll(async () => share(await programPixels(...scoreBox), ACCENT), { timeout: 10_000 }).toBeLessThan(0.005);
  });

  it('changes the program to 1920×1080 from Settings while an RTMP destination is live; the server gets 1080p', async () => {
    const url = `${rtmp.url}/live`;
    expect((await api().command('destination.add', { id: 'rtmp', kind: 'rtmp', label: 'Local RTMP', url, streamKey: STREAM_KEY })).ok).toBe(true);
    expect((await api().command('destination.start', { id: 'rtmp' })).ok).toBe(true);
    await waitUntil(async () => (await state()).destinations[0]?.state === 'live', 20_000, 'the destination live');
    const before = (await probeStreams(`${url}/${STREAM_KEY}`)).find((s) => s.codec_type === 'video');
    expect([before?.width, before?.height]).toEqual([640, 360]);

    await page.getByRole('tab', { name: 'Settings' }).click();
    const form = page.getByRole('form', { name: 'Output settings' });
    await form.getByLabel('Size').selectOption('1920x1080');
    await expect.poll(() => form.locator('[data-live-warning="true"]').textContent()).toContain('1 live destination reconnect');
    await form.getByRole('button', { name: 'Apply output' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Changing the size restarts the encoder');
    await shot('08-settings-size-confirmation');
    await dialog.getByRole('button', { name: 'Apply and reconnect' }).click();
    await waitUntil(async () => (await state()).program.width === 1920, 20_000, 'the program at 1920 wide');
    await waitUntil(async () => (await state()).destinations[0]?.state === 'live', 30_000, 'the destination live again');
    await expect
      .poll(async () => {
        const video = (await probeStreams(`${url}/${STREAM_KEY}`).catch(() => [])).find((s) => s.codec_type === 'video');
        return video ? `${video.width}x${video.height}` : 'none';
      }, { timeout: 30_000, interval: 1000 })
      .toBe('1920x1080');
    // Only the size changed, and nothing else on air: the other settings kept, graphics still off.
    expect((await state()).show.output).toMatchObject({ width: 1920, height: 1080, fps: 15, videoBitrateKbps: 600, keyframeIntervalS: 1, x264Preset: 'ultrafast' });
    await expect.poll(async () => share(await programPixels(0.3, 0.3, 0.4, 0.3), CAMERA, 30), { timeout: 15_000 }).toBeGreaterThan(0.9);
    const graphicsBoxes: [number, number, number, number][] = [
      [0.08, 0.72, 0.4, 0.13],
      [0.6, 0.2, 0.36, 0.4],
    ];
    for (const [x, y, w, h] of graphicsBoxes) expect(share(await programPixels(x, y, w, h), CAMERA, 30)).toBeGreaterThan(0.9);
    await shot('09-settings-1080p-live');
  });

  it('issues a viewer token from the Links tab, sees its connection, revokes it', async () => {
    await page.getByRole('tab', { name: 'Interaction' }).click();
    await page.getByRole('tab', { name: 'Links' }).click();
    const form = page.getByRole('form', { name: 'Issue a token' });
    await form.getByLabel('Label').fill('Website audience');
    await form.getByRole('button', { name: 'Issue token' }).click();
    const wsUrl = await page.getByLabel('Objects socket URL').inputValue();
    expect(wsUrl).toMatch(/\/objects\/ws$/);
    const viewer = await openObjectsSocket(wsUrl, await page.getByLabel('Objects token').inputValue());
    sockets.push(viewer);
    const row = page.locator('[data-token]').filter({ hasText: 'Website audience' });
    await expect.poll(() => row.locator('[data-connections]').getAttribute('data-connections'), { timeout: 8000 }).toBe('1');
    expect(await page.getByLabel('Viewer page link').inputValue()).toContain(`/viewer#token=${MONITOR_TOKEN}`);
    await page.locator('[data-blocked="token:tok-2"]').waitFor();
    await shot('10-token-issued');

    await row.getByRole('button', { name: 'Revoke Website audience' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke' }).click();
    expect(await viewer.closed).toBe(4401);
    await expect.poll(() => row.count()).toBe(0);
    const again = await new Promise<string>((r) => {
      const ws = new WebSocket(wsUrl);
      ws.on('unexpected-response', (_req, res) => r(String(res.statusCode)));
      ws.on('open', () => r('open'));
      ws.on('error', () => {});
    });
    expect(again).toBe('401');
    await shot('11-token-revoked');
  });

  it('shows the engine log and error history in Health, and the page logged no errors', async () => {
    // A destination nobody listens at: it fails and retries, and says so.
    expect((await api().command('destination.add', { id: 'nowhere', kind: 'rtmp', label: 'Nowhere', url: 'rtmp://127.0.0.1:9/live', streamKey: 'k-nowhere-1234' })).ok).toBe(true);
    expect((await api().command('destination.start', { id: 'nowhere' })).ok).toBe(true);
    await page.getByRole('tab', { name: 'Health' }).click();
    const history = page.locator('[data-history="destination nowhere"]');
    await expect.poll(() => history.locator('.row-message').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.locator('[data-history="destination rtmp"] .row-message').count()).toBe(0);
    await page.getByLabel('Level').selectOption('error');
    await page.getByLabel('Filter the log').fill('nowhere');
    const lines = await page.locator('.log-line').allTextContents();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toContain('nowhere');
    // The stream keys stay out of the log.
    expect(lines.join('\n')).not.toContain('k-nowhere-1234');
    expect((await page.locator('.log-lines').textContent()) ?? '').not.toContain(STREAM_KEY);
    await shot('12-health');
    await api().command('destination.stop', { id: 'nowhere' });
    expect(consoleErrors).toEqual([]);
  });
});
