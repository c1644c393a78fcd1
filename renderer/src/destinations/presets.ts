/**
 * Destination presets: the services a producer picks from, their ingest URLs (PRODUCT.md's table)
 * and quick checks shown while the form is filled in. The engine's `destination.presets` is the
 * source of truth when it answers (its preflight also runs on start and shows on each row); the
 * list here is the fallback for an engine without that command. Pure data and functions.
 */
import type { OutputSettings } from '../../../shared/show.ts';

export type DestinationKind = 'rtmp' | 'whip' | 'srt' | 'recording';

export interface DestinationPreset {
  /** Goes into the spec's `preset` field; the engine's preflight knows the service by it. */
  id: string;
  name: string;
  kind: DestinationKind;
  /** Pre-filled URL; `{host}`, `{stream}`, `{port}` are placeholders the producer replaces. */
  url: string;
  /** Other ingest URLs of the same service (backup, legacy). */
  alternateUrls?: { label: string; url: string }[];
  /** False when the URL is fixed by the service (only its alternates may be chosen). */
  editableUrl: boolean;
  /** What the secret field is called for this service, if it has one. */
  secretLabel?: string;
  help: string;
  /** False when the engine's ffmpeg cannot send it (e.g. SRT without libsrt), with the reason. */
  available?: boolean;
  unavailableReason?: string;
}

/** One entry of `destination.presets` as the engine lists it (the fields the desk uses). */
export interface EnginePresetListing {
  id: string;
  label: string;
  kind: DestinationKind;
  url?: string;
  alternateUrls?: { label: string; url: string }[];
  secretLabel?: string;
  help: string;
  available?: boolean;
  unavailableReason?: string;
}

/** The engine's presets are the source of truth; the list below is only for older engines. */
export function presetsFromEngine(result: unknown): DestinationPreset[] | undefined {
  const list = (result as { presets?: unknown })?.presets;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return (list as EnginePresetListing[]).map((p) => ({
    id: p.id,
    name: p.label,
    kind: p.kind,
    url: p.url ?? '',
    ...(p.alternateUrls ? { alternateUrls: p.alternateUrls } : {}),
    // A URL without placeholders belongs to the service (YouTube, Facebook, …): pick, don't edit.
    editableUrl: !p.url || /\{[a-z]+\}/.test(p.url) || p.kind === 'srt',
    ...(p.secretLabel ? { secretLabel: p.secretLabel } : {}),
    help: p.help,
    available: p.available !== false,
    ...(p.unavailableReason ? { unavailableReason: p.unavailableReason } : {}),
  }));
}

