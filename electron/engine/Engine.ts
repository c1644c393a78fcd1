/**
 * The engine: wires the pieces of one running show together and is the single dispatcher every
 * transport (Electron IPC, HTTP/WebSocket API, objects socket, CLI) calls. Commands are validated
 * against the schemas in shared/protocol.ts before anything changes, then run by the handler map
 * of their noun (commands/*.ts) on the loaded `Show`; a failed command leaves the show as it was.
 * The event hub, the meters timer, show files and preflight assembly are modules of their own.
 * Plain Node: never imports Electron.
 */
import { join } from 'node:path';
import type { z } from 'zod';
import { namesProgram, PROGRAM_SCOPED_COMMANDS } from '../../shared/programScope.ts';
import { COMMANDS, type CommandName, type CommandResult, type EngineState, isCommandName, ProtocolError } from '../../shared/protocol.ts';
import { describeZodError, type ShowDocument } from '../../shared/show.ts';
import { logHandlers } from './commands/log.ts';
import { secretHandlers } from './commands/secrets.ts';
import { webrtcHandlers } from './commands/webrtc.ts';
import { audioHandlers } from './commands/audio.ts';
import { checkResult } from './commands/checkResult.ts';
import type { CommandContext, CommandHandler, HandlerMap } from './commands/context.ts';
import { destinationHandlers } from './commands/destinations.ts';
import { addGuestSource, guestHandlers } from './commands/guests.ts';
import { layoutHandlers } from './commands/layouts.ts';
import { objectHandlers } from './commands/objects.ts';
import { outputHandlers } from './commands/output.ts';
import { programHandlers, programSummaries } from './commands/programs.ts';
import { overlayHandlers } from './commands/overlays.ts';
import { showHandlers } from './commands/show.ts';
import { removeSource, sourceHandlers } from './commands/sources.ts';
import { stateHandlers } from './commands/state.ts';
import type { Destination } from './destinations/Destination.ts';
import { EventHub, type EventListener } from './EventHub.ts';
import { ffmpegVersion, locateFfmpeg } from './ffmpeg/locate.ts';
import { type ProbeResult, probeFfmpeg } from './ffmpeg/probe.ts';
import { defaultMediaDirs, documentsFolder, MediaAccess } from './files/MediaAccess.ts';
import { checkShow } from './files/specAccess.ts';
import { GraphicsLayer } from './graphics/GraphicsLayer.ts';
import { PreviewGraphics } from './graphics/PreviewGraphics.ts';
import { EngineLog } from './log/EngineLog.ts';
import { MetersTimer } from './MetersTimer.ts';
import { JournalLockedError } from './objects/Journal.ts';
import type { Caller } from './objects/ObjectCommands.ts';
import { ObjectsGateway } from './objects/ObjectsGateway.ts';
import type { ObjectStore } from './objects/ObjectStore.ts';
import { RedisObjectStore, redactUrl } from './objects/RedisObjectStore.ts';
import { SharedObjectStore } from './objects/SharedObjectStore.ts';
import { TimedDataFeed } from './objects/TimedDataFeed.ts';
import type { Program } from './program/Program.ts';
import { maskSecret } from './redact.ts';
import { BoundSecrets } from './secrets/BoundSecrets.ts';
import { defaultSecretsFile, FileSecretStore, type SecretStore } from './secrets/SecretStore.ts';
import { Show } from './Show.ts';
import { parseShow } from './showFile.ts';
import { mapShowSecrets } from './showSecrets.ts';
import type { Source } from './sources/Source.ts';
import { publicViews } from './program/publicViews.ts';
import { WebRtcGateway } from './webrtc/WebRtcGateway.ts';

export { parseShow } from './showFile.ts';

export interface EngineOptions {
  /** An ffmpeg to use instead of CUTLINE_FFMPEG / the bundled one. */
  ffmpegPath?: string;
  show?: unknown;
  /** Where logs go; default stderr. Lines never contain secrets. */
  log?: (line: string) => void;
  /** Where destinations without a key in the show get theirs (desktop: safeStorage). Default:
   * CUTLINE_STREAM_KEY_<ID> etc. from the environment, then ~/.config/cutline/secrets.json. */
  secrets?: SecretStore;
  /** Where the shared-object journal lives (objects survive restarts); absent = memory only. */
  dataDir?: string;
  /** Shared objects on Redis instead of the journal (`--objects-redis`; wins over the show's `objectsBackend`). */
  objectsRedis?: string;
  /** Folder relative overlay image paths are resolved against (the show file's folder). */
  showDir?: string;
  /** Folders API callers may read and write in (`--media-dir`); default: CUTLINE_MEDIA_DIR, the
   * show's folder and ~/Documents/Cutline (docs/SECURITY.md). */
  mediaDirs?: string[];
  /** Source URL schemes allowed beyond the default ones (`udp`, `tcp`). */
  allowSchemes?: string[];
  /** Link-local / metadata hosts sources may open anyway. */
  allowHosts?: string[];
}

