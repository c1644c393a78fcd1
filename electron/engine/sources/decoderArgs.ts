/**
 * The ffmpeg command line of a source's decoder: open the input, scale to the cell size the layout
 * needs (so the engine only copies rows), and write raw I420 frames to stdout and s16le 48 kHz
 * stereo audio to fd 3. One function per source kind; pure, so every platform's variant is
 * unit-tested without running it.
 */
import type { SourceSpec } from '../../../shared/show.ts';
import { protocolWhitelistFor } from '../files/MediaAccess.ts';
import { type HwAccel, hwaccelInputArgs, scaleFilter } from '../ffmpeg/hwaccel.ts';
import { SAMPLE_RATE } from '../media/AudioRing.ts';
import { deviceInputArgs } from './devices.ts';
import { needsSecretInput, secretInputArgs } from './secretInput.ts';

export interface DecodeTarget {
  width: number;
  height: number;
  fit: 'fit' | 'fill';
  crop?: { x: number; y: number; width: number; height: number };
}

export interface DecoderContext {
  fps: number;
  hwaccel: HwAccel;
  /** A font for the test pattern's label and clock; undefined = no text (drawtext unusable). */
  drawtextFont?: string | null;
  /** Whether the input has audio (from the media probe); test patterns always have. */
  hasAudio: boolean;
  hasVideo: boolean;
  /** Where a restarted file decoder resumes, in seconds. */
  startAtS?: number;
  /** A looped file: the ffconcat playlist that repeats it (see LoopPlaylist); else -stream_loop. */
  loopPlaylist?: string;
  platform?: NodeJS.Platform;
  /** Sources the engine feeds through pipes (guest, whep): their ffmpeg input arguments. */
  pipeInput?: PipeInputArgs;
}

export interface PipeInputArgs {
  args: string[];
  videoInput?: number;
  audioInput?: number;
}

export const VIDEO_FD = 1;
export const AUDIO_FD = 3;

const RAW_VIDEO_OUT = ['-avioflags', 'direct', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-vsync', 'passthrough', `pipe:${VIDEO_FD}`];
const RAW_AUDIO_OUT = ['-ac', '2', '-ar', String(SAMPLE_RATE), '-f', 's16le', `pipe:${AUDIO_FD}`];

/** Text safe to put inside a drawtext filter without escaping games. */
export function drawtextSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9 ._#()+-]/g, '').slice(0, 40);
}

function testPatternVideo(spec: Extract<SourceSpec, { kind: 'testPattern' }>, target: DecodeTarget, ctx: DecoderContext): { input: string; filter: string } {
  const size = `${target.width}x${target.height}`;
  const input = spec.color ? `color=c=0x${spec.color.slice(1)}:s=${size}:r=${ctx.fps}` : `testsrc2=s=${size}:r=${ctx.fps}`;
  const filters: string[] = [];
  if (ctx.drawtextFont !== undefined) {
    const font = ctx.drawtextFont ? `fontfile='${ctx.drawtextFont}':` : '';
    const fontSize = Math.max(10, Math.round(target.height / 12));
    const label = drawtextSafe(spec.label ?? spec.id);
    // Label top-left and running clock bottom-left, both small, so the middle of the cell keeps
    // the source's colour (tests and producers tell sources apart by it).
    filters.push(
      `drawtext=${font}text='${label}':fontcolor=white:fontsize=${fontSize}:x=${fontSize / 2}:y=${fontSize / 2}:box=1:boxcolor=black@0.5:boxborderw=${Math.round(fontSize / 4)}`,
      `drawtext=${font}text='%{localtime\\:%X}':fontcolor=white:fontsize=${fontSize}:x=${fontSize / 2}:y=h-${Math.round(fontSize * 1.6)}:box=1:boxcolor=black@0.5:boxborderw=${Math.round(fontSize / 4)}`,
    );
  }
  filters.push('format=yuv420p');
  return { input, filter: filters.join(',') };
}

