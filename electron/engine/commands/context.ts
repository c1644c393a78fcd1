/**
 * What a command handler works with, and the shape of a handler map. One module per noun
 * (sources.ts, layouts.ts, ...) exports a map from its command names to handlers, in the manner
 * of obs-websocket's RequestHandler_*.cpp; Engine merges them and dispatches. Params arrive
 * validated against the command table (shared/protocol.ts); the caller comes from the transport.
 * Results are typed by the table's result schemas.
 */
import type { CommandName, CommandParams, CommandResult, EngineState } from '../../../shared/protocol.ts';
import type { EventHub } from '../EventHub.ts';
import type { MediaAccess } from '../files/MediaAccess.ts';
import type { ProbeResult } from '../ffmpeg/probe.ts';
import type { GraphicsLayer } from '../graphics/GraphicsLayer.ts';
import type { EngineLog } from '../log/EngineLog.ts';
import type { Caller } from '../objects/ObjectCommands.ts';
import type { ObjectStore } from '../objects/ObjectStore.ts';
import type { BoundSecrets } from '../secrets/BoundSecrets.ts';
import type { Show } from '../Show.ts';
import type { WebRtcGateway } from '../webrtc/WebRtcGateway.ts';
import type { ObjectTokens } from './objects.ts';

export interface CommandContext {
  readonly show: Show;
  readonly events: EventHub;
  readonly ffmpeg: { path: string; version: string };
  readonly probe: ProbeResult;
  readonly webrtc: WebRtcGateway;
  readonly objects: ObjectStore;
  readonly graphics: GraphicsLayer;
  programGraphics(programId: string): GraphicsLayer;
  /** Every program id of the running show (object.issueToken checks its `views`). */
  programIds(): string[];
  readonly objectTokens: ObjectTokens;
  /** Which files and addresses commands may make the engine touch (files/MediaAccess.ts). */
  readonly media: MediaAccess;
  /** Stored keys, released only to the destination they were stored for. */
  readonly secrets: BoundSecrets;
  /** Recent log lines for the desk's Health panel (`log.list`). */
  readonly recentLog: EngineLog;
  readonly log: (line: string) => void;
  /** Where this engine's HTTP server (WHIP/WHEP, viewer) is reachable, once one is attached. */
  httpBaseUrl(): string | undefined;
  getState(): EngineState;
}

/** A handler answers with what the table's result schema says (the compiler and the dispatcher check). */
export type CommandHandler<N extends CommandName, C = CommandContext> = (params: CommandParams<N>, ctx: C, caller: Caller) => CommandResult<N> | Promise<CommandResult<N>>;

/** Handlers for a set of commands: one per name, checked by the compiler (C: the part of the context they use). */
export type HandlerMap<N extends CommandName, C = CommandContext> = { [K in N]: CommandHandler<K, C> };