/** Callers of the API and the desktop UI are the producer; guests and viewers say so. */
const PRODUCER: Caller = { role: 'producer' };

/** Every command's handler, from the module of its noun. */
const HANDLERS: HandlerMap<CommandName> = {
  ...stateHandlers,
  ...sourceHandlers,
  ...layoutHandlers,
  ...programHandlers,
  ...audioHandlers,
  ...outputHandlers,
  ...destinationHandlers,
  ...showHandlers,
  ...guestHandlers,
  ...objectHandlers,
  ...overlayHandlers,
  ...logHandlers,
  ...webrtcHandlers,
  ...secretHandlers,
};

/** A Redis URL in the show may carry a password: state shows it masked. */
function withoutRedisPassword(show: ShowDocument): ShowDocument {
  const backend = show.objectsBackend;
  return backend?.kind === 'redis' ? { ...show, objectsBackend: { kind: 'redis', url: redactUrl(backend.url) } } : show;
}

/** The journal of another engine on the same data folder is a clear error, not a stack trace. */
async function openObjects(path: string): Promise<SharedObjectStore> {
  try {
    return await SharedObjectStore.open(path);
  } catch (error) {
    if (error instanceof JournalLockedError) throw new ProtocolError('conflict', error.message);
    throw error;
  }
}

export class Engine {
  private show!: Show;
  private closed = false;
  readonly log: (line: string) => void;
  private readonly events: EventHub;
  /** Remote guests (WHIP in, WHEP return) and WHEP sources; docs/WEBRTC.md. */
  readonly webrtc: WebRtcGateway;
  /** Shared objects (chat, polls, bids, ...) and the graphics drawn over the program. */
  private objects!: ObjectStore;
  /** `/objects/ws`: guests and token holders read and change shared objects (ObjectsGateway). */
  readonly objectsWs: ObjectsGateway;
  private graphics!: GraphicsLayer;
  /** The overlays the preview monitor draws: those on air plus those cued with `onPreview`. */
  private previewGraphics!: PreviewGraphics;
  /** Object changes for players, in the video (only what the audience may see, within the data budget). */
  private timedData!: TimedDataFeed;
  /** Recent log lines for the desk's Health panel (`log.list`). */
  private readonly recentLog: EngineLog;
  /** Which files and addresses commands may make the engine touch (files/MediaAccess.ts). */
  media!: MediaAccess;
  /** Stored keys, released only to the destination they were stored for (secrets/BoundSecrets.ts). */
  secrets!: BoundSecrets;
  private readonly meters: MetersTimer;
  /** Where this engine's HTTP server (WHIP/WHEP, viewer) is reachable, once one is attached. */
  private httpBaseUrl: (() => string) | undefined;

  private constructor(
    readonly ffmpeg: { path: string; version: string; source: string },
    readonly probe: ProbeResult,
    log: (line: string) => void,
  ) {
    this.events = new EventHub(log);
    this.recentLog = new EngineLog(log, (entry) => this.events.emit('log.appended', entry));
    log = this.recentLog.log;
    this.log = log;
    this.meters = new MetersTimer(() => this.show.program, this.events);
    this.webrtc = new WebRtcGateway({
      ffmpegPath: ffmpeg.path,
      settings: () => this.show.settings.webrtc,
      program: () => this.show.program,
      // Undefined (not a throw) between shows: a view's feed asks from a timer.
      programById: (id) => {
        try {
          return this.show.programs.has(id) ? this.show.programs.require(id) : undefined;
        } catch {
          return undefined;
        }
      },
      views: () => publicViews(() => this.show.programs),
      viewAccess: (token) => this.objectsWs.viewAccess(token),
      hasSource: (id) => this.show.sources.has(id),
      isGuestSource: (id) => this.show.isGuestSource(id),
      // A guest (re)joining or leaving on its own: the network starts these, not a command.
      addGuestSource: (id, label) => addGuestSource(this.liveContext(), id, label),
      removeSource: (id) => removeSource(this.liveContext(), id),
      renameSource: async (id, label) => {
        await this.dispatch('source.update', { id, label });
      },
      log,
    });
    this.objectsWs = new ObjectsGateway({
      dispatch: (command, params, caller) => this.dispatch(command, params, caller),
      onAnyEvent: (listener) => this.onAnyEvent(listener),
      guestForToken: (token) => this.webrtc.guestForToken(token),
      audienceKey: () => this.objects?.currentAudienceKey,
      baseUrl: () => this.webrtc.publicBase(),
      log,
    });
  }

