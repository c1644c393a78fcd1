/**
 * Destination presets: the services a producer picks from, their ingest URLs (PRODUCT.md's table)
 * and the checks worth making before going live. Pure data and functions.
 */
import type { OutputSettings } from '../../../shared/show.ts';

export type DestinationKind = 'rtmp' | 'whip' | 'srt' | 'recording';

export interface DestinationPreset {
  id: string;
  name: string;
  kind: DestinationKind;
  /** Pre-filled URL; `editable` false means the URL is fixed by the service. */
  url: string;
  editableUrl: boolean;
  /** What the secret field is called for this service, if it has one. */
  secretLabel?: string;
  help: string;
}

export const DESTINATION_PRESETS: DestinationPreset[] = [
  {
    id: 'youtube',
    name: 'YouTube',
    kind: 'rtmp',
    url: 'rtmps://a.rtmps.youtube.com:443/live2',
    editableUrl: false,
    secretLabel: 'Stream key',
    help: 'YouTube Studio → Go live → Stream → Stream key.',
  },
  {
    id: 'facebook',
    name: 'Facebook',
    kind: 'rtmp',
    url: 'rtmps://live-api-s.facebook.com:443/rtmp/',
    editableUrl: false,
    secretLabel: 'Stream key',
    help: 'Facebook Live Producer → Streaming software → Stream key (RTMPS only).',
  },
  {
    id: 'twitch',
    name: 'Twitch',
    kind: 'rtmp',
    url: 'rtmps://ingest.global-contribute.live-video.net/app/',
    editableUrl: true,
    secretLabel: 'Stream key',
    help: 'Twitch Creator Dashboard → Settings → Stream → Primary stream key.',
  },
  {
    id: 'red5pro-rtmp',
    name: 'Red5 Pro XDN (RTMP)',
    kind: 'rtmp',
    url: 'rtmp://your-xdn-host:1935/live',
    editableUrl: true,
    secretLabel: 'Stream name',
    help: 'Your XDN origin host; the stream name is what viewers subscribe to.',
  },
  {
    id: 'red5pro-whip',
    name: 'Red5 Pro XDN (WHIP, sub-second)',
    kind: 'whip',
    url: 'https://your-xdn-host/live/whip/endpoint/STREAM',
    editableUrl: true,
    secretLabel: 'Token (optional)',
    help: 'Replace the host and STREAM with your XDN host and stream name.',
  },
  { id: 'rtmp', name: 'Custom RTMP(S)', kind: 'rtmp', url: 'rtmp://', editableUrl: true, secretLabel: 'Stream key', help: 'Any RTMP or RTMPS server.' },
  { id: 'whip', name: 'Custom WHIP', kind: 'whip', url: 'https://', editableUrl: true, secretLabel: 'Bearer token (optional)', help: 'Any WHIP endpoint (RFC 9725).' },
  { id: 'srt', name: 'Custom SRT', kind: 'srt', url: 'srt://', editableUrl: true, secretLabel: 'Passphrase (optional)', help: 'An SRT listener, e.g. srt://host:9000?streamid=...' },
  { id: 'recording', name: 'Recording', kind: 'recording', url: '', editableUrl: true, help: 'A file, or a folder ending in / for <show>-<time>.mkv, on the engine’s machine.' },
];

export function presetById(id: string): DestinationPreset {
  return DESTINATION_PRESETS.find((p) => p.id === id) ?? DESTINATION_PRESETS[0];
}

/** Problems the service is known to reject or degrade, found before going live. */
export function preflightWarnings(presetId: string, url: string, output: OutputSettings): string[] {
  const warnings: string[] = [];
  const preset = presetById(presetId);
  const big = ['youtube', 'facebook', 'twitch'];
  if (big.includes(preset.id) && output.keyframeIntervalS > 4) {
    warnings.push(`${preset.name} wants a keyframe every 2 s (never more than 4 s); the program has ${output.keyframeIntervalS} s.`);
  } else if (big.includes(preset.id) && output.keyframeIntervalS !== 2) {
    warnings.push(`${preset.name} recommends a keyframe every 2 s; the program has ${output.keyframeIntervalS} s.`);
  }
  if (preset.id === 'facebook') {
    if (!/^rtmps:\/\//i.test(url)) warnings.push('Facebook accepts RTMPS only.');
    if (output.height > 1080) warnings.push('Facebook accepts at most 1080p.');
    if (!output.cbr) warnings.push('Facebook wants constant bitrate (CBR).');
  }
  if (preset.id === 'twitch') {
    if (output.videoBitrateKbps + output.audioBitrateKbps > 6000) warnings.push('Twitch accepts at most 6 Mbps in total.');
    if (!output.cbr) warnings.push('Twitch wants strict constant bitrate (CBR).');
  }
  if (preset.id === 'youtube' && output.videoBitrateKbps < 1500) {
    warnings.push('YouTube may show the stream as poor quality below 1.5 Mbps.');
  }
  if (preset.kind === 'whip' && output.keyframeIntervalS > 1) {
    warnings.push(`WebRTC viewers wait for a keyframe to start; a ${output.keyframeIntervalS} s interval delays them (1 s or less is better).`);
  }
  if (/your-xdn-host|STREAM$/.test(url)) warnings.push('Replace the placeholder host / stream name in the URL.');
  return warnings;
}

/** 3725 → "1:02:05", 65 → "1:05". */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
