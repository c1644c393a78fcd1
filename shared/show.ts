/**
 * The show document: one declarative description of a production (program settings, sources,
 * layout, destinations). Saved as JSON, loaded by `cutline run`, `cutline serve --show` and
 * `show.load`. These zod schemas are the single source of truth for its shape; docs/SHOW-FORMAT.md
 * describes it for people.
 */
import { z } from 'zod';

export const SHOW_FORMAT_VERSION = 1;
/** Show files holding more than one program (`programs`) are saved as version 2; both load. */
export const SHOW_FORMAT_VERSION_PROGRAMS = 2;
/** The most of each a show holds; `source.add`, `destination.add`, `overlay.add` and `program.add` keep to them too. */
export const SHOW_LIMITS = { sources: 64, destinations: 32, overlays: 64, objects: 64, programs: MAX_PROGRAMS } as const;
/** The program every show has: the top-level output/layout/preview/transition/overlays/audio fields are its. */
export { MAIN_PROGRAM_ID };
/** Widest or tallest program picture: H.264 level 6.2 and every encoder we use take 4096. */
export const MAX_PROGRAM_SIDE = 4096;

import { Id } from './ids.ts';
import { ObjectCreate, OverlaySpec } from './objects.ts';
import { MAIN_PROGRAM_ID, MAX_PROGRAMS } from './programNames.ts';

export { Id };

const HexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'use #rrggbb');

export const EncoderChoice = z.enum([
  'auto',
  'libx264',
  'h264_nvenc',
  'h264_qsv',
  'h264_amf',
  'h264_vaapi',
  'h264_videotoolbox',
  'h264_mf',
]);
export type EncoderChoice = z.infer<typeof EncoderChoice>;

export const OutputSettings = z.object({
  // 4:2:0 needs even sizes; 4096 in either direction allows 4K, a 1080×1920 vertical and a 3840×1080 wall.
  width: z.number().int().min(90).max(MAX_PROGRAM_SIDE, `at most ${MAX_PROGRAM_SIDE}`).multipleOf(2, 'must be even').default(1280),
  height: z.number().int().min(90).max(MAX_PROGRAM_SIDE, `at most ${MAX_PROGRAM_SIDE}`).multipleOf(2, 'must be even').default(720),
  fps: z.number().int().min(1).max(60).default(30),
  videoBitrateKbps: z.number().int().min(100).max(50_000).default(4500),
  audioBitrateKbps: z.number().int().min(32).max(512).default(128),
  keyframeIntervalS: z.number().min(0.25).max(10).default(2),
  encoder: EncoderChoice.default('auto'),
  /** libx264 speed preset; hardware encoders map it to their own low-latency presets. */
  x264Preset: z
    .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'])
    .default('veryfast'),
  /** Constant bitrate (maxrate = bitrate, one-second buffer), as Facebook and Twitch want. */
  cbr: z.boolean().default(true),
});
export type OutputSettings = z.infer<typeof OutputSettings>;

const sourceCommon = {
  id: Id,
  label: z.string().max(80).optional(),
  gainDb: z.number().min(-60).max(20).default(0),
  muted: z.boolean().default(false),
  /** How long a stalled source holds its last frame before the slate replaces it. */
  slateAfterS: z.number().min(0).max(600).default(3),
};

export const TestPatternSource = z.object({
  ...sourceCommon,
  kind: z.literal('testPattern'),
  /** Solid background colour; absent = SMPTE-like bars. */
  color: HexColor.optional(),
  /** Sine tone frequency; absent = silence. */
  toneHz: z.number().min(20).max(20_000).optional(),
});

export const FileSource = z.object({
  ...sourceCommon,
  kind: z.literal('file'),
  path: z.string().min(1),
  loop: z.boolean().default(true),
});

