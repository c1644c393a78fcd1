/**
 * Preflight: before going live, compare the program settings with what the destination's service
 * requires (destinationPresets.ts) and with what this engine can do, and say in plain words what
 * would go wrong. Warnings never block going live (a producer may know better); `blocking` problems
 * are the ones the destination cannot start with at all (e.g. SRT without libsrt), and start()
 * reports them as its error. The engine runs it on `destination.preflight` and on every start; the
 * desk runs the same checks while the add form is filled in, so both say the same words. Pure: no
 * I/O (free space, when known, is given by the caller); safe in the engine and the browser.
 */
import type { DestinationInput, OutputSettings } from './show.ts';
import { type BitrateTier, type DestinationPreset, presetFor } from './destinationPresets.ts';

export type PreflightSeverity = 'warning' | 'info';

export interface PreflightIssue {
  /** Stable code for UIs and tests, e.g. `keyframe-interval`. */
  code: string;
  severity: PreflightSeverity;
  message: string;
}

export interface PreflightResult {
  id: string;
  preset?: string;
  /** True when nothing needs attention. */
  ok: boolean;
  issues: PreflightIssue[];
  /** Why the destination cannot start at all here (not a warning: start() fails with it). */
  blocking?: string;
}

export interface PreflightContext {
  output: OutputSettings;
  /** Program audio: sources whose audio is in the mix (unmuted), and the master mute. */
  audio: { audibleSources: number; masterMuted: boolean };
  capabilities: { srt: boolean; rtmps: boolean };
  ffmpegPath: string;
  /** Free bytes where a recording goes (undefined = unknown). */
  freeBytes?: number;
}

/** What the presets' URLs hold until the producer puts in their own server (destinationPresets.ts). */
const PLACEHOLDERS = /\{(?:host|port|stream)\}/g;

/** The program's video profile: the encoder is set to High without B-frames (encoderArgs.ts). */
const PROGRAM_PROFILE = 'high';

function tierFor(tiers: BitrateTier[], height: number, fps: number): BitrateTier | undefined {
  return tiers.find((t) => height <= t.maxHeight && fps <= t.maxFps);
}

const mbps = (kbps: number) => `${(kbps / 1000).toFixed(kbps % 1000 === 0 ? 0 : 1)} Mbps`;

function checkRequirements(preset: DestinationPreset, ctx: PreflightContext, out: PreflightIssue[]): void {
  const r = preset.requirements;
  const o = ctx.output;
  const name = preset.label.replace(/ \(.*\)$/, '');
  const kf = r.keyframeIntervalS;
  if (kf && o.keyframeIntervalS > kf.max)
    out.push({
      code: 'keyframe-interval',
      severity: 'warning',
      message: `${name} needs a keyframe at least every ${kf.max} s (it asks for ${kf.recommended} s); the program sends one every ${o.keyframeIntervalS} s: set the keyframe interval to ${kf.recommended} s`,
    });
  if (r.maxHeight && o.height > r.maxHeight)
    out.push({ code: 'resolution', severity: 'warning', message: `${name} accepts at most ${r.maxHeight}p; the program is ${o.width}×${o.height}` });
  else if (r.maxWidth && o.width > r.maxWidth)
    out.push({ code: 'resolution', severity: 'warning', message: `${name} accepts at most ${r.maxWidth} pixels wide; the program is ${o.width}×${o.height}` });
  if (r.maxFps && o.fps > r.maxFps)
    out.push({ code: 'frame-rate', severity: 'warning', message: `${name} accepts at most ${r.maxFps} fps; the program runs at ${o.fps}` });
  if (r.maxVideoKbps && o.videoBitrateKbps > r.maxVideoKbps)
    out.push({
      code: 'bitrate',
      severity: 'warning',
      message: `${name} accepts at most ${mbps(r.maxVideoKbps)} of video; the program sends ${mbps(o.videoBitrateKbps)}`,
    });
  const tier = r.bitrates && tierFor(r.bitrates, o.height, o.fps);
  if (tier && (o.videoBitrateKbps > tier.maxKbps || o.videoBitrateKbps < tier.minKbps)) {
    const fmt = `${o.height}p${o.fps}`;
    const tooHigh = o.videoBitrateKbps > tier.maxKbps;
    out.push({
      code: 'bitrate',
      severity: 'warning',
      message: `${name} recommends ${mbps(tier.minKbps)}–${mbps(tier.maxKbps)} for ${fmt}; the program sends ${mbps(o.videoBitrateKbps)}${tooHigh ? ': viewers may buffer, or the service may reject it' : ': the picture will be poor'}`,
    });
  }
  if (r.cbr && !o.cbr)
    out.push({ code: 'cbr', severity: 'warning', message: `${name} wants constant bitrate (CBR); the program encodes with variable bitrate` });
  if (r.profiles && !r.profiles.includes(PROGRAM_PROFILE))
    out.push({ code: 'profile', severity: 'info', message: `${name} asks for H.264 ${r.profiles.join('/')}; the program is H.264 High` });
  const a = r.audio;
  if (a) {
    if (a.maxKbps && o.audioBitrateKbps > a.maxKbps)
      out.push({ code: 'audio-bitrate', severity: 'warning', message: `${name} accepts audio up to ${a.maxKbps} kbps; the program sends ${o.audioBitrateKbps} kbps` });
    if (a.minKbps && o.audioBitrateKbps < a.minKbps)
      out.push({ code: 'audio-bitrate', severity: 'info', message: `${name} recommends at least ${a.minKbps} kbps of audio; the program sends ${o.audioBitrateKbps} kbps` });
    const silent = ctx.audio.masterMuted || ctx.audio.audibleSources === 0;
    if (silent)
      out.push({
        code: 'no-audio',
        severity: a.required ? 'warning' : 'info',
        message: `${ctx.audio.masterMuted ? 'the program audio is muted' : 'no source has audio in the program mix'}${a.required ? `: ${name} needs audio and may stop the stream` : ': viewers will hear silence'}`,
      });
  }
}

