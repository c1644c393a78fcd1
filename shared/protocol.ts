/**
 * The control protocol: one table of commands (`noun.verb`, zod schemas for params and result) and
 * one table of events (past tense). Every transport — Electron IPC, HTTP `POST /api/v1/commands/<name>`, the
 * WebSocket at `/api/v1/ws`, the CLI — relays these and nothing else; docs/API.md is generated from
 * this file (`npm run docs:api`) and a test keeps it in step.
 */
import { z } from 'zod';
import { LOG_COMMANDS, LOG_EVENT_DESCRIPTIONS, type LogEventPayloads } from './log.ts';
import { OBJECT_COMMANDS, OBJECT_EVENT_DESCRIPTIONS, type ObjectEventPayloads } from './objects.ts';
import {
  AudioLevel,
  DestinationStatus,
  DestinationsStarted,
  DestinationsStopped,
  DeviceList,
  EmptyResult,
  EngineState,
  GuestInvite,
  GuestRevoked,
  type LevelMeter,
  MetersSubscription,
  OutputResult,
  PreflightResult,
  PresetList,
  ProbeResult,
  SecretConfirmed,
  ProgramAdded,
  ProgramMonitor,
  type ProgramStatus,
  ProgramSummary,
  ShowLoaded,
  ShowSaved,
  SourceAdded,
  SourceStatus,
  TakeResult,
  HighlightResult,
} from './results.ts';
import { withProgramId } from './programScope.ts';
import { AudioSettings, DestinationSpec, Id, LayoutSpec, OutputSettings, ProgramSpec, type ShowDocument, SourceSpec, TransitionSpec, WebRtcSettings } from './show.ts';

export {
  DestinationState,
  DestinationStatus,
  EncoderInfo,
  EngineState,
  LevelMeter,
  ProgramStatus,
  SourceState,
  SourceStatus,
} from './results.ts';

export const API_VERSION = 1;

/** Error codes, each with the HTTP status the HTTP transport answers with. */
export const ERROR_STATUS = {
  invalid_params: 400,
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_command: 404,
  conflict: 409,
  payload_too_large: 413,
  failed: 422,
  too_many_requests: 429,
  internal: 500,
  /** A backend the command needs is away (shared objects on Redis): retry after the hint. */
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ProtocolErrorBody {
  code: ErrorCode;
  message: string;
}

/** An error meant for the user: `message` says what happened and what to do about it. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
  toJSON(): ProtocolErrorBody {
    return { code: this.code, message: this.message };
  }
}

const ById = z.object({ id: Id });
/** layout.highlight (plus `programId`). */
const LayoutHighlight = z.object({ source: Id }).strict();
const Empty = z.object({}).strict();

const SourceUpdate = z
  .object({
    id: Id,
    label: z.string().max(80).optional(),
    gainDb: z.number().min(-60).max(20).optional(),
    muted: z.boolean().optional(),
    slateAfterS: z.number().min(0).max(600).optional(),
    color: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional(),
    toneHz: z.number().min(20).max(20_000).optional(),
    path: z.string().min(1).optional(),
    loop: z.boolean().optional(),
    url: z.string().optional(),
  })
  .strict();

const AudioSet = z
  .object({
    /** A source id; absent (or "program") = the program master. */
    id: z.union([Id, z.literal('program')]).optional(),
    gainDb: z.number().min(-60).max(20).optional(),
    muted: z.boolean().optional(),
  })
  .strict()
  .refine((p) => p.gainDb !== undefined || p.muted !== undefined, 'give gainDb and/or muted');

/**
 * The fields of a settings object as a change: every field optional and WITHOUT its default. (zod's
 * `.partial()` keeps defaults, so `output.set {width}` used to reset fps, bitrate, … to theirs.)
 */
function changesOf<S extends z.ZodRawShape>(schema: z.ZodObject<S>) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape) as [string, z.ZodType][]) {
    shape[key] = (field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field).optional();
  }
  return z.object(shape).strict() as unknown as ReturnType<z.ZodObject<S>['partial']>;
}

