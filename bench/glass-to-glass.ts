/**
 * Glass-to-glass latency of a WebRTC guest on loopback (not a test: run it by hand).
 *
 *   npx tsx bench/glass-to-glass.ts [seconds=20] [WxH=320x240]
 *
 * WxH is the guest's picture (a real webcam sends 640x360 to 1280x720; a frame that big spans many
 * RTP packets). Frames of the first second are skipped, of the first 10 s above 640 wide: Chromium
 * steps up to the full size while its bandwidth estimate grows.
 *
 * A real Chromium opens the guest page and publishes a canvas instead of a camera; the canvas
 * shows the current time as a 12-bit barcode (ms, mod 4096: latencies are far below 4 s). The engine puts the guest full
 * screen on program; the same page reads the barcode back from every frame of its return feed
 * (requestVideoFrameCallback) and subtracts. So the number covers: canvas capture → VP8 encode →
 * WHIP → jitter buffer → ffmpeg decode → program tick → return encode (x264) → WHEP → Chromium's
 * jitter buffer and decode. Prints p50/p90/p99 and the POST → first program frame time.
 */
import { Engine } from '../electron/engine/Engine.ts';
import { ApiServer } from '../electron/engine/server/ApiServer.ts';
import type { GuestInvite } from '../electron/engine/webrtc/WebRtcGateway.ts';
import { launchGuest } from '../test/helpers/chromiumGuest.ts';
import { freePort, waitUntil } from '../test/helpers/servers.ts';

const seconds = Number(process.argv[2] ?? 20);
const [guestW, guestH] = (process.argv[3] ?? '320x240').split('x').map(Number);
const warmupS = guestW > 640 ? 10 : 1;

const engine = await Engine.create({
  log: () => {},
  show: {
    name: 'glass-to-glass',
    output: { width: 640, height: 360, fps: 30, videoBitrateKbps: 1000, keyframeIntervalS: 1, x264Preset: 'ultrafast' },
  },
});
const server = new ApiServer(engine, { port: await freePort() });
await server.listen();
const invite = (await engine.dispatch('guest.invite', { label: 'clock' })) as GuestInvite;
await engine.dispatch('layout.set', { preset: 'solo', sources: [invite.id] });

const guest = await launchGuest({});
const { page } = guest;
// tsx keeps function names with a helper the browser does not have.
await page.addInitScript('globalThis.__name = (f) => f;');
await page.goto(invite.guestPageUrl);
await page.waitForFunction(() => (window as unknown as { cutlineGuest?: { state: { phase: string } } }).cutlineGuest?.state.phase === 'ready');

// Page side: draw the clock, publish the canvas, read the clock back from the return video.
const samples = await page.evaluate(async ({ durationS, W, H }: { durationS: number; W: number; H: number }) => {
  const BITS = 12;
  const COLS = 12;
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const g = canvas.getContext('2d') as CanvasRenderingContext2D;
  const cell = { w: W / COLS, h: H };
  const draw = () => {
    const t = Date.now() & 0xfff;
    for (let bit = 0; bit < BITS; bit++) {
      g.fillStyle = (t >> bit) & 1 ? '#fff' : '#000';
      g.fillRect((bit % COLS) * cell.w, Math.floor(bit / COLS) * cell.h, cell.w, cell.h);
    }
  };
  draw();
  setInterval(draw, 1000 / 60);
  const stream = canvas.captureStream(30);
  const audio = await navigator.mediaDevices.getUserMedia({ audio: true });
  for (const track of audio.getAudioTracks()) stream.addTrack(track);
  const guestApi = (window as unknown as { cutlineGuest: { join(o: { stream: MediaStream }): Promise<void> } }).cutlineGuest;
  await guestApi.join({ stream });

  const video = document.getElementById('program') as HTMLVideoElement;
  const reader = document.createElement('canvas');
  const rg = reader.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  const out: { at: number; latency: number }[] = [];
  const startedAt = Date.now();
  await new Promise<void>((resolve) => {
    const onFrame = () => {
      const now = Date.now() & 0xfff;
      const vw = video.videoWidth;
      const vh = video.videoHeight;
      if (vw && vh) {
        reader.width = vw;
        reader.height = vh;
        rg.drawImage(video, 0, 0);
        // The 4:3 canvas sits letterboxed (fit) in the 16:9 program.
        const scale = vh / H;
        const x0 = (vw - W * scale) / 2;
        let t = 0;
        for (let bit = 0; bit < BITS; bit++) {
          const cx = x0 + ((bit % COLS) + 0.5) * cell.w * scale;
          const cy = (Math.floor(bit / COLS) + 0.5) * cell.h * scale;
          const px = rg.getImageData(Math.round(cx), Math.round(cy), 1, 1).data;
          if (px[0] + px[1] + px[2] > 384) t |= 1 << bit;
        }
        const latency = (now - t + 0x1000) % 0x1000;
        if (latency < 3000) out.push({ at: Date.now() - startedAt, latency });
      }
      if (Date.now() - startedAt > durationS * 1000) resolve();
      else video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  });
  return out;
}, { durationS: seconds + warmupS, W: guestW, H: guestH });

await waitUntil(() => engine.webrtc.joinTimeMs(invite.id) !== undefined, 5000, 'join time');
const joinMs = engine.webrtc.joinTimeMs(invite.id);
await guest.browser.close();
await server.close();
await engine.close();

// Skip the warm-up (the return feed starts at its first keyframe, buffers settle, the guest ramps up).
const steady = samples
  .filter((s) => s.at > warmupS * 1000)
  .map((s) => s.latency)
  .sort((a, b) => a - b);
const pct = (p: number) => steady[Math.min(steady.length - 1, Math.floor((p / 100) * steady.length))];
console.log(
  JSON.stringify({ guest: `${guestW}x${guestH}`, frames: steady.length, glassToGlassMs: { p50: pct(50), p90: pct(90), p99: pct(99), min: steady[0], max: steady.at(-1) }, postToFirstFrameMs: joinMs }, null, 2),
);
process.exit(0);
