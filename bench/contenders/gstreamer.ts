/**
 * Contender 3: GStreamer's compositor (Debian gst-launch-1.0): demux + decode the 4 files
 * (qtdemux → avdec_h264, avdec_aac), compositor scales each to a quarter and places it (its pads'
 * width/height/xpos/ypos), audiomixer mixes the 4 tones, x264enc with the same settings as the
 * engine's libx264 (veryfast, zerolatency, CBR, GOP 2 s, no B-frames, High profile), AAC
 * (avenc_aac = ffmpeg's native encoder, as the engine uses), FLV to a file. The sink syncs to the
 * clock so the pipeline runs in real time like the others; it ends at the files' EOS.
 */
import { join } from 'node:path';
import { runPeer } from '../lib/runPeer.ts';
import type { Result, Work } from './types.ts';

export function gstArgs(work: Work, output: string): string[] {
  const w = work.width / 2;
  const h = work.height / 2;
  const gop = Math.round(work.fps * work.keyframeIntervalS);
  const pads = work.inputs.flatMap((_, i) => [
    `sink_${i}::xpos=${(i % 2) * w}`,
    `sink_${i}::ypos=${Math.floor(i / 2) * h}`,
    `sink_${i}::width=${w}`,
    `sink_${i}::height=${h}`,
  ]);
  const pipeline = [
    'compositor', 'name=comp', 'background=black', ...pads,
    '!', `video/x-raw,format=I420,width=${work.width},height=${work.height},framerate=${work.fps}/1`,
    '!', 'x264enc', 'speed-preset=veryfast', 'tune=zerolatency', 'pass=cbr', `bitrate=${work.videoBitrateKbps}`,
    'vbv-buf-capacity=1000', `key-int-max=${gop}`, 'bframes=0', `option-string=keyint=${gop}:min-keyint=${gop}:scenecut=0`,
    '!', 'video/x-h264,profile=high', '!', 'h264parse', '!', 'queue', '!', 'mux.',
    'audiomixer', 'name=amix', '!', 'audioconvert', '!', 'audio/x-raw,rate=48000,channels=2',
    '!', 'avenc_aac', `bitrate=${work.audioBitrateKbps * 1000}`, '!', 'aacparse', '!', 'queue', '!', 'mux.',
    'flvmux', 'name=mux', 'streamable=true', '!', 'filesink', `location=${output}`, 'sync=true',
    ...work.inputs.flatMap((file, i) => [
      'filesrc', `location=${file}`, '!', 'qtdemux', `name=d${i}`,
      `d${i}.video_0`, '!', 'queue', '!', 'h264parse', '!', 'avdec_h264', '!', `comp.sink_${i}`,
      `d${i}.audio_0`, '!', 'queue', '!', 'aacparse', '!', 'avdec_aac', '!', 'audioconvert', '!', 'audioresample', '!', `amix.sink_${i}`,
    ]),
  ];
  return ['-q', '-e', ...pipeline];
}

export async function runGstreamer(work: Work): Promise<Result> {
  const output = join(work.dir, `gstreamer-${work.height}p.flv`);
  const run = await runPeer('gst-launch-1.0', gstArgs(work, output), output, work.fps, join(work.dir, 'gstreamer.time'));
  return { contender: 'gstreamer compositor', ...run };
}
