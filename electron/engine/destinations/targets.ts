/**
 * Where a destination sends the program and how: the ffmpeg muxer command for each kind (all of
 * them copy the one encode; none re-encodes), the URL with its key for ffmpeg, and the same URL
 * redacted for people. Pure functions.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DestinationSpec } from '../../../shared/show.ts';
import { maskSecret, maskUrlSecrets, redactUrl, rtmpPathKey, urlSecrets } from '../redact.ts';

/** rtmp://host/app + key → rtmp://host/app/key (a key may also already be in the URL). */
export function rtmpPublishUrl(url: string, streamKey?: string): string {
  if (!streamKey) return url;
  return url.endsWith('/') ? `${url}${streamKey}` : `${url}/${streamKey}`;
}

export function destinationSecrets(spec: DestinationSpec): string[] {
  switch (spec.kind) {
    case 'rtmp':
      return [spec.streamKey, ...urlSecrets(spec.url), rtmpPathKey(spec.url)].filter((s): s is string => Boolean(s));
    case 'whip':
      return [spec.token, ...urlSecrets(spec.url), ...(spec.iceServers ?? []).map((s) => s.credential)].filter((s): s is string => Boolean(s));
    case 'srt':
      return [spec.passphrase, ...urlSecrets(spec.url)].filter((s): s is string => Boolean(s));
    case 'recording':
      return [];
  }
}

/**
 * Why a destination must not start because its secret would sit in a muxer's command line (any
 * user of the machine can read those with `ps`); undefined when it may. RTMP goes out from Node,
 * WHIP's token stays in Node; only SRT's passphrase would reach ffmpeg, which takes it nowhere else.
 */
export function secretOnCommandLine(spec: DestinationSpec): string | undefined {
  if (spec.kind !== 'srt') return undefined;
  if (spec.passphrase || /[?&]passphrase=/i.test(spec.url))
    return 'an SRT passphrase would be on the muxer\'s command line, where every user of this machine can read it, and this ffmpeg takes it no other way: Cutline refuses. Send without a passphrase over a network you trust (or a VPN), or use an RTMPS destination';
  return undefined;
}

/** What the UI and the state API show as the target. */
export function describeTarget(spec: DestinationSpec): string {
  switch (spec.kind) {
    case 'rtmp':
      return spec.streamKey ? rtmpPublishUrl(maskUrlSecrets(spec.url), maskSecret(spec.streamKey)) : maskUrlSecrets(spec.url);
    case 'srt':
      return redactUrl(spec.url);
    case 'whip':
      return redactUrl(spec.url);
    case 'recording':
      return spec.path;
  }
}

const safeName = (name: string) => name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'show';

function timestamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/**
 * The file a recording writes: inside a folder → `<show>-<time>.mkv`; a file path is used as given.
 * Never overwrites: an existing name gets `-2`, `-3`, ...
 */
export function recordingFilePath(path: string, showName: string, now = new Date()): string {
  const isDir = /[\\/]$/.test(path) || (existsSync(path) && statSync(path).isDirectory());
  const base = isDir ? join(path, `${safeName(showName)}-${timestamp(now)}.mkv`) : path;
  if (!existsSync(base)) return base;
  const dot = base.lastIndexOf('.');
  const stem = dot > base.lastIndexOf('/') ? base.slice(0, dot) : base;
  const ext = dot > base.lastIndexOf('/') ? base.slice(dot) : '';
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}${ext}`;
    if (!existsSync(candidate)) return candidate;
  }
}

export interface WhipMuxOptions {
  videoPort: number;
  audioPort: number;
  /** Own encode (constrained baseline, keyframe every second) or copy the program's H.264. */
  video: 'transcode' | 'copy';
  fps: number;
  videoBitrateKbps: number;
  audioBitrateKbps: number;
}

/** RTP to a loopback port; RTCP goes to the same port (WhipPublisher drops it), so no ICMP errors. */
const rtpUrl = (port: number) => `rtp://127.0.0.1:${port}?rtcpport=${port}&pkt_size=1200`;

/** ffmpeg arguments that read the program's FLV on stdin and send it on (recording, SRT, WHIP;
 * RTMP goes out from Node): copied for every kind except WHIP, whose audio must become Opus (and whose video is re-encoded unless `copy`). */
export function muxerArgs(spec: DestinationSpec, filePath?: string, whip?: WhipMuxOptions): string[] {
  const input = ['-hide_banner', '-nostats', '-loglevel', 'info', '-f', 'flv', '-i', 'pipe:0'];
  const copyAll = [...input, '-map', '0', '-c', 'copy'];
  switch (spec.kind) {
    case 'rtmp':
      // Published from Node (RtmpPublisher.ts): an ffmpeg would show the key in its command line.
      throw new Error('RTMP destinations are published by RtmpPublisher, not ffmpeg');
    case 'recording':
      // Matroska written as it goes stays playable up to the last cluster if the app is killed.
      return [...copyAll, '-f', 'matroska', '-cluster_time_limit', '1000', filePath ?? spec.path];
    case 'srt':
      // Never a passphrase: it would be in the command line (secretOnCommandLine refuses those).
      return [...copyAll, '-bsf:v', 'h264_mp4toannexb', '-f', 'mpegts', spec.url];
    case 'whip': {
      if (!whip) throw new Error('WHIP needs its RTP ports');
      const gop = Math.max(1, Math.round(whip.fps));
      const video =
        whip.video === 'copy'
          ? // Annex B with SPS/PPS before every keyframe: WebRTC has no out-of-band parameter sets.
            ['-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb']
          : [
              '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
              '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', '0',
              '-b:v', `${whip.videoBitrateKbps}k`, '-maxrate', `${whip.videoBitrateKbps}k`, '-bufsize', `${Math.round(whip.videoBitrateKbps / 2)}k`,
            ];
      return [
        ...input,
        '-map', '0:v', ...video, '-f', 'rtp', '-payload_type', '96', rtpUrl(whip.videoPort),
        '-map', '0:a', '-c:a', 'libopus', '-b:a', `${whip.audioBitrateKbps}k`, '-ar', '48000', '-ac', '2', '-application', 'lowdelay',
        '-f', 'rtp', '-payload_type', '111', rtpUrl(whip.audioPort),
      ];
    }
  }
}
