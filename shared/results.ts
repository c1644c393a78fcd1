/**
 * What commands answer with, as zod schemas: the command table (shared/protocol.ts, and
 * shared/objects.ts for objects and overlays) puts one next to each command's params, so clients
 * get typed results without casting, docs/API.md documents them, and the dispatcher checks every
 * result against its schema (a schema that disagrees with the engine fails the tests).
 * The engine's state (EngineState and its parts) is defined here too: `state.get` returns it.
 */
import { z } from 'zod';
import { LayoutSpec, OutputSettings, ShowDocument, TransitionSpec } from './show.ts';

/** A command that answers with nothing in particular. */
export const EmptyResult = z.object({}).strict();

// ---- state ------------------------------------------------------------------------------------

export const SourceState = z.enum(['connecting', 'live', 'stalled', 'ended', 'error']);
export type SourceState = z.infer<typeof SourceState>;
export const DestinationState = z.enum(['idle', 'connecting', 'live', 'reconnecting', 'stopped', 'error']);
export type DestinationState = z.infer<typeof DestinationState>;

export const SourceStatus = z.object({
  id: z.string(),
  kind: z.string(),
  label: z.string(),
  state: SourceState,
  /** What went wrong and what to do, when state is error/stalled/ended. */
  message: z.string().optional(),
  restarts: z.number(),
  /** Frames received from the decoder in the last second. */
  fps: z.number(),
});
export type SourceStatus = z.infer<typeof SourceStatus>;

export const DestinationStatus = z.object({
  id: z.string(),
  kind: z.string(),
  label: z.string(),
  preset: z.string().optional(),
  /** URL with any secret replaced, e.g. rtmp://host/live2/****abcd */
  target: z.string(),
  state: DestinationState,
  message: z.string().optional(),
  /** Preflight warnings (destination.preflight): what the service may reject or degrade. */
  warnings: z.array(z.string()).optional(),
  attempt: z.number(),
  nextRetryS: z.number().optional(),
  bitrateKbps: z.number(),
  fps: z.number(),
  droppedFrames: z.number(),
  uptimeS: z.number(),
  bytesSent: z.number(),
});
export type DestinationStatus = z.infer<typeof DestinationStatus>;

export const EncoderInfo = z.object({ name: z.string(), hardware: z.boolean(), reason: z.string() });
export type EncoderInfo = z.infer<typeof EncoderInfo>;

export const ProgramStatus = z.object({
  running: z.boolean(),
  width: z.number(),
  height: z.number(),
  fps: z.number(),
  measuredFps: z.number(),
  framesOut: z.number(),
  /** Ticks the clock could not produce in time (should stay 0). */
  lateFrames: z.number(),
  /** Frames not encoded because the encoder fell behind (machine overloaded). */
  droppedFrames: z.number(),
  encoder: EncoderInfo,
  encoderRestarts: z.number(),
  uptimeS: z.number(),
  /** The whole machine's CPU use, percent of all cores, over the last second. */
  cpuPercent: z.number(),
  /** A transition in progress. */
  transition: z.object({ kind: z.literal('fade'), progress: z.number() }).optional(),
});
export type ProgramStatus = z.infer<typeof ProgramStatus>;

/** One program as the state lists it: what it is called, its size and layouts, and how it runs. */
export const ProgramSummary = z.object({
  id: z.string(),
  name: z.string(),
  public: z.boolean(),
  output: OutputSettings,
  layout: LayoutSpec,
  preview: LayoutSpec.optional(),
  transition: TransitionSpec,
  status: ProgramStatus,
  /** The destinations carrying it. */
  destinations: z.array(z.string()),
});
export type ProgramSummary = z.infer<typeof ProgramSummary>;
export const ProgramAdded = ProgramSummary.extend({
  /** Why the machine may not keep up with one more encode (the measured load): watch droppedFrames. */
  warnings: z.array(z.string()).optional(),
});

export const EngineState = z.object({
  apiVersion: z.number(),
  /** The show document, stream keys redacted. */
  show: ShowDocument,
  /** Program `main` (kept for clients that know one program; `programs` has every one). */
  program: ProgramStatus,
  /** Every program, main first. */
  programs: z.array(ProgramSummary),
  sources: z.array(SourceStatus),
  destinations: z.array(DestinationStatus),
  ffmpeg: z.object({ path: z.string(), version: z.string() }),
  /** Where shared objects live; `online: false` (Redis away) comes with a message for the desk. */
  objects: z.object({ backend: z.enum(['journal', 'redis']), online: z.boolean(), message: z.string().optional() }).optional(),
});
export type EngineState = z.infer<typeof EngineState>;