/** Takes a spec as sent (the desk checks its add form's draft); a parsed DestinationSpec is one too. */
export function preflight(spec: DestinationInput, ctx: PreflightContext): PreflightResult {
  const issues: PreflightIssue[] = [];
  let blocking: string | undefined;
  const preset = presetFor(spec);
  const placeholders = 'url' in spec ? [...new Set(spec.url.match(PLACEHOLDERS))] : [];
  if (placeholders.length)
    blocking = `the URL still has ${placeholders.length > 1 ? 'placeholders' : 'a placeholder'} (${placeholders.join(', ')}): put in your server's address`;
  if (spec.kind === 'srt' && !ctx.capabilities.srt)
    blocking = `this ffmpeg (${ctx.ffmpegPath}) cannot send SRT (built without libsrt): set CUTLINE_FFMPEG to an ffmpeg with SRT, e.g. Debian's or Homebrew's`;
  if (spec.kind === 'rtmp') {
    const needsKey = preset && ['youtube', 'facebook', 'twitch'].includes(preset.service);
    if (needsKey && !spec.streamKey && !/\/live2\/.+|\/rtmp\/.+|\/app\/.+/.test(spec.url))
      issues.push({ code: 'no-stream-key', severity: 'warning', message: `no stream key: ${preset.label.replace(/ \(.*\)$/, '')} will refuse the stream` });
    if (preset?.service === 'facebook' && !/^rtmps:/i.test(spec.url))
      issues.push({ code: 'rtmps-required', severity: 'warning', message: 'Facebook accepts only RTMPS: use an rtmps:// URL' });
    if (/^rtmp:/i.test(spec.url) && preset && ['youtube', 'twitch'].includes(preset.service))
      issues.push({ code: 'unencrypted', severity: 'info', message: 'this URL is not encrypted: the stream key travels in clear text; prefer the rtmps:// ingest' });
  }
  if (spec.kind === 'whip' && ctx.output.keyframeIntervalS > 1)
    issues.push({
      code: 'whip-keyframes',
      severity: 'info',
      message: `WebRTC viewers start at a keyframe and the program has one every ${ctx.output.keyframeIntervalS} s: this destination encodes its own video (H.264 constrained baseline, a keyframe every second) instead of sharing the program encode`,
    });
  if (spec.kind === 'recording' && ctx.freeBytes !== undefined) {
    const perHour = ((ctx.output.videoBitrateKbps + ctx.output.audioBitrateKbps) * 1000 * 3600) / 8;
    if (ctx.freeBytes < perHour / 6)
      issues.push({
        code: 'disk-space',
        severity: 'warning',
        message: `only ${(ctx.freeBytes / 1e9).toFixed(1)} GB free where the recording goes: about ${Math.floor((ctx.freeBytes / perHour) * 60)} minutes at the program bitrate`,
      });
  }
  if (preset) checkRequirements(preset, ctx, issues);
  return {
    id: spec.id,
    ...(spec.preset ? { preset: spec.preset } : {}),
    ok: issues.length === 0 && !blocking,
    issues,
    ...(blocking ? { blocking } : {}),
  };
}