export const UrlSource = z.object({
  ...sourceCommon,
  kind: z.literal('url'),
  url: z
    .string()
    .regex(/^(rtmps?|rtsp|srt|https?|udp|tcp):\/\//i, 'use an rtmp(s), rtsp, srt, http(s), udp or tcp URL'),
  reconnect: z.boolean().default(true),
});

export const DeviceSource = z.object({
  ...sourceCommon,
  kind: z.literal('device'),
  /** Device names as `device.list` returns them; at least one of the two. */
  video: z.string().optional(),
  audio: z.string().optional(),
});

/** A remote guest publishing over WHIP (created by `guest.invite`; docs/WEBRTC.md). */
export const GuestSource = z.object({
  ...sourceCommon,
  kind: z.literal('guest'),
});

/** A stream pulled over WHEP from an XDN, an SFU or another Cutline; reconnects by itself. */
export const WhepSource = z.object({
  ...sourceCommon,
  kind: z.literal('whep'),
  url: z.string().regex(/^https?:\/\//i, 'use an http(s):// WHEP endpoint URL'),
  token: z.string().max(4096).optional(),
});

export const SourceSpec = z.discriminatedUnion('kind', [
  TestPatternSource,
  FileSource,
  UrlSource,
  DeviceSource,
  GuestSource,
  WhepSource,
]);
export type SourceSpec = z.infer<typeof SourceSpec>;
export type SourceKind = SourceSpec['kind'];
export const SOURCE_KINDS = ['testPattern', 'file', 'url', 'device', 'guest', 'whep'] as const;

const Fraction = z.number().min(0).max(1);

export const Placement = z.object({
  source: Id,
  x: Fraction,
  y: Fraction,
  width: Fraction.refine((v) => v > 0, 'must be > 0'),
  height: Fraction.refine((v) => v > 0, 'must be > 0'),
  z: z.number().int().default(0),
  /** Part of the source to show, in fractions of the source picture. */
  crop: z
    .object({ x: Fraction, y: Fraction, width: Fraction, height: Fraction })
    .optional(),
});
export type Placement = z.infer<typeof Placement>;

export const LayoutPreset = z.enum(['solo', 'sideBySide', 'grid', 'spotlight', 'pip', 'custom', 'stack', 'wall']);
export type LayoutPreset = z.infer<typeof LayoutPreset>;


/**
 * Active speaker (docs/LAYOUTS.md): the program follows the loudest source with hysteresis and
 * puts it in the layout's main slot (solo, spotlight, pip, sideBySide, stack) or the wall highlight.
 */
export const FollowSpec = z.object({
  mode: z.literal('speaker'),
  /** A new speaker stays at least this long before anyone else may take over. */
  holdMs: z.number().int().min(1500).max(60_000).default(1500),
  /** Someone must be the clear speaker this long before the program switches (ignores blips). */
  ignoreMs: z.number().int().min(0).max(10_000).default(300),
  /** Who may be followed; absent = every source the layout lists. */
  sources: z.array(Id).max(64).optional(),
});
export type FollowSpec = z.infer<typeof FollowSpec>;

export const LayoutSpec = z.object({
  preset: LayoutPreset,
  /** Source ids in order: the first is the main one (solo, spotlight, pip background). */
  sources: z.array(Id).max(64).default([]),
  /** fit = whole picture, letterboxed; fill = cover the cell, cropping the overflow. */
  fit: z.enum(['fit', 'fill']).default('fit'),
  /** Space between cells, as a fraction of the canvas width. */
  gap: z.number().min(0).max(0.1).default(0),
  /** Only for `custom`. */
  placements: z.array(Placement).max(64).optional(),
  background: HexColor.default('#000000'),
  /** Only for `wall`: the source on the bigger tile with a coloured frame (one of `sources`). */
  highlight: Id.optional(),
  /** The highlight frame's colour (default DEFAULT_HIGHLIGHT_COLOR, shared/layout.ts). */
  highlightColor: HexColor.optional(),
  /** Follow the active speaker (absent = the layout stays as set). */
  follow: FollowSpec.optional(),
});
export type LayoutSpec = z.infer<typeof LayoutSpec>;
export type LayoutInput = z.input<typeof LayoutSpec>;

export const TransitionSpec = z.object({
  kind: z.enum(['cut', 'fade']).default('cut'),
  durationMs: z.number().int().min(0).max(10_000).default(500),
});
export type TransitionSpec = z.infer<typeof TransitionSpec>;

const destinationCommon = {
  id: Id,
  label: z.string().max(80).optional(),
  /** Names the service the destination was made from (youtube, facebook, twitch, red5pro, ...). */
  preset: z.string().max(40).optional(),
  /** Start with the show (`cutline run`) / "go live" for all armed destinations. */
  enabled: z.boolean().default(true),
  /** The program it carries (absent = `main`); see docs/PROGRAMS.md. */
  program: Id.optional(),
  /** An ISO feed instead of a program: this one source's own picture and sound, clean (docs/PROGRAMS.md). */
  source: Id.optional(),
};

export const RtmpDestination = z.object({
  ...destinationCommon,
  kind: z.literal('rtmp'),
  url: z.string().regex(/^rtmps?:\/\//i, 'use an rtmp:// or rtmps:// URL'),
  streamKey: z.string().max(512).optional(),
});

export const RecordingDestination = z.object({
  ...destinationCommon,
  kind: z.literal('recording'),
  /** A file path, or a folder (ending in / or existing) to get `<show>-<time>.mkv` inside it. */
  path: z.string().min(1),
});

export const WhipDestination = z.object({
  ...destinationCommon,
  kind: z.literal('whip'),
  url: z.string().regex(/^https?:\/\//i, 'use an http(s):// WHIP endpoint URL'),
  token: z.string().max(4096).optional(),
  /** STUN/TURN servers for ICE (absent = host candidates only, fine on a LAN or a public server). */
  iceServers: z
    .array(z.object({ urls: z.string().regex(/^(stun|turns?):/i, 'use a stun:, turn: or turns: URL'), username: z.string().max(256).optional(), credential: z.string().max(512).optional() }))
    .max(8)
    .optional(),
  /** transcode = its own H.264 constrained-baseline encode with a keyframe every second (any viewer);
   * copy = share the program encode (H.264 High, no B-frames; keyframes as the program's). */
  video: z.enum(['transcode', 'copy']).default('transcode'),
});

export const SrtDestination = z.object({
  ...destinationCommon,
  kind: z.literal('srt'),
  url: z.string().regex(/^srt:\/\//i, 'use an srt:// URL'),
  passphrase: z.string().max(79).optional(),
});

export const DestinationSpec = z.discriminatedUnion('kind', [
  RtmpDestination,
  RecordingDestination,
  WhipDestination,
  SrtDestination,
]);
export type DestinationSpec = z.infer<typeof DestinationSpec>;
/** A destination as written or sent (`enabled`, WHIP `video` may be left to their defaults). */
export type DestinationInput = z.input<typeof DestinationSpec>;

/** WebRTC guests and WHEP: ICE for the real world, and limits (docs/WEBRTC.md). */
export const WebRtcSettings = z.object({
  /** STUN/TURN servers handed to the engine's peers and to the guest page. */
  iceServers: z
    .array(z.object({ urls: z.union([z.string(), z.array(z.string())]), username: z.string().max(256).optional(), credential: z.string().max(256).optional() }))
    .max(8)
    .default([]),
  /** UDP ports the engine's peers use (open these in the firewall). */
  udpPortRange: z.tuple([z.number().int().min(1024).max(65535), z.number().int().min(1024).max(65535)]).optional(),
  /** Extra addresses to advertise as candidates: a LAN IP, a public IP forwarded to this machine. */
  advertisedAddresses: z.array(z.string().max(255)).max(8).default([]),
  /** The base URL guests reach this engine at (guest links); default: the API server's URL. */
  publicUrl: z.string().regex(/^https?:\/\//i, 'use an http(s):// URL').optional(),
  maxGuests: z.number().int().min(1).max(16).default(8),
  /** Each guest's video is capped to this (b=AS in the answer); a guest far above it is dropped. */
  maxGuestBitrateKbps: z.number().int().min(100).max(20_000).default(2500),
  /**
   * A guest silent this long (no packets, no DELETE) has left and its source goes; until then a
   * guest whose connection dropped keeps its source ("reconnecting") and its place in the layouts
   * while the guest page rejoins by itself. 45 s rides out a Wi-Fi to mobile switch or a 20 s outage.
   */
  guestTimeoutS: z.number().min(2).max(300).default(45),
  /** Bearer token for WHEP viewers of the program (`/whep/program`); absent = that endpoint is off. */
  programToken: z.string().min(8).max(256).optional(),
  /**
   * The public surface (guest pages, WHIP, WHEP, viewer, objects socket) on a listener of its own,
   * the one a reverse proxy forwards; it never serves the control API (docs/SECURITY.md). Read when
   * `cutline serve|run` starts (`--public-host/--public-port` win).
   */
  publicListen: z.object({ host: z.string().min(1).max(255).default('127.0.0.1'), port: z.number().int().min(0).max(65535) }).optional(),
  /** WebRTC sessions (WHIP guests + WHEP viewers and returns) at once; beyond → 429. */
  maxSessions: z.number().int().min(1).max(256).default(32),
  /** WebRTC sessions one token (a guest's, the program token) may hold at once; beyond → 429. */
  maxSessionsPerToken: z.number().int().min(1).max(256).default(8),
});
export type WebRtcSettings = z.infer<typeof WebRtcSettings>;

export const AudioSettings = z.object({
  masterGainDb: z.number().min(-60).max(20).default(0),
  masterMuted: z.boolean().default(false),
});

/**
 * One program of the show: its own picture size, layouts, transition, overlays and master level,
 * mixed from the show's shared sources and encoded once for every destination naming it.
 * The `main` program is the show's top-level fields (shared/programs.ts does the mapping).
 */
export const ProgramSpec = z.object({
  id: Id,
  /** What the desk and the viewer page call it; absent = the id. */
  name: z.string().min(1).max(80).optional(),
  output: OutputSettings.default(OutputSettings.parse({})),
  layout: LayoutSpec.default(LayoutSpec.parse({ preset: 'grid' })),
  preview: LayoutSpec.optional(),
  transition: TransitionSpec.default(TransitionSpec.parse({})),
  overlays: z.array(OverlaySpec).max(SHOW_LIMITS.overlays).default([]),
  audio: AudioSettings.default(AudioSettings.parse({})),
  /** A view the audience may choose (the viewer page); off unless set. */
  public: z.boolean().optional(),
});
export type ProgramSpec = z.infer<typeof ProgramSpec>;
export type ProgramInput = z.input<typeof ProgramSpec>;

export const ShowDocument = z
  .object({
    version: z.union([z.literal(SHOW_FORMAT_VERSION), z.literal(SHOW_FORMAT_VERSION_PROGRAMS)]).default(SHOW_FORMAT_VERSION),
    name: z.string().max(120).default('Untitled show'),
    output: OutputSettings.default(OutputSettings.parse({})),
    sources: z.array(SourceSpec).max(SHOW_LIMITS.sources).default([]),
    layout: LayoutSpec.default(LayoutSpec.parse({ preset: 'grid' })),
    /** What studio mode has on preview; absent = same as program. */
    preview: LayoutSpec.optional(),
    transition: TransitionSpec.default(TransitionSpec.parse({})),
    audio: AudioSettings.default(AudioSettings.parse({})),
    destinations: z.array(DestinationSpec).max(SHOW_LIMITS.destinations).default([]),
    /** Graphics composited over the program, in z-order (docs/SHARED-OBJECTS.md). */
    overlays: z.array(OverlaySpec).max(SHOW_LIMITS.overlays).default([]),
    /** Shared objects the show needs; created at load unless the journal already has them. */
    objects: z.array(ObjectCreate).max(SHOW_LIMITS.objects).default([]),
    /** Where shared objects live: the journal (default) or Redis (docs/SHARED-OBJECTS.md "On Redis"); read at start. */
    objectsBackend: z.discriminatedUnion('kind', [z.object({ kind: z.literal('journal') }).strict(), z.object({ kind: z.literal('redis'), url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').max(2048) }).strict()]).optional(),
    webrtc: WebRtcSettings.optional(),
    /**
     * Every program (version 2). Absent = one program `main` made of the fields above; present, it
     * must hold `main`, whose entry wins over the fields above (shared/programs.ts).
     */
    programs: z.array(ProgramSpec).min(1).max(SHOW_LIMITS.programs, `a show has at most ${SHOW_LIMITS.programs} programs`).optional(),
  })
  .superRefine((show, ctx) => {
    const seen = new Set<string>();
    show.sources.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['sources', i, 'id'], message: `duplicate source id "${s.id}"` });
      seen.add(s.id);
    });
    const dests = new Set<string>();
    show.destinations.forEach((d, i) => {
      if (dests.has(d.id)) ctx.addIssue({ code: 'custom', path: ['destinations', i, 'id'], message: `duplicate destination id "${d.id}"` });
      dests.add(d.id);
    });
    for (const [key, layout] of [['layout', show.layout], ['preview', show.preview]] as const) {
      layout?.sources.forEach((id, i) => {
        if (!seen.has(id)) ctx.addIssue({ code: 'custom', path: [key, 'sources', i], message: `unknown source id "${id}"` });
      });
      if (layout?.highlight && !seen.has(layout.highlight))
        ctx.addIssue({ code: 'custom', path: [key, 'highlight'], message: `unknown source id "${layout.highlight}"` });
      layout?.follow?.sources?.forEach((id, i) => {
        if (!seen.has(id)) ctx.addIssue({ code: 'custom', path: [key, 'follow', 'sources', i], message: `unknown source id "${id}"` });
      });
    }
    for (const issue of programIssues(show, seen)) ctx.addIssue({ code: 'custom', ...issue });
  });
export type ShowDocument = z.infer<typeof ShowDocument>;
export type ShowDocumentInput = z.input<typeof ShowDocument>;

/** What is wrong with a show's programs and the destinations naming them (ids, `main`, sources, fps). */
function programIssues(
  show: { output: OutputSettings; programs?: ProgramSpec[] | undefined; destinations: DestinationSpec[]; sources: SourceSpec[] },
  sourceIds: ReadonlySet<string>,
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const programs = show.programs;
  const programIds = new Set(programs ? [] : [MAIN_PROGRAM_ID]);
  if (programs) {
    if (!programs.some((p) => p.id === MAIN_PROGRAM_ID)) issues.push({ path: ['programs'], message: `a show's programs must include one with id "${MAIN_PROGRAM_ID}"` });
    const mainFps = programs.find((p) => p.id === MAIN_PROGRAM_ID)?.output.fps ?? show.output.fps;
    programs.forEach((program, i) => {
      if (programIds.has(program.id)) issues.push({ path: ['programs', i, 'id'], message: `duplicate program id "${program.id}"` });
      programIds.add(program.id);
      if (program.output.fps !== mainFps)
        issues.push({ path: ['programs', i, 'output', 'fps'], message: `every program runs on the show's clock at ${mainFps} fps (main's); use ${mainFps}` });
      for (const [key, layout] of [['layout', program.layout], ['preview', program.preview]] as const)
        layout?.sources.forEach((id, j) => {
          if (!sourceIds.has(id)) issues.push({ path: ['programs', i, key, 'sources', j], message: `unknown source id "${id}"` });
        });
    });
  }
  show.destinations.forEach((d, i) => {
    if (d.program !== undefined && d.source !== undefined)
      issues.push({ path: ['destinations', i], message: 'a destination carries a program or one source (ISO), not both: remove "program" or "source"' });
    if (d.program !== undefined && !programIds.has(d.program))
      issues.push({ path: ['destinations', i, 'program'], message: `no program with id "${d.program}"; the show has ${[...programIds].join(', ')}` });
    if (d.source !== undefined && !sourceIds.has(d.source)) issues.push({ path: ['destinations', i, 'source'], message: `no source with id "${d.source}" for this ISO feed` });
  });
  return issues;
}

/** Turns a zod error into one line a person can act on: `sources.1.kind: ...`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