export const LevelMeter = z.object({ peakDb: z.tuple([z.number(), z.number()]), rmsDb: z.tuple([z.number(), z.number()]) });
export type LevelMeter = z.infer<typeof LevelMeter>;

// ---- engine ------------------------------------------------------------------------------------

export const ProbeResult = z.object({
  ffmpeg: z.object({ path: z.string(), version: z.string(), source: z.string() }),
  /** The H.264 encoders this ffmpeg lists (its `-encoders`), whether or not Cutline knows them. */
  listedH264Encoders: z.array(z.string()),
  /** Each encoder Cutline can use: listed?, did a test frame encode?, and why not. */
  encoders: z.array(
    z.object({ name: z.string(), listed: z.boolean(), works: z.boolean(), hardware: z.boolean(), error: z.string().optional(), testMs: z.number().optional() }),
  ),
  hwaccels: z.array(z.object({ name: z.string(), listed: z.boolean(), works: z.boolean(), error: z.string().optional() })),
  chosen: z.object({ encoder: z.string(), hardware: z.boolean(), reason: z.string() }),
  chosenHwaccel: z.string(),
  capabilities: z.object({ drawtext: z.boolean(), srt: z.boolean(), rtmps: z.boolean(), whip: z.boolean(), fontFile: z.string().optional() }),
});

const DeviceInfo = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['video', 'audio']),
  api: z.enum(['v4l2', 'alsa', 'pulse', 'avfoundation', 'dshow']),
});
export const DeviceList = z.object({ video: z.array(DeviceInfo), audio: z.array(DeviceInfo), error: z.string().optional() });

// ---- sources, layouts, audio, output -----------------------------------------------------------

export const SourceAdded = z.object({ id: z.string() });
export const TakeResult = z.object({ transition: TransitionSpec });
/** layout.highlight: the program layout with the source in its main place. */
export const HighlightResult = z.object({ layout: LayoutSpec });
export const AudioLevel = z.object({ id: z.string(), gainDb: z.number(), muted: z.boolean() });
export const OutputResult = OutputSettings;

const Rect = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
export const ProgramMonitor = z.object({
  whepPath: z.string(),
  token: z.string(),
  /** Where the engine's HTTP server is, for pages it does not serve (the desktop app). */
  baseUrl: z.string().optional(),
  monitors: z.object({
    whepPath: z.string(),
    width: z.number(),
    height: z.number(),
    fps: z.number(),
    preview: Rect,
    tiles: z.array(Rect.extend({ source: z.string() })),
  }),
});
export const MetersSubscription = z.object({ enabled: z.boolean() });

// ---- destinations ------------------------------------------------------------------------------

export const PreflightResult = z.object({
  id: z.string(),
  preset: z.string().optional(),
  /** True when nothing needs attention. */
  ok: z.boolean(),
  issues: z.array(z.object({ code: z.string(), severity: z.enum(['warning', 'info']), message: z.string() })),
  /** Why the destination cannot start at all here (start() fails with it). */
  blocking: z.string().optional(),
});

/** A service a destination can be made from (PresetListing in shared/destinationPresets.ts has every field). */
const PresetListing = z.object({
  id: z.string(),
  service: z.string(),
  label: z.string(),
  kind: z.enum(['rtmp', 'whip', 'srt', 'recording']),
  url: z.string().optional(),
  help: z.string(),
  requirements: z.object({ videoCodec: z.literal('h264') }),
  /** False when this engine cannot send it (e.g. SRT with an ffmpeg built without libsrt). */
  available: z.boolean(),
  unavailableReason: z.string().optional(),
});
export const PresetList = z.object({ presets: z.array(PresetListing) });
export const DestinationsStarted = z.object({ started: z.array(z.string()) });
export const DestinationsStopped = z.object({ stopped: z.array(z.string()) });

// ---- show, guests ------------------------------------------------------------------------------

/** secret.confirm: the key stored under a destination id now goes to that destination's origin. */
export const SecretConfirmed = z.object({ destinationId: z.string(), boundTo: z.string() });
export const ShowLoaded = z.object({ name: z.string() });
export const ShowSaved = z.object({ show: ShowDocument, path: z.string().optional() });

export const GuestInvite = z.object({
  id: z.string(),
  guestPageUrl: z.string(),
  whipUrl: z.string(),
  token: z.string(),
  returnWhepUrl: z.string(),
});
export type GuestInvite = z.infer<typeof GuestInvite>;
export const GuestRevoked = z.object({ id: z.string(), revoked: z.literal(true) });
