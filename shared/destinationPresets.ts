/**
 * The services a producer can send to in one click, and what each one's ingest requires (from the
 * services' published ingest guides; see ../shared/PRODUCT.md's ingest table). A preset fills in a
 * destination spec (kind, URL, `preset` name) and is what destinationPreflight.ts checks the
 * program against. The one list: the engine answers `destination.presets` from it and the desk's
 * add form is filled from it. Pure data and functions: no I/O, safe in the engine and the browser.
 */
import type { DestinationSpec } from './show.ts';

export type PresetId =
  | 'youtube'
  | 'youtube-backup'
  | 'facebook'
  | 'twitch'
  | 'red5pro-rtmp'
  | 'red5pro-whip'
  | 'custom-rtmp'
  | 'custom-whip'
  | 'srt'
  | 'recording';

/** A bitrate range for pictures up to `maxHeight` lines at up to `maxFps`. */
export interface BitrateTier {
  maxHeight: number;
  maxFps: number;
  minKbps: number;
  maxKbps: number;
}

export interface PresetRequirements {
  videoCodec: 'h264';
  /** H.264 profiles the service accepts (absent = any). */
  profiles?: ('constrained_baseline' | 'baseline' | 'main' | 'high')[];
  maxWidth?: number;
  maxHeight?: number;
  maxFps?: number;
  /** Keyframe interval: what the service asks for, and the most it tolerates. */
  keyframeIntervalS?: { recommended: number; max: number };
  /** Bitrate ranges by picture size and frame rate; the first tier that fits applies. */
  bitrates?: BitrateTier[];
  /** Highest total video bitrate the service accepts at all. */
  maxVideoKbps?: number;
  /** The service wants constant bitrate. */
  cbr?: boolean;
  /** WebRTC: B-frames cannot be sent. */
  noBFrames?: boolean;
  audio?: {
    codec: 'aac' | 'opus';
    sampleRates: number[];
    minKbps?: number;
    maxKbps?: number;
    /** The service rejects or misbehaves on a stream without (audible) audio. */
    required?: boolean;
  };
}

export interface DestinationPreset {
  id: PresetId;
  /** What goes into the spec's `preset` field. */
  service: string;
  label: string;
  kind: DestinationSpec['kind'];
  /** The URL to fill in; `{host}` and `{stream}` are placeholders the user replaces. */
  url?: string;
  /** Other ingest URLs of the same service (e.g. YouTube's backup and legacy RTMP). */
  alternateUrls?: { label: string; url: string }[];
  /** What the secret field is called in the UI, when the kind has one. */
  secretLabel?: string;
  /** Where the user finds the URL and key. */
  help: string;
  requirements: PresetRequirements;
}

const AAC_4844 = [48_000, 44_100];