export interface CommandDef<P extends z.ZodType, R extends z.ZodType> {
  params: P;
  result: R;
  description: string;
}
export function command<P extends z.ZodType, R extends z.ZodType>(params: P, result: R, description: string): CommandDef<P, R> {
  return { params, result, description };
}

/** The engine's own commands; objects and overlays add theirs (shared/objects.ts) below. */
export const CORE_COMMANDS = {
  'state.get': command(Empty, EngineState, 'The whole state (same as GET /api/v1/state).'),
  'probe.get': command(Empty, ProbeResult, 'Which ffmpeg is used and which H.264 encoders work here, and the one chosen.'),
  'probe.run': command(
    z.object({ ffmpegPath: z.string().min(1).max(1024).optional() }).strict(),
    ProbeResult,
    'Test an ffmpeg (default: the one in use) the way the engine does at start: version, which H.264 encoders work, the one it would choose and why. Only runs a file named ffmpeg (ffmpeg.exe); the engine keeps using its own until restarted with --ffmpeg / CUTLINE_FFMPEG. Result: like probe.get.',
  ),
  'source.add': command(SourceSpec, SourceAdded, 'Add a source and start it. Result: {id}.'),
  'source.remove': command(ById, EmptyResult, 'Stop and remove a source; layouts drop it.'),
  'source.update': command(SourceUpdate, SourceStatus, 'Change a source: label, gain, mute, slate delay, or media settings (restarts its decoder).'),
  'device.list': command(Empty, DeviceList, 'Cameras and microphones ffmpeg can open on this machine. Result: {video: [...], audio: [...]}.'),
  'layout.set': command(withProgramId(LayoutSpec), EmptyResult, 'Put a layout on program directly (no transition). Shows on the next frame. `programId` (default main) names the program.'),
  'preview.set': command(withProgramId(LayoutSpec), EmptyResult, 'Put a layout on preview (studio mode) of the program `programId` (default main).'),
  'layout.highlight': command(
    withProgramId(LayoutHighlight),
    HighlightResult,
    'Put one source in the main place of the program `programId` (default main) at once: the wall\'s highlight (bigger tile, coloured frame; added to the wall if missing), or the first slot of solo, spotlight, pip, sideBySide and stack. With active speaker on, the pick holds for `follow.holdMs`. Refused for custom layouts. Result: {layout}.',
  ),
  'program.take': command(
    withProgramId(changesOf(TransitionSpec)),
    TakeResult,
    'Take preview to program with the program\'s transition, or the one given ({kind: "cut"|"fade", durationMs}). `programId` (default main) names the program.',
  ),
  'program.add': command(
    ProgramSpec,
    ProgramAdded,
    'Add a program {id, name?, output, layout, preview?, transition, overlays, audio, public?} mixed from the same sources, with its own encoder; destinations carry it with `program: <id>`. At most 4; its fps must be main\'s (one show clock). Result: the program, and `warnings` when the machine may not encode it in real time. See docs/PROGRAMS.md.',
  ),
  'program.remove': command(ById, EmptyResult, 'Stop and remove a program. `main` cannot go; a program that destinations carry is refused, naming them (remove them or point them elsewhere first).'),
  'program.update': command(
    z
      .object({
        id: Id,
        name: z.string().min(1).max(80).optional(),
        output: changesOf(OutputSettings).optional(),
        transition: TransitionSpec.optional(),
        audio: changesOf(AudioSettings).optional(),
        public: z.boolean().optional(),
      })
      .strict(),
    ProgramSummary,
    'Change a program: name, output settings (restarts its encoder; its destinations reconnect), transition, master level, public. Result: the program.',
  ),
  'audio.set': command(AudioSet, AudioLevel, 'Set gain (dB) and/or mute of a source or of the program master.'),
  'output.set': command(
    withProgramId(changesOf(OutputSettings)),
    OutputResult,
    'Change the settings of program `programId` (default main). Size, fps or encoder changes restart its encoder (its destinations reconnect); an fps change on main applies to every program (one show clock).',
  ),
  'webrtc.set': command(
    changesOf(WebRtcSettings),
    WebRtcSettings,
    'Change the WebRTC settings (public URL, ICE servers, UDP port range, limits, program token); the fields given replace the show\'s. New guests and viewers get them; a changed programToken cuts off the viewers let in with the old one. Result: the settings, secrets masked.',
  ),
  'destination.add': command(
    DestinationSpec,
    DestinationStatus,
    'Add a destination (not started unless `destination.start`). `program` names the program it carries (default main); `source` makes it an ISO feed of that one source instead.',
  ),
  'destination.remove': command(ById, EmptyResult, 'Stop and remove a destination.'),
  'destination.start': command(ById, DestinationStatus, 'Start sending the program to a destination.'),
  'destination.stop': command(ById, DestinationStatus, 'Stop a destination (recordings are finalized).'),
  'destination.startAll': command(Empty, DestinationsStarted, 'Go live: start every enabled destination that is not running.'),
  'destination.stopAll': command(Empty, DestinationsStopped, 'Stop every running destination.'),
  'destination.presets': command(
    Empty,
    PresetList,
    'The services a destination can be made from (YouTube, Facebook, Twitch, Red5 Pro XDN, custom RTMP/WHIP, SRT, recording), each with its URL, requirements and whether this ffmpeg can send it. Result: {presets: [...]}.',
  ),
  'destination.preflight': command(
    ById,
    PreflightResult,
    'Check the program settings against what the destination\'s service requires (keyframe interval, bitrate, resolution, audio). Warns, never blocks; also runs on start, its warnings show in the status. Result: {id, ok, issues: [{code, severity, message}], blocking?}.',
  ),
  'show.load': command(
    z.union([z.object({ show: z.unknown() }).strict(), z.object({ path: z.string().min(1) }).strict()]),
    ShowLoaded,
    'Replace the show with a document ({show}) or a file ({path}). Running destinations are stopped.',
  ),
  'show.save': command(
    z.object({ path: z.string().min(1).optional() }).strict(),
    ShowSaved,
    'Return the current show document; with {path}, also write it there. Secrets (stream keys, tokens, passphrases, TURN credentials) are never written: keep them in the secret store or the environment.',
  ),
  'guest.invite': command(
    z.object({ id: Id.optional(), label: z.string().max(80).optional() }).strict(),
    GuestInvite,
    'Invite a remote guest: adds a `guest` source and returns {id, guestPageUrl, whipUrl, token, returnWhepUrl}. Inviting an existing guest id returns its link again. See docs/WEBRTC.md.',
  ),
  'guest.revoke': command(
    ById,
    GuestRevoked,
    "Revoke a guest's link: ends their session, removes their source, and makes the link, its token, their return feed and any objects socket opened with it stop working (404 / 401). Invite the same id again for a fresh link. Result: {id, revoked: true}.",
  ),
  'program.monitor': command(
    Empty,
    ProgramMonitor,
    'How to watch the program live over WebRTC: {whepPath: "/whep/program", token, monitors}. `monitors` is one more WHEP stream with the same token (`/whep/monitors`, 960×540 at 15 fps): the preview layout in `preview` and each source in `tiles` (show order), in mosaic pixels. Fails when the show has no webrtc.programToken (the state API shows that token masked).',
  ),
  'meters.subscribe': command(
    z.object({ enabled: z.boolean() }).strict(),
    MetersSubscription,
    'Per connection (a WebSocket, a desktop window): receive meters.updated events (about 10 per second) or stop. Over HTTP it only answers.',
  ),
  'secret.confirm': command(
    z.object({ destinationId: Id }).strict(),
    SecretConfirmed,
    "Bind the key stored under a destination's id before keys were tied to their destination (or given in the environment) to that destination's kind and host, so it is sent there. A key stored for another host is never moved. Result: {destinationId, boundTo}.",
  ),
} as const;

