/**
 * Runs one peer command (a single process: ffmpeg or gst-launch-1.0) to its end under
 * /usr/bin/time, whose rusage is exact for the whole run (all threads, any reaped children).
 * Peak memory is the largest RSS seen by sampling the tree every 200 ms (the wrapper excluded),
 * or time's max RSS if larger. Output seconds = video packets in the output file / fps.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { machineBusyS, TreeSampler } from './proc.ts';

export interface PeerRun {
  cpuS: number;
  sysS: number;
  peakRssMb: number;
  othersCpuS: number;
  outputS: number;
  wallS: number;
}

export async function runPeer(command: string, args: string[], outputFile: string, fps: number, timeFile: string): Promise<PeerRun> {
  const busy0 = machineBusyS();
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, command, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const sampler = new TreeSampler(child.pid!, 200, (p) => p.pid === child.pid);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  sampler.stop();
  const wallS = (performance.now() - t0) / 1000;
  const busy1 = machineBusyS();
  if (code !== 0) throw new Error(`${command} exited ${code}: ${stderr.slice(-1500)}`);
  const [user, sys, maxRssKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  const cpuS = user + sys;
  return {
    cpuS,
    sysS: sys,
    peakRssMb: Math.max(sampler.peakRssKb, maxRssKb) / 1024,
    othersCpuS: busy1 - busy0 - cpuS,
    outputS: countVideoPackets(outputFile) / fps,
    wallS,
  };
}

export function countVideoPackets(file: string): number {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file],
    { encoding: 'utf8' },
  );
  return Number(out.trim());
}
