/**
 * An ffmpeg that writes FLV on stdout (the encoders of the return feed and the monitor mosaic):
 * its tags go to `onTag`; `onDied` hears of an exit nobody asked for, with the reason.
 */
import { FlvDemuxer, type FlvTag } from '../media/flv.ts';
import { FfmpegProcess } from './FfmpegProcess.ts';

export interface FlvProcessOptions {
  ffmpegPath: string;
  name: string;
  args: string[];
  onTag: (tag: FlvTag) => void;
  onDied: (process: FfmpegProcess, reason: string) => void;
}

export function spawnFlvProcess(options: FlvProcessOptions): FfmpegProcess {
  const proc = new FfmpegProcess({ ffmpegPath: options.ffmpegPath, name: options.name, args: options.args });
  const demuxer = new FlvDemuxer();
  proc.stdout.on('data', (chunk: Buffer) => {
    for (const tag of demuxer.push(chunk)) options.onTag(tag);
  });
  proc.on('exit', (exit) => {
    if (!exit.expected) options.onDied(proc, proc.explainExit(exit));
  });
  return proc;
}
