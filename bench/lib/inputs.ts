/**
 * The common input of every contender: four H.264 (High, veryfast, GOP 2 s, no B-frames) + AAC
 * 48 kHz stereo MP4 files at the output size, made once with the bundled ffmpeg from lavfi
 * testsrc2 (each hue-shifted, labelled, with its own tone) and cached by size and length.
 * Files, not generators, so each contender really demuxes and decodes 4 streams as it would
 * with cameras or network feeds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';

const HUES = [0, 90, 180, 270];
const TONES = [440, 554, 659, 880];

export function makeInputs(ffmpeg: string, dir: string, width: number, height: number, fps: number, seconds: number): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < 4; i++) {
    const file = join(dir, `in${i}-${width}x${height}-${fps}fps-${seconds}s.mp4`);
    files.push(file);
    if (existsSync(file)) continue;
    const kbps = Math.round((width * height * fps) / 15_000); // ~4 Mb/s at 720p30, ~8 at 1080p30
    const fontSize = Math.round(height / 10);
    const tmp = `${file}.part.mp4`;
    process.stderr.write(`making ${file}\n`);
    execFileSync(
      ffmpeg,
      [
        '-hide_banner', '-loglevel', 'error', '-y',
        '-f', 'lavfi', '-i', `testsrc2=s=${width}x${height}:r=${fps}:d=${seconds}`,
        '-f', 'lavfi', '-i', `sine=frequency=${TONES[i]}:sample_rate=48000:d=${seconds}`,
        '-vf', `hue=h=${HUES[i]},drawbox=x=0:y=0:w=iw:h=${fontSize * 1.5}:color=black@0.5:t=fill,` +
          `drawtext=text='CAM ${i + 1}':fontcolor=white:fontsize=${fontSize}:x=20:y=10,format=yuv420p`,
        '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-bf', '0',
        '-g', String(fps * 2), '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`,
        '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000',
        '-shortest', '-movflags', '+faststart', tmp,
      ],
      { stdio: ['ignore', 'inherit', 'ignore'] },
    );
    renameSync(tmp, file);
  }
  return files;
}
