/**
 * How many WebRTC guests this machine mixes in real time (issue #10, item 6; run by hand).
 *
 *   npx tsx bench/guests.ts [--guests 4,6,9] [--seconds 60]
 *
 * For each N: a show with a 1280x720 30 fps grid of N guests; N guests publish a pre-encoded
 * 1280x720 30 fps VP8 clip (1.5 Mb/s, a keyframe a second) + Opus over WHIP from one Node child
 * (bench/lib/guestPublisher.ts: replaying RTP costs almost nothing). After the guests are live and
 * settled, for `seconds`: late and dropped program frames, each guest's lowest decoded fps, and
 * the CPU of the engine's parts (Node, guest decoders, program encoder, return/monitor encoders).
 * Real time = no late or dropped program frame and every guest at ≥ 29 fps.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../electron/engine/Engine.ts';
import { ApiServer } from '../electron/engine/server/ApiServer.ts';
import type { GuestInvite } from '../electron/engine/webrtc/WebRtcGateway.ts';
import { freePort, sleep, waitUntil } from '../test/helpers/servers.ts';
import { cpuBetween, snapshot } from './lib/proc.ts';

const { values } = parseArgs({ options: { guests: { type: 'string', default: '4,6,9' }, seconds: { type: 'string', default: '60' } } });
const counts = String(values.guests).split(',').map(Number);
const seconds = Number(values.seconds);
const dir = mkdtempSync(join(tmpdir(), 'cutline-bench-guests-'));
const ffmpeg = process.env.SYSTEM_FFMPEG ?? 'ffmpeg';

const clipIvf = join(dir, 'clip.ivf');
const clipOgg = join(dir, 'clip.ogg');
// A moving 720p picture (real delta frames), 4 s, looped by the publisher.
execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=1280x720:r=30', '-t', '4', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1500k', '-g', '30', '-keyint_min', '30', '-auto-alt-ref', '0', '-lag-in-frames', '0', clipIvf]);
execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '4', '-c:a', 'libopus', '-b:a', '48k', '-frame_duration', '20', clipOgg]);

interface Result {
  guests: number;
  realTime: boolean;
  lateFrames: number;
  droppedFrames: number;
  lowestGuestFps: number;
  cpuSPerS: Record<string, number>;
  cpuPerGuestSPerS: number;
}

async function runWith(n: number): Promise<Result> {
  const engine = await Engine.create({
    log: () => {},
    show: {
      name: `bench ${n} guests`,
      output: { width: 1280, height: 720, fps: 30, videoBitrateKbps: 3000, keyframeIntervalS: 2, x264Preset: 'veryfast' },
      webrtc: { maxGuests: Math.max(n, 1), maxSessions: 64, maxSessionsPerToken: 8 },
    },
  });
  const server = new ApiServer(engine, { port: await freePort() });
  await server.listen();
  const invites: GuestInvite[] = [];
  for (let i = 0; i < n; i++) invites.push((await engine.dispatch('guest.invite', { label: `g${i}` })) as GuestInvite);
  await engine.dispatch('layout.set', { preset: 'grid', sources: invites.map((i) => i.id) });
  const child = spawn('npx', ['tsx', join(import.meta.dirname, 'lib', 'guestPublisher.ts'), JSON.stringify({ clipIvf, clipOgg, guests: invites.map((i) => ({ whipUrl: i.whipUrl, token: i.token })) })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => String(d).includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`publisher exited (${code})`)));
    });
    await waitUntil(() => invites.every((i) => engine.getSource(i.id)?.status().state === 'live'), 30_000, 'all guests live');
    await sleep(5000);
    const publisherPid = child.pid ?? -1;
    const notPublisher = (snap: ReturnType<typeof snapshot>) => {
      // The publisher and its children are ours too; they are not the engine.
      const theirs = new Set<number>([publisherPid]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const p of snap.values())
          if (!theirs.has(p.pid) && theirs.has(p.ppid)) {
            theirs.add(p.pid);
            grew = true;
          }
      }
      for (const pid of theirs) snap.delete(pid);
      return snap;
    };
    const before = notPublisher(snapshot(process.pid));
    const statusBefore = engine.getProgram().status();
    let lowestGuestFps = Number.POSITIVE_INFINITY;
    const started = Date.now();
    while (Date.now() - started < seconds * 1000) {
      await sleep(1000);
      for (const i of invites) lowestGuestFps = Math.min(lowestGuestFps, engine.getSource(i.id)?.status().fps ?? 0);
    }
    const after = notPublisher(snapshot(process.pid));
    const statusAfter = engine.getProgram().status();
    const elapsedS = (Date.now() - started) / 1000;
    const procs = engine.processes();
    const decoderPids = new Set(Object.values(procs.sources).filter((p): p is number => p !== undefined));
    const cpu: Record<string, number> = { node: 0, guestDecoders: 0, programEncoder: 0, otherFfmpeg: 0 };
    for (const p of cpuBetween(before, after)) {
      const s = (p.userS + p.sysS) / elapsedS;
      if (p.pid === process.pid) cpu.node += s;
      else if (decoderPids.has(p.pid)) cpu.guestDecoders += s;
      else if (p.pid === procs.encoder) cpu.programEncoder += s;
      else cpu.otherFfmpeg += s;
    }
    for (const k of Object.keys(cpu)) cpu[k] = Math.round(cpu[k] * 1000) / 1000;
    const lateFrames = statusAfter.lateFrames - statusBefore.lateFrames;
    const droppedFrames = statusAfter.droppedFrames - statusBefore.droppedFrames;
    return {
      guests: n,
      realTime: lateFrames === 0 && droppedFrames === 0 && lowestGuestFps >= 29,
      lateFrames,
      droppedFrames,
      lowestGuestFps,
      cpuSPerS: cpu,
      cpuPerGuestSPerS: Math.round(((cpu.guestDecoders + cpu.node) / n) * 1000) / 1000,
    };
  } finally {
    child.kill('SIGTERM');
    await server.close();
    await engine.close();
  }
}

const results: Result[] = [];
for (const n of counts) {
  const result = await runWith(n);
  results.push(result);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
const best = results.filter((r) => r.realTime).at(-1);
process.stdout.write(`largest real-time N tried: ${best?.guests ?? 'none'} (machine: ${(await import('node:os')).cpus().length} cores)\n`);
process.exit(0);
