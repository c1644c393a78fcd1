/**
 * Bench: a realistic show for N minutes (see bench/lib/soak.ts), sampled every minute, with the
 * issue's trend checks, a table for docs/PERFORMANCE.md and a PNG plot of memory, descriptors and
 * handles over time. Run by hand, on a quiet machine, under the media lock:
 *
 *   flock /tmp/cutline-media.lock npx tsx bench/soak.ts --minutes 60 [--sample-s 60] [--out bench/results]
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { runSoak, type SoakSample, soakVerdict } from './lib/soak.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const minutes = Number(arg('minutes', '60'));
const sampleS = Number(arg('sample-s', '60'));
const outDir = arg('out', 'bench/results');
if (!(minutes > 0) || !(sampleS > 0)) {
  console.error('usage: npx tsx bench/soak.ts --minutes N [--sample-s S] [--out DIR]');
  process.exit(2);
}

function row(s: SoakSample): string {
  const ffmpegs = Object.values(s.ffmpegRssMb);
  const lock = Object.entries(s.sources).map(([id, v]) => `${id} ${v.lockErrorMs.toFixed(1)}`).join(', ');
  return `| ${(s.t / 60).toFixed(1)} | ${s.nodeRssMb.toFixed(0)} | ${s.nodeHeapMb.toFixed(0)} | ${ffmpegs.map((v) => v.toFixed(0)).join(' / ')} | ${s.totalRssMb.toFixed(0)} | ${s.cpuPercent.toFixed(0)} | ${s.fds} | ${s.handles} | ${s.lateFrames} | ${s.droppedFrames} | ${lock} |`;
}

function plot(samples: readonly SoakSample[], file: string): void {
  const W = 900;
  const H = 560;
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const tMax = Math.max(1, samples[samples.length - 1].t / 60);
  const panels: { title: string; top: number; series: { name: string; color: string; values: number[] }[] }[] = [
    {
      title: 'memory (MB)',
      top: 30,
      series: [
        { name: 'total RSS', color: '#c0392b', values: samples.map((s) => s.totalRssMb) },
        { name: 'Node RSS', color: '#2060c0', values: samples.map((s) => s.nodeRssMb) },
        { name: 'Node heap', color: '#27ae60', values: samples.map((s) => s.nodeHeapMb) },
      ],
    },
    {
      title: 'open fds, active handles',
      top: 300,
      series: [
        { name: 'fds', color: '#8e44ad', values: samples.map((s) => s.fds) },
        { name: 'handles', color: '#e67e22', values: samples.map((s) => s.handles) },
      ],
    },
  ];
  ctx.font = '14px sans-serif';
  for (const panel of panels) {
    const left = 60;
    const width = W - 80;
    const height = 220;
    const max = Math.max(1, ...panel.series.flatMap((s) => s.values)) * 1.1;
    ctx.strokeStyle = '#999';
    ctx.strokeRect(left, panel.top, width, height);
    ctx.fillStyle = '#000';
    ctx.fillText(`${panel.title}, 0 … ${max.toFixed(0)}; x: minutes 0 … ${tMax.toFixed(1)}`, left, panel.top - 8);
    panel.series.forEach((series, k) => {
      ctx.strokeStyle = series.color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      series.values.forEach((v, i) => {
        const x = left + (samples[i].t / 60 / tMax) * width;
        const y = panel.top + height - (v / max) * height;
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
      ctx.fillStyle = series.color;
      ctx.fillText(series.name, left + 10 + k * 110, panel.top + 20);
    });
  }
  writeFileSync(file, canvas.toBuffer('image/png'));
}

const dir = mkdtempSync(join(tmpdir(), 'cutline-soak-'));
console.log(`soak: ${minutes} min, a sample every ${sampleS} s`);
const samples = await runSoak({
  dir,
  seconds: minutes * 60,
  sampleEveryS: sampleS,
  onSample: (s) => console.log(row(s)),
});
const verdict = soakVerdict(samples);
mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().slice(0, 10);
const base = join(outDir, `${stamp}-soak-${minutes}min`);
writeFileSync(`${base}.json`, JSON.stringify({ minutes, sampleS, samples, verdict }, null, 1));
plot(samples, `${base}.png`);
console.log('\n| min | Node RSS | heap | ffmpeg RSS each | total RSS | CPU % | fds | handles | late | dropped | A/V lock error ms |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const s of samples) console.log(row(s));
console.log(verdict.problems.length ? `\nproblems:\n- ${verdict.problems.join('\n- ')}` : '\nall trend checks passed');
console.log(`wrote ${base}.json and ${base}.png`);