export const COMMANDS = { ...CORE_COMMANDS, ...OBJECT_COMMANDS, ...LOG_COMMANDS } as const;
export type CoreCommandName = keyof typeof CORE_COMMANDS;
export type CommandName = keyof typeof COMMANDS;
export type CommandParams<N extends CommandName> = z.infer<(typeof COMMANDS)[N]['params']>;
/** What a command answers with (checked against the table's result schema by the dispatcher). */
export type CommandResult<N extends CommandName> = z.infer<(typeof COMMANDS)[N]['result']>;
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];
export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

// ---- State ----------------------------------------------------------------------------------

// The state types (SourceStatus, DestinationStatus, ProgramStatus, EngineState, LevelMeter) are
// zod schemas in results.ts, re-exported above.

// ---- Events ---------------------------------------------------------------------------------

export interface EventPayloads extends ObjectEventPayloads, LogEventPayloads {
  'source.stateChanged': SourceStatus;
  'source.added': { id: string };
  'source.removed': { id: string };
  'destination.stateChanged': DestinationStatus;
  'destination.added': { id: string };
  'destination.removed': { id: string };
  /** programId: the engine always sends it (absent only from engines before programs = main). */
  'program.layoutChanged': { programId?: string; layout: ShowDocument['layout']; preview?: ShowDocument['preview'] };
  'program.added': { id: string };
  'program.removed': { id: string };
  'program.stats': ProgramStatus;
  'show.changed': { name: string };
  'meters.updated': { program: LevelMeter; sources: Record<string, LevelMeter> };
}
export type EventName = keyof EventPayloads;
export const EVENT_DESCRIPTIONS: Record<EventName, string> = {
  ...OBJECT_EVENT_DESCRIPTIONS,
  ...LOG_EVENT_DESCRIPTIONS,
  'source.stateChanged': 'A source changed state (connecting, live, stalled, ended, error) or its stats.',
  'source.added': 'A source was added.',
  'source.removed': 'A source was removed.',
  'destination.stateChanged': 'A destination changed state, or its stats (about once a second while running).',
  'destination.added': 'A destination was added.',
  'destination.removed': 'A destination was removed.',
  'program.layoutChanged': 'Program or preview layout of program `programId` changed (layout.set, preview.set, program.take).',
  'program.added': 'A program was added (program.add).',
  'program.removed': 'A program was removed (program.remove).',
  'program.stats': 'Program main\'s frame rate, frames out, late frames, encoder (once a second); every program\'s are in the state.',
  'show.changed': 'A show was loaded or its settings changed; re-read the state.',
  'meters.updated': 'Peak and RMS levels in dBFS per source and for the program (opt-in, ~10/s).',
};

export interface EventMessage<N extends EventName = EventName> {
  type: 'event';
  event: N;
  data: EventPayloads[N];
}

// ---- WebSocket framing ----------------------------------------------------------------------

/** Client → server over the WebSocket. */
export const WsRequest = z.object({
  type: z.literal('request'),
  /** Echoed in the response so clients can match them. */
  requestId: z.union([z.string().max(64), z.number()]),
  command: z.string().max(64),
  params: z.unknown().optional(),
});
export type WsRequest = z.infer<typeof WsRequest>;

/** Reads one WebSocket text frame as a request, or says what is wrong with it. */
export function parseWsRequest(text: string): { ok: true; request: WsRequest } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `not JSON: ${(error as Error).message}` };
  }
  const parsed = WsRequest.safeParse(json);
  return parsed.success ? { ok: true, request: parsed.data } : { ok: false, message: 'expected {type:"request", requestId, command, params}' };
}

export type WsResponse =
  | { type: 'response'; requestId: string | number; ok: true; result: unknown }
  | { type: 'response'; requestId: string | number; ok: false; error: ProtocolErrorBody };

export interface WsHello {
  type: 'hello';
  apiVersion: number;
  commands: string[];
}