  static async create(options: EngineOptions = {}): Promise<Engine> {
    const log = options.log ?? ((line: string) => process.stderr.write(`[cutline] ${line}\n`));
    const document = parseShow(options.show ?? {});
    const location = locateFfmpeg(options.ffmpegPath);
    const version = ffmpegVersion(location.path);
    const probe = await probeFfmpeg({ ffmpegPath: location.path, source: location.source, preferred: document.output.encoder });
    const engine = new Engine({ path: location.path, version, source: location.source }, probe, log);
    const engineLog = engine.log;
    engine.media = new MediaAccess({
      mediaDirs: options.mediaDirs ?? defaultMediaDirs(options.showDir),
      ...(options.showDir ? { baseDir: options.showDir } : {}),
      createOnDemand: [documentsFolder()],
      ...(options.allowSchemes ? { allowSchemes: options.allowSchemes } : {}),
      ...(options.allowHosts ? { allowHosts: options.allowHosts } : {}),
    });
    // Headless: the 0600 secrets file and CUTLINE_STREAM_KEY_<ID> etc., bound to the startup show's destinations.
    engine.secrets = options.secrets ? new BoundSecrets(options.secrets) : new BoundSecrets(new FileSecretStore(defaultSecretsFile(), engineLog), process.env);
    engine.secrets.trustStartupShow(document.destinations);
    const redisUrl = options.objectsRedis ?? (document.objectsBackend?.kind === 'redis' ? document.objectsBackend.url : undefined);
    const objects = redisUrl ? await RedisObjectStore.open({ url: redisUrl, log: engineLog }) : options.dataDir ? await openObjects(join(options.dataDir, 'objects.jsonl')) : new SharedObjectStore();
    if (objects instanceof SharedObjectStore && objects.tornBytes) engineLog(`the shared-object journal ended in a torn line (${objects.tornBytes} bytes, a crash mid-write): it was never acknowledged and is skipped`);
    engine.attachObjects(objects, options.showDir);
    engine.show = new Show(document, {
      ffmpegPath: location.path,
      probe,
      events: engine.events,
      log: engineLog,
      graphics: engine.graphics,
      newGraphics: () => new GraphicsLayer({ objects, ...(options.showDir ? { baseDir: options.showDir } : {}) }),
      previewGraphics: engine.previewGraphics.layer,
      objects,
      feedFor: (spec) => engine.webrtc.feedFor(spec),
      secrets: engine.secrets,
      recentLog: engine.recentLog,
    });
    const checked = await checkShow(document, engine.media);
    await engine.show.build(checked, await engine.show.prepareSources(checked));
    engine.meters.start();
    return engine;
  }

  // ---- events ----

  onAnyEvent(listener: EventListener): () => void {
    return this.events.onAnyEvent(listener);
  }

  // ---- wiring ----

  private attachObjects(objects: ObjectStore, showDir?: string): void {
    this.objects = objects;
    this.graphics = new GraphicsLayer({ objects, ...(showDir ? { baseDir: showDir } : {}) });
    this.previewGraphics = new PreviewGraphics(this.graphics, new GraphicsLayer({ objects, ...(showDir ? { baseDir: showDir } : {}) }));
    // A change is stamped with the frame that will first show it: the next one composed.
    objects.setPtsProvider(() => (this.show?.program?.running ? this.show.program.encoder.nextFramePtsMs() : null));
    // Every player reads the video: only what the audience may see, within the data budget.
    this.timedData = new TimedDataFeed((record) => {
      // Every program's outputs (ISO feeds too) carry the same data, stamped on the shared show clock.
      for (const program of this.show.programs.allPrograms()) program.fanout.queueData(record);
      // WHEP viewers get a separate encode per view: each carries the same SEI (ReturnFeed, ViewFeeds).
      this.webrtc.queueData(record);
    });
    objects.on('changed', (change) => {
      this.events.emit('object.changed', change);
      this.timedData.change(change);
    });
    objects.on('created', (created) => this.events.emit('object.created', created));
    objects.on('deleted', (deleted) => this.events.emit('object.deleted', deleted));
    objects.on('status', () => this.events.emit('objects.statusChanged', this.objectsStatus()));
    // A rotated audience key cuts every viewer token off at once, not only at its next message.
    objects.on('audienceKeyRotated', () => this.objectsWs.cutOffViewerTokens());
    this.graphics.on('changed', (changed) => this.events.emit('overlay.changed', changed));
    this.graphics.on('overlayFailed', ({ id, message }) => this.log(`overlay ${id}: ${message}`));
  }

