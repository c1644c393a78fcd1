/**
 * Where a destination sends the program and how: the ffmpeg muxer command for each kind (all of
 * them copy the one encode; none re-encodes), the URL with its key for ffmpeg, and the same URL
 * redacted for people. Pure functions.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DestinationSpec } from '../../../shared/show.ts';
import { maskSecret, redactUrl } from '../redact.ts';

/** rtmp://host/app + key → rtmp://host/app/key (a key may also already be in the URL). */
export function rtmpPublishUrl(url: string, streamKey?: string): string {
  if (!streamKey) return url;
  return url.endsWith('/') ? `${url}${streamKey}` : `${url}/${streamKey}`;
}

export function destinationSecrets(spec: DestinationSpec): string[] {
  switch (spec.kind) {
    case 'rtmp':
      return spec.streamKey ? [spec.streamKey] : [];
    case 'whip':
      return spec.token ? [spec.token] : [];
    case 'srt':
      return spec.passphrase ? [spec.passphrase] : [];
    case 'recording':
      return [];
  }
}

/** What the UI and the state API show as the target. */
export function describeTarget(spec: DestinationSpec): string {
  switch (spec.kind) {
    case 'rtmp':
      return spec.streamKey ? rtmpPublishUrl(redactUrl(spec.url), maskSecret(spec.streamKey)) : redactUrl(spec.url);
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

/** ffmpeg arguments that read the program's FLV on stdin and copy it to the destination. */
export function muxerArgs(spec: DestinationSpec, filePath?: string): string[] {
  const input = ['-hide_banner', '-loglevel', 'info', '-f', 'flv', '-i', 'pipe:0', '-map', '0', '-c', 'copy'];
  switch (spec.kind) {
    case 'rtmp':
      return [...input, '-f', 'flv', '-flvflags', 'no_duration_filesize', rtmpPublishUrl(spec.url, spec.streamKey)];
    case 'recording':
      // Matroska written as it goes stays playable up to the last cluster if the app is killed.
      return [...input, '-f', 'matroska', '-cluster_time_limit', '1000', filePath ?? spec.path];
    case 'srt': {
      const url = spec.passphrase ? `${spec.url}${spec.url.includes('?') ? '&' : '?'}passphrase=${encodeURIComponent(spec.passphrase)}` : spec.url;
      return [...input, '-bsf:v', 'h264_mp4toannexb', '-f', 'mpegts', url];
    }
    case 'whip':
      throw new Error('WHIP destinations are not muxed by ffmpeg');
  }
}