export function buildDecoderArgs(spec: SourceSpec, target: DecodeTarget, ctx: DecoderContext): string[] {
  const head = ['-hide_banner', '-nostdin', '-loglevel', 'warning'];
  switch (spec.kind) {
    case 'testPattern': {
      const video = testPatternVideo(spec, target, ctx);
      const audio = spec.toneHz
        ? `sine=frequency=${spec.toneHz}:sample_rate=${SAMPLE_RATE}`
        : `anullsrc=r=${SAMPLE_RATE}:cl=stereo`;
      // Without audio only for a second picture size (Rendition): the source's own decoder has the sound.
      const withAudio = ctx.hasAudio ? ['-re', '-f', 'lavfi', '-i', audio] : [];
      return [
        ...head,
        '-re', '-f', 'lavfi', '-i', video.input,
        ...withAudio,
        '-map', '0:v', '-vf', video.filter, ...RAW_VIDEO_OUT,
        ...(ctx.hasAudio ? ['-map', '1:a', ...RAW_AUDIO_OUT] : []),
      ];
    }
    case 'file': {
      // A looped file is read through its playlist (same A/V offset on every pass: LoopPlaylist);
      // -stream_loop repeats the playlist after a day, or the file itself if it has no playlist.
      const playlist = spec.loop && ctx.loopPlaylist;
      const input = [
        '-re',
        ...(spec.loop ? ['-stream_loop', '-1'] : []),
        ...(playlist ? ['-f', 'concat', '-safe', '0'] : []),
        ...(ctx.startAtS ? ['-ss', ctx.startAtS.toFixed(3)] : []),
        ...hwInput(ctx),
        // Only files: a playlist or concat script inside it cannot reach out (the loop playlist lists the file itself).
        '-protocol_whitelist', 'file',
        '-i', playlist || spec.path,
      ];
      return [...head, ...input, ...outputs(0, 0, target, ctx)];
    }
    case 'url': {
      // A URL with a password goes to ffmpeg on stdin, not here (sources/secretInput.ts).
      if (needsSecretInput(spec.url)) return [...head, ...hwInput(ctx), ...secretInputArgs(spec.url), ...outputs(0, 0, target, ctx)];
      const network = /^rtsp:/i.test(spec.url)
        ? ['-rtsp_transport', 'tcp']
        : /^(rtmps?|https?|tcp):/i.test(spec.url)
          ? ['-rw_timeout', '10000000']
          : [];
      // The scheme's own protocols only (files/MediaAccess.ts): an HLS playlist cannot name file: or concat: segments.
      return [...head, ...network, ...hwInput(ctx), '-protocol_whitelist', protocolWhitelistFor(spec.url), '-i', spec.url, ...outputs(0, 0, target, ctx)];
    }
    case 'guest':
    case 'whep': {
      const pipe = ctx.pipeInput;
      if (!pipe) throw new Error(`a ${spec.kind} source is fed through pipes: pass its input arguments`);
      // Decoded in software: the frames come from a pipe in system memory.
      return [...head, ...pipe.args, ...outputs(pipe.videoInput, pipe.audioInput, target, { ...ctx, hwaccel: 'none' })];
    }
    case 'device': {
      const dev = deviceInputArgs({ video: spec.video, audio: spec.audio, fps: ctx.fps }, ctx.platform);
      // Cameras deliver frames in system memory: no hardware decode, so software scaling.
      return [...head, ...dev.args, ...outputs(dev.videoInput, dev.audioInput, target, { ...ctx, hwaccel: 'none' })];
    }
  }
}

/**
 * Software decoders of files and streams always run 3 frame threads. Frame threading holds
 * (threads − 1) pictures, and a source's sound is anchored to when its pictures *arrive*
 * (Source.readAudio, AUDIO_LEAD_MS), so that delay is part of lip sync. ffmpeg's default is
 * cores + 1 threads: calibrated on 2 cores (3 threads, 2 frames), an 8-core machine would hold 8
 * frames and play every file's sound ~200 ms early. One thread measured +70 ms late (docs/PERFORMANCE.md, "Memory").
 */
export const DECODER_THREADS = 3;

function hwInput(ctx: DecoderContext): string[] {
  return ctx.hwaccel === 'none' ? ['-threads', String(DECODER_THREADS)] : hwaccelInputArgs(ctx.hwaccel);
}

function outputs(videoInput: number | undefined, audioInput: number | undefined, target: DecodeTarget, ctx: DecoderContext): string[] {
  const out: string[] = [];
  if (ctx.hasVideo && videoInput !== undefined) {
    out.push('-map', `${videoInput}:v:0`, '-vf', scaleFilter(ctx.hwaccel, target, target.crop), ...RAW_VIDEO_OUT);
  }
  if (ctx.hasAudio && audioInput !== undefined) out.push('-map', `${audioInput}:a:0`, ...RAW_AUDIO_OUT);
  return out;
}