  /** Mounts the WHIP/WHEP endpoints and the guest page on an HTTP server (ApiServer does this). */
  attachHttp(server: { addRoute(route: WebRtcGateway['route']): void; addUpgrade?(handler: ObjectsGateway['upgrade']): void; readonly url: string; readonly publicUrl?: string }): void {
    server.addRoute(this.webrtc.route);
    server.addUpgrade?.(this.objectsWs.upgrade);
    // Guest links point at the public listener when there is one (docs/SECURITY.md).
    this.webrtc.setBaseUrl(() => server.publicUrl ?? server.url);
    this.httpBaseUrl = () => server.url;
  }

  // ---- state ----

  getState(): EngineState {
    return {
      apiVersion: 1,
      show: withoutRedisPassword(mapShowSecrets(this.show.document(), maskSecret)),
      program: this.show.program.status(),
      programs: programSummaries(this.show),
      sources: [...this.show.sources.values()].map((s) => s.status()),
      destinations: [...this.show.destinations.values()].map((d) => d.status()),
      ffmpeg: { path: this.ffmpeg.path, version: this.ffmpeg.version },
      objects: this.objectsStatus(),
    };
  }

  private objectsStatus(): NonNullable<EngineState['objects']> {
    const status = this.objects.status;
    return { ...status, ...(status.online ? {} : { message: 'objects offline: overlays show the last state, operations are refused until the backend is back' }) };
  }

  // ---- test hooks (and tally) ----

  /** For tests and tally: the process ids the program runs. */
  processes(): { encoder?: number; sources: Record<string, number | undefined>; destinations: Record<string, number | undefined> } {
    return {
      encoder: this.show.program.encoder.pid,
      sources: Object.fromEntries([...this.show.sources].map(([id, s]) => [id, s.decoderPid])),
      destinations: Object.fromEntries([...this.show.destinations].map(([id, d]) => [id, d.muxerPid])),
    };
  }

  getProgram(): Program {
    return this.show.program;
  }
  getSource(id: string): Source | undefined {
    return this.show.sources.get(id);
  }
  getDestination(id: string): Destination | undefined {
    return this.show.destinations.get(id);
  }

  // ---- commands ----

  private context: CommandContext | undefined;

  /** What handlers work with; made once the show exists (the same Show lives as long as the engine). */
  private commandContext(): CommandContext {
    this.context ??= {
      show: this.show,
      events: this.events,
      ffmpeg: this.ffmpeg,
      probe: this.probe,
      webrtc: this.webrtc,
      objects: this.objects,
      graphics: this.graphics,
      programGraphics: (programId) => this.show.programs.graphics(programId),
      programIds: () => this.show.programs.ids(),
      objectTokens: this.objectsWs,
      media: this.media,
      secrets: this.secrets,
      recentLog: this.recentLog,
      log: this.log,
      httpBaseUrl: () => this.httpBaseUrl?.(),
      getState: () => this.getState(),
    };
    return this.context;
  }

  /** The command context, unless the engine is shutting down (as dispatch refuses then). */
  private liveContext(): CommandContext {
    if (this.closed) throw new ProtocolError('failed', 'the engine is shutting down');
    return this.commandContext();
  }

  /**
   * Validates and runs one command. Throws ProtocolError with a message for the user. Called with a
   * known command name (the CLI, tests), the result is typed by the command table; transports pass
   * whatever name arrived.
   */
  dispatch<N extends CommandName>(command: N, params: z.input<(typeof COMMANDS)[N]['params']>, caller?: Caller): Promise<CommandResult<N>>;
  dispatch(command: string, params: unknown, caller?: Caller): Promise<unknown>;
  async dispatch(command: string, params: unknown, caller: Caller = PRODUCER): Promise<unknown> {
    if (this.closed) throw new ProtocolError('failed', 'the engine is shutting down');
    if (!isCommandName(command))
      throw new ProtocolError('unknown_command', `unknown command "${command}"; see docs/API.md for the list`);
    // Per-program commands have programId in their schemas; any other refuses it rather than dropping it.
    if (namesProgram(params) && !PROGRAM_SCOPED_COMMANDS.has(command))
      throw new ProtocolError('invalid_params', `${command}: takes no programId (it is not per program); see docs/PROGRAMS.md for the commands that are`);
    const schema = COMMANDS[command].params as z.ZodType;
    const parsed = schema.safeParse(params ?? {});
    if (!parsed.success) throw new ProtocolError('invalid_params', `${command}: ${describeZodError(parsed.error)}`);
    const handler = HANDLERS[command] as CommandHandler<CommandName>;
    const result = await handler(parsed.data as never, this.commandContext(), caller);
    checkResult(command, result, this.log);
    return result;
  }

  /** Stops destinations (finalizing recordings), the program and every source. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.meters.stop();
    this.timedData.close();
    this.objectsWs.close();
    await this.webrtc.close();
    await this.show.teardown();
    this.previewGraphics.dispose();
    this.graphics.dispose();
    await this.objects.close();
    this.events.clear();
  }
}
