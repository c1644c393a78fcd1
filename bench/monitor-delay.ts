/**
 * Delay of the desk's live monitors, and the CPU the monitor feeds cost (not a test: run by hand).
 *
 *   npx tsx bench/monitor-delay.ts [trials=30] [width=1280] [height=720] [fps=30]
 *
 * The built desk (vite) runs in Debian Chromium against a real engine with two solid test
 * patterns (red, blue). The PAGE itself sends the command — `layout.set` (program) or
 * `preview.set` (preview) switching solo red ↔ solo blue — over HTTP at T_command, then watches
 * that monitor's <video> with requestVideoFrameCallback and reads the centre pixels of every
 * frame; T_seen is the callback of the first frame with the new colour. Both times are the page's
 * own clock, so the delay covers: HTTP → engine → next program tick (program) or next mosaic
 * frame (preview, 15 fps) → x264 → RTP over loopback → Chromium's jitter buffer, decode and
 * render. Trials alternate program / preview with a random 300–700 ms pause.
 *
 * CPU: with the desk open (both feeds watched) and then closed, it samples /proc for the
 * engine's ffmpeg children (program encode, return encode, monitor mosaic encode, decoders), the
 * Node process, and Chromium, and prints CPU-s per second for each.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { Engine } from '../electron/engine/Engine.ts';
import { ApiServer } from '../electron/engine/server/ApiServer.ts';
import { freePort, sleep, waitUntil } from '../test/helpers/servers.ts';
import { percentile } from './lib/stats.ts';

const trials = Number(process.argv[2] ?? 30);
const width = Number(process.argv[3] ?? 1280);
const height = Number(process.argv[4] ?? 720);
const fps = Number(process.argv[5] ?? 30);

const uiDir = mkdtempSync(join(tmpdir(), 'cutline-bench-ui-'));
await build({ configFile: resolve('vite.config.ts'), root: resolve('renderer'), logLevel: 'error', build: { outDir: uiDir, emptyOutDir: true, sourcemap: false } });
const engine = await Engine.create({
  log: () => {},
  show: {
    name: 'monitor delay',
    output: { width, height, fps, videoBitrateKbps: 2500, keyframeIntervalS: 2 },
    webrtc: { programToken: 'bench-monitor-token' },
    sources: [
      { id: 'red', kind: 'testPattern', label: 'red', color: '#c03030' },
      { id: 'blue', kind: 'testPattern', label: 'blue', color: '#3050c0' },
    ],
    layout: { preset: 'solo', sources: ['red'] },
    preview: { preset: 'solo', sources: ['red'] },
  },
});
const server = new ApiServer(engine, { port: await freePort(), uiDir });
await server.listen();
await waitUntil(() => engine.getState().sources.every((s) => s.state === 'live'), 20_000, 'sources live');

// ---- CPU ----
const CLK_TCK = 100;
function cpuTicks(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}
function processes(): { pid: number; ppid: number; cmd: string }[] {
  const out: { pid: number; ppid: number; cmd: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      out.push({ pid: Number(d), ppid, cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {}
  }
  return out;
}
function descendants(root: number, all: { pid: number; ppid: number }[]): number[] {
  const found = [root];
  for (let i = 0; i < found.length; i++) for (const p of all) if (p.ppid === found[i]) found.push(p.pid);
  return found;
}
function classify(cmd: string): string {
  if (cmd.includes('960x540')) return 'monitor mosaic encode (ffmpeg)';
  if (cmd.includes('-bufsize 750k')) return 'program return encode for /whep/program (ffmpeg)';
  if (cmd.includes('libopus')) return 'return audio (ffmpeg)';
  if (cmd.includes('-f flv') || cmd.includes('libx264')) return 'program encode (ffmpeg)';
  return 'source decoders (ffmpeg)';
}
async function sampleCpu(seconds: number): Promise<Record<string, number>> {
  const all = processes();
  const isChromium = (cmd: string) => /chrom/i.test(cmd);
  const children = all.filter((p) => p.ppid === process.pid && !isChromium(p.cmd));
  const chromiumRoots = all.filter((p) => p.ppid === process.pid && isChromium(p.cmd)).map((p) => p.pid);
  const chromiumPids = chromiumRoots.flatMap((root) => descendants(root, all));
  const groups = new Map<string, number[]>();
  for (const c of children) groups.set(classify(c.cmd), [...(groups.get(classify(c.cmd)) ?? []), c.pid]);
  groups.set('chromium (all processes)', chromiumPids);
  const t0 = new Map([...groups].map(([k, pids]) => [k, pids.reduce((s, p) => s + cpuTicks(p), 0)]));
  const node0 = process.cpuUsage();
  const compose0 = engine.webrtc.monitorFeed.composeMs;
  const start = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - start) / 1000;
  const node = process.cpuUsage(node0);
  const result: Record<string, number> = {};
  for (const [k, pids] of groups) result[k] = round((pids.reduce((s, p) => s + cpuTicks(p), 0) - (t0.get(k) ?? 0)) / CLK_TCK / elapsed);
  result['node (engine + API + bench)'] = round((node.user + node.system) / 1e6 / elapsed);
  result['node: mosaic compose only'] = round((engine.webrtc.monitorFeed.composeMs - compose0) / 1000 / elapsed, 4);
  return result;
}
const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--allow-loopback-in-peer-connection'],
});
const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
// tsx keeps function names with a helper the browser does not have.
await page.addInitScript('globalThis.__name = (f) => f;');
await sleep(2000);
const cpuIdle = await sampleCpu(10);
await page.goto(server.url);
await page.getByText('Engine connected').waitFor();
await page.waitForFunction(() => {
  const p = document.querySelector<HTMLVideoElement>('[data-monitor-video="program"]');
  const v = document.querySelector<HTMLVideoElement>('[data-mosaic-video="preview"] video');
  return Boolean(p?.videoWidth && v?.videoWidth);
}, undefined, { timeout: 30_000 });
await sleep(2000);

const cpuWatched = await sampleCpu(10);

// ---- delay trials, driven from the page ----
const results = await page.evaluate(async (n: number) => {
  const out: { monitor: string; ms: number; displayMs: number }[] = [];
  const reader = document.createElement('canvas');
  reader.width = 16;
  reader.height = 16;
  const g = reader.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  const colourOf = (video: HTMLVideoElement, region: number[]): 'red' | 'blue' | 'other' => {
    const [rx, ry, rw, rh] = region;
    g.drawImage(video, rx + rw * 0.45, ry + rh * 0.45, rw * 0.1, rh * 0.1, 0, 0, 16, 16);
    const px = g.getImageData(0, 0, 16, 16).data;
    let r = 0;
    let b = 0;
    for (let i = 0; i < px.length; i += 4) {
      r += px[i];
      b += px[i + 2];
    }
    r /= 256;
    b /= 256;
    return r > b + 60 ? 'red' : b > r + 60 ? 'blue' : 'other';
  };
  const command = (name: string, params: unknown) =>
    fetch(`/api/v1/commands/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
  const colours = { program: 'red', preview: 'red' } as Record<string, 'red' | 'blue'>;
  for (let i = 0; i < n * 2; i++) {
    const monitor = i % 2 === 0 ? 'program' : 'preview';
    const video = document.querySelector<HTMLVideoElement>(monitor === 'program' ? '[data-monitor-video="program"]' : '[data-mosaic-video="preview"] video');
    if (!video) throw new Error(`no ${monitor} video`);
    const region = monitor === 'program' ? [0, 0, video.videoWidth, video.videoHeight] : (video.dataset.region ?? '').split(',').map(Number);
    const next = colours[monitor] === 'red' ? 'blue' : 'red';
    colours[monitor] = next;
    const seen = new Promise<{ at: number; display: number } | undefined>((resolveSeen) => {
      const timeout = setTimeout(() => resolveSeen(undefined), 3000);
      const onFrame = (now: number, meta: VideoFrameCallbackMetadata) => {
        if (colourOf(video, region) === next) {
          clearTimeout(timeout);
          resolveSeen({ at: now, display: meta.expectedDisplayTime });
        } else video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    });
    const t0 = performance.now();
    void command(monitor === 'program' ? 'layout.set' : 'preview.set', { preset: 'solo', sources: [next] });
    const hit = await seen;
    if (hit) out.push({ monitor, ms: hit.at - t0, displayMs: hit.display - t0 });
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 400));
  }
  return out;
}, trials);


await browser.close();
await server.close();
await engine.close();
rmSync(uiDir, { recursive: true, force: true });

const summary = (monitor: string, key: 'ms' | 'displayMs') => {
  const s = results.filter((r) => r.monitor === monitor).map((r) => r[key]);
  return { n: s.length, p50: Math.round(percentile(s, 50)), p90: Math.round(percentile(s, 90)), max: Math.round(Math.max(...s)) };
};
console.log(
  JSON.stringify(
    {
      output: `${width}x${height}@${fps}`,
      trials,
      // Other work on the machine skews everything: the 1-minute load average at the end.
      loadAverage1m: round(loadavg()[0], 2),
      delayMs: {
        program: summary('program', 'ms'),
        preview: summary('preview', 'ms'),
        programToExpectedDisplay: summary('program', 'displayMs'),
        previewToExpectedDisplay: summary('preview', 'displayMs'),
      },
      cpuSecondsPerSecond: { deskClosed: cpuIdle, deskOpen: cpuWatched },
    },
    null,
    2,
  ),
);
process.exit(0);
