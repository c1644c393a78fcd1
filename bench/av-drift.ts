/**
 * Bench (issue 15 item 1): a source whose audio clock runs off its picture's by `--rate`
 * (1.001 = a sound card 0.1 % fast), played once for `--minutes`, recorded solo, and its A/V
 * offset measured at every flash (test/helpers/avSync.ts). Prints the offset per minute and the
 * extremes; the target is ±1 frame the whole time, no step. Run by hand, under the media lock:
 *
 *   flock /tmp/cutline-media.lock npx tsx bench/av-drift.ts --minutes 60 --rate 1.001
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFlashBeepClip, measureFlashBeep, offsetSummary, recordSolo } from '../test/helpers/avSync.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const minutes = Number(arg('minutes', '60'));
const rate = Number(arg('rate', '1.001'));
if (!(minutes > 0) || !(rate > 0.9 && rate < 1.1)) {
  console.error('usage: npx tsx bench/av-drift.ts --minutes N --rate R   (R near 1, e.g. 1.001)');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'cutline-av-drift-'));
const clip = join(dir, 'drift.mp4');
console.log(`making a ${minutes + 1} min flash-and-beep clip, audio clock × ${rate} …`);
await makeFlashBeepClip(clip, { durationS: (minutes + 1) * 60, audioClockRate: rate });
console.log(`recording ${minutes} min …`);
const recording = await recordSolo(dir, clip, minutes * 60, false);
const m = await measureFlashBeep(recording.file);
const all = offsetSummary(m.offsetsMs.map((o) => o.offsetMs));
console.log('| minute | flashes | min ms | median ms | max ms |');
console.log('|---|---|---|---|---|');
for (let minute = 0; minute < minutes; minute++) {
  const inMinute = m.offsetsMs.filter((o) => o.atS >= minute * 60 && o.atS < (minute + 1) * 60).map((o) => o.offsetMs);
  if (inMinute.length === 0) continue;
  const s = offsetSummary(inMinute);
  console.log(`| ${minute + 1} | ${inMinute.length} | ${s.min.toFixed(1)} | ${s.median.toFixed(1)} | ${s.max.toFixed(1)} |`);
}
console.log(
  `\n${m.offsetsMs.length} flashes: ${all.min.toFixed(1)} … ${all.max.toFixed(1)} ms (spread ${all.spread.toFixed(1)}); playout ratio ${recording.ratio.toFixed(5)}, ` +
    `trimmed ${recording.trimmedSamples}, hard resyncs ${recording.hardResyncs}, underruns ${recording.underruns}`,
);