export const PRESETS: readonly DestinationPreset[] = [
  {
    id: 'youtube',
    service: 'youtube',
    label: 'YouTube (RTMPS)',
    kind: 'rtmp',
    url: 'rtmps://a.rtmps.youtube.com:443/live2',
    alternateUrls: [
      { label: 'Backup ingest (RTMPS)', url: 'rtmps://b.rtmps.youtube.com:443/live2?backup=1' },
      { label: 'Legacy RTMP (unencrypted)', url: 'rtmp://a.rtmp.youtube.com/live2' },
    ],
    secretLabel: 'Stream key',
    help: 'YouTube Studio → Go live → Stream → "Stream key". Add a second destination with the backup ingest URL and the same key for redundancy.',
    requirements: {
      videoCodec: 'h264',
      keyframeIntervalS: { recommended: 2, max: 4 },
      maxFps: 60,
      bitrates: [
        { maxHeight: 720, maxFps: 30, minKbps: 1500, maxKbps: 8000 },
        { maxHeight: 720, maxFps: 60, minKbps: 2250, maxKbps: 9000 },
        { maxHeight: 1080, maxFps: 30, minKbps: 3000, maxKbps: 8000 },
        { maxHeight: 1080, maxFps: 60, minKbps: 4500, maxKbps: 12_000 },
        { maxHeight: 1440, maxFps: 60, minKbps: 6000, maxKbps: 24_000 },
        { maxHeight: 2160, maxFps: 60, minKbps: 13_000, maxKbps: 51_000 },
      ],
      audio: { codec: 'aac', sampleRates: AAC_4844, minKbps: 128, maxKbps: 160 },
    },
  },
  {
    id: 'youtube-backup',
    service: 'youtube',
    label: 'YouTube backup ingest (RTMPS)',
    kind: 'rtmp',
    url: 'rtmps://b.rtmps.youtube.com:443/live2?backup=1',
    secretLabel: 'Stream key',
    help: 'The same stream key as the primary YouTube destination; YouTube switches to it if the primary fails.',
    requirements: {
      videoCodec: 'h264',
      keyframeIntervalS: { recommended: 2, max: 4 },
      maxFps: 60,
      audio: { codec: 'aac', sampleRates: AAC_4844, minKbps: 128, maxKbps: 160 },
    },
  },
  {
    id: 'facebook',
    service: 'facebook',
    label: 'Facebook Live (RTMPS)',
    kind: 'rtmp',
    url: 'rtmps://live-api-s.facebook.com:443/rtmp/',
    secretLabel: 'Stream key',
    help: 'Facebook → Live Producer → "Streaming software" → Stream key. Facebook accepts only RTMPS.',
    requirements: {
      videoCodec: 'h264',
      profiles: ['main', 'high'],
      maxWidth: 1920,
      maxHeight: 1080,
      maxFps: 60,
      keyframeIntervalS: { recommended: 2, max: 4 },
      bitrates: [
        { maxHeight: 720, maxFps: 30, minKbps: 1500, maxKbps: 4000 },
        { maxHeight: 720, maxFps: 60, minKbps: 2250, maxKbps: 6000 },
        { maxHeight: 1080, maxFps: 30, minKbps: 3000, maxKbps: 6000 },
        { maxHeight: 1080, maxFps: 60, minKbps: 4500, maxKbps: 9000 },
      ],
      cbr: true,
      audio: { codec: 'aac', sampleRates: AAC_4844, minKbps: 96, maxKbps: 256, required: true },
    },
  },
  {
    id: 'twitch',
    service: 'twitch',
    label: 'Twitch (RTMPS)',
    kind: 'rtmp',
    url: 'rtmps://ingest.global-contribute.live-video.net/app/',
    secretLabel: 'Stream key',
    help: 'Twitch Creator Dashboard → Settings → Stream → "Primary Stream key".',
    requirements: {
      videoCodec: 'h264',
      maxFps: 60,
      keyframeIntervalS: { recommended: 2, max: 2 },
      maxVideoKbps: 6000,
      cbr: true,
      audio: { codec: 'aac', sampleRates: [48_000], maxKbps: 160 },
    },
  },
  {
    id: 'red5pro-rtmp',
    service: 'red5pro',
    label: 'Red5 Pro XDN (RTMP)',
    kind: 'rtmp',
    url: 'rtmp://{host}:1935/live/{stream}',
    help: 'Your XDN origin or its stream manager\'s RTMP address; the stream name is the last part of the URL.',
    requirements: {
      videoCodec: 'h264',
      keyframeIntervalS: { recommended: 1, max: 2 },
      noBFrames: true,
      audio: { codec: 'aac', sampleRates: AAC_4844 },
    },
  },
  {
    id: 'red5pro-whip',
    service: 'red5pro',
    label: 'Red5 Pro XDN (WHIP, sub-second)',
    kind: 'whip',
    url: 'https://{host}/live/whip/endpoint/{stream}',
    secretLabel: 'Bearer token (optional)',
    help: 'The WHIP endpoint of your XDN; viewers play it over WHEP at https://{host}/live/whep/endpoint/{stream}.',
    requirements: {
      videoCodec: 'h264',
      keyframeIntervalS: { recommended: 1, max: 2 },
      noBFrames: true,
      audio: { codec: 'opus', sampleRates: [48_000] },
    },
  },
  {
    id: 'custom-rtmp',
    service: 'custom',
    label: 'Custom RTMP / RTMPS',
    kind: 'rtmp',
    url: 'rtmp://{host}/live',
    secretLabel: 'Stream key',
    help: 'Any RTMP or RTMPS server (rtmps:// for TLS). The key is appended to the URL as the stream name.',
    requirements: { videoCodec: 'h264' },
  },
  {
    id: 'custom-whip',
    service: 'custom',
    label: 'Custom WHIP (WebRTC)',
    kind: 'whip',
    url: 'https://{host}/whip/{stream}',
    secretLabel: 'Bearer token (optional)',
    help: 'Any WHIP endpoint (RFC 9725): the token is sent as "Authorization: Bearer".',
    requirements: { videoCodec: 'h264', keyframeIntervalS: { recommended: 1, max: 2 }, noBFrames: true, audio: { codec: 'opus', sampleRates: [48_000] } },
  },
  {
    id: 'srt',
    service: 'custom',
    label: 'SRT (caller)',
    kind: 'srt',
    url: 'srt://{host}:{port}?streamid={stream}',
    secretLabel: 'Passphrase (optional, 10-79 characters)',
    help: 'Any SRT listener; MPEG-TS inside. Needs an ffmpeg built with libsrt.',
    requirements: { videoCodec: 'h264' },
  },
  {
    id: 'recording',
    service: 'recording',
    label: 'Recording (Matroska)',
    kind: 'recording',
    help: 'A folder (each recording gets "<show>-<date>-<time>.mkv", never overwriting) or a file path. Matroska stays playable if the app is killed.',
    requirements: { videoCodec: 'h264' },
  },
];

export function findPreset(id: string | undefined): DestinationPreset | undefined {
  if (!id) return undefined;
  return PRESETS.find((p) => p.id === id) ?? PRESETS.find((p) => p.service === id);
}

/**
 * The preset whose requirements apply to a spec: its `preset` field names the service; for
 * `red5pro` the kind picks RTMP or WHIP; a YouTube backup URL picks the backup preset.
 */
export function presetFor(spec: Pick<DestinationSpec, 'preset' | 'kind'>): DestinationPreset | undefined {
  if (!spec.preset) return undefined;
  const exact = PRESETS.find((p) => p.id === spec.preset);
  if (exact) return exact;
  return PRESETS.find((p) => p.service === spec.preset && p.kind === spec.kind) ?? findPreset(spec.preset);
}

export interface PresetCapabilities {
  srt: boolean;
  rtmps: boolean;
}

export interface PresetListing extends DestinationPreset {
  /** False when this engine cannot send it (e.g. SRT with an ffmpeg built without libsrt). */
  available: boolean;
  unavailableReason?: string;
}

/** The presets with what this engine's ffmpeg can actually do. */
export function listPresets(caps: PresetCapabilities, ffmpegPath: string): PresetListing[] {
  return PRESETS.map((preset) => {
    if (preset.kind === 'srt' && !caps.srt)
      return {
        ...preset,
        available: false,
        unavailableReason: `the ffmpeg in use (${ffmpegPath}) was built without SRT; set CUTLINE_FFMPEG to one with libsrt (e.g. Debian's or Homebrew's ffmpeg)`,
      };
    // RTMP(S) is published from Node (RtmpPublisher), so it never depends on the ffmpeg build.
    return { ...preset, available: true };
  });
}