export const DESTINATION_PRESETS: DestinationPreset[] = [
  {
    id: 'youtube',
    name: 'YouTube (RTMPS)',
    kind: 'rtmp',
    url: 'rtmps://a.rtmps.youtube.com:443/live2',
    alternateUrls: [
      { label: 'Backup ingest (RTMPS)', url: 'rtmps://b.rtmps.youtube.com:443/live2?backup=1' },
      { label: 'Legacy RTMP (unencrypted)', url: 'rtmp://a.rtmp.youtube.com/live2' },
    ],
    editableUrl: false,
    secretLabel: 'Stream key',
    help: 'YouTube Studio → Go live → Stream → Stream key.',
  },
  {
    id: 'facebook',
    name: 'Facebook Live (RTMPS)',
    kind: 'rtmp',
    url: 'rtmps://live-api-s.facebook.com:443/rtmp/',
    editableUrl: false,
    secretLabel: 'Stream key',
    help: 'Facebook Live Producer → Streaming software → Stream key (RTMPS only).',
  },
  {
    id: 'twitch',
    name: 'Twitch (RTMPS)',
    kind: 'rtmp',
    url: 'rtmps://ingest.global-contribute.live-video.net/app/',
    editableUrl: false,
    secretLabel: 'Stream key',
    help: 'Twitch Creator Dashboard → Settings → Stream → Primary stream key.',
  },
  {
    id: 'red5pro-rtmp',
    name: 'Red5 Pro XDN (RTMP)',
    kind: 'rtmp',
    url: 'rtmp://{host}:1935/live/{stream}',
    editableUrl: true,
    help: 'Your XDN origin host and the stream name viewers subscribe to.',
  },
  {
    id: 'red5pro-whip',
    name: 'Red5 Pro XDN (WHIP, sub-second)',
    kind: 'whip',
    url: 'https://{host}/live/whip/endpoint/{stream}',
    editableUrl: true,
    secretLabel: 'Bearer token (optional)',
    help: 'Your XDN host and stream name; viewers get it with 200–400 ms of delay.',
  },
  { id: 'custom-rtmp', name: 'Custom RTMP / RTMPS', kind: 'rtmp', url: 'rtmp://{host}/live', editableUrl: true, secretLabel: 'Stream key', help: 'Any RTMP or RTMPS server.' },
  { id: 'custom-whip', name: 'Custom WHIP (WebRTC)', kind: 'whip', url: 'https://{host}/whip/{stream}', editableUrl: true, secretLabel: 'Bearer token (optional)', help: 'Any WHIP endpoint (RFC 9725).' },
  { id: 'srt', name: 'SRT (caller)', kind: 'srt', url: 'srt://{host}:{port}?streamid={stream}', editableUrl: true, secretLabel: 'Passphrase (optional, 10-79 characters)', help: 'An SRT listener.' },
  { id: 'recording', name: 'Recording (Matroska)', kind: 'recording', url: '', editableUrl: true, help: 'A file, or a folder ending in / for <show>-<time>.mkv, on the engine’s machine.' },
];

export function presetById(id: string, presets: DestinationPreset[] = DESTINATION_PRESETS): DestinationPreset {
  return presets.find((p) => p.id === id) ?? presets[0];
}

const SERVICE_NAMES: Record<string, string> = { youtube: 'YouTube', facebook: 'Facebook', twitch: 'Twitch' };

/**
 * Quick checks while the form is filled in: what the service is known to reject or degrade.
 * (After adding, the engine's own preflight is authoritative and shows on the row.)
 */
export function preflightWarnings(presetId: string, kind: DestinationKind, url: string, output: OutputSettings): string[] {
  const warnings: string[] = [];
  // Preset ids start with their service: youtube, youtube-backup, red5pro-whip, custom-rtmp, …
  const service = presetId.split('-')[0];
  const name = SERVICE_NAMES[service];
  if (name && output.keyframeIntervalS > 4) {
    warnings.push(`${name} wants a keyframe every 2 s (never more than 4 s); the program has ${output.keyframeIntervalS} s.`);
  } else if (name && output.keyframeIntervalS !== 2) {
    warnings.push(`${name} recommends a keyframe every 2 s; the program has ${output.keyframeIntervalS} s.`);
  }
  if (service === 'facebook') {
    if (!/^rtmps:\/\//i.test(url)) warnings.push('Facebook accepts RTMPS only.');
    if (output.height > 1080) warnings.push('Facebook accepts at most 1080p.');
    if (!output.cbr) warnings.push('Facebook wants constant bitrate (CBR).');
  }
  if (service === 'twitch') {
    if (output.videoBitrateKbps + output.audioBitrateKbps > 6000) warnings.push('Twitch accepts at most 6 Mbps in total.');
    if (!output.cbr) warnings.push('Twitch wants strict constant bitrate (CBR).');
  }
  if (service === 'youtube' && output.videoBitrateKbps < 1500) {
    warnings.push('YouTube may show the stream as poor quality below 1.5 Mbps.');
  }
  if (kind === 'whip' && output.keyframeIntervalS > 1) {
    warnings.push(`WebRTC viewers wait for a keyframe to start; a ${output.keyframeIntervalS} s interval delays them (1 s or less is better).`);
  }
  warnings.push(...placeholderWarnings(url));
  return warnings;
}

function placeholderWarnings(url: string): string[] {
  const placeholders = url.match(/\{[a-z]+\}/g);
  return placeholders ? [`Replace ${[...new Set(placeholders)].join(', ')} in the URL.`] : [];
}

/** 3725 → "1:02:05", 65 → "1:05". */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
