/**
 * The engine: one show (sources, program, destinations) and the single dispatcher every transport
 * (Electron IPC, HTTP/WebSocket API, CLI) calls. Commands are validated against the schemas in
 * shared/protocol.ts before anything changes; a failed command leaves the show as it was.
 * Plain Node: never imports Electron.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import {
  COMMANDS,
  type CommandParams,
  type CoreCommandName,
  type EngineState,
  type EventName,
  type EventPayloads,
  isCommandName,
  ProtocolError,
} from '../../shared/protocol.ts';
import {
  type DestinationSpec,
  describeZodError,
  type LayoutSpec,
  OutputSettings,
  ShowDocument,
  SourceSpec,
} from '../../shared/show.ts';
import { Destination } from './destinations/Destination.ts';
import { EventHub, type EventListener } from './EventHub.ts';
import { GraphicsLayer } from './graphics/GraphicsLayer.ts';
import { type Caller, isObjectCommand, runObjectCommand } from './objects/ObjectCommands.ts';
import { ObjectsGateway } from './objects/ObjectsGateway.ts';
import { SharedObjectStore } from './objects/SharedObjectStore.ts';
import { type PreflightResult, preflight } from '../../shared/destinationPreflight.ts';
import { listPresets } from '../../shared/destinationPresets.ts';
import { destinationFreeBytes, headlessSecretStore } from './destinations/engineSupport.ts';
import type { SecretStore } from './secrets/SecretStore.ts';
import type { H264Encoder } from './ffmpeg/encoderArgs.ts';
import { ffmpegVersion, locateFfmpeg } from './ffmpeg/locate.ts';
import { MediaProbeError } from './ffmpeg/mediaProbe.ts';
import { type ProbeResult, probeFfmpeg } from './ffmpeg/probe.ts';
import { sourcesIn } from '../../shared/layout.ts';
import { Program } from './program/Program.ts';
import { maskSecret } from './redact.ts';
import { mapShowSecrets } from './showSecrets.ts';
import { listDevices } from './sources/devices.ts';
import { Source } from './sources/Source.ts';
import { WebRtcGateway } from './webrtc/WebRtcGateway.ts';
import { MONITOR_FPS } from './webrtc/MonitorFeed.ts';
import { MOSAIC_HEIGHT, MOSAIC_SLOTS, MOSAIC_WIDTH, mosaicPreviewRect } from '../../shared/monitorMosaic.ts';

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
  /** Folder relative overlay image paths are resolved against (the show file's folder). */
  showDir?: string;
}

/** Callers of the API and the desktop UI are the producer; guests and viewers say so. */
const PRODUCER: Caller = { role: 'producer' };

type Handler<N extends CoreCommandName> = (params: CommandParams<N>) => Promise<unknown> | unknown;

export function parseShow(input: unknown): ShowDocument {
  const parsed = ShowDocument.safeParse(input);
  if (!parsed.success) throw new ProtocolError('invalid_params', `invalid show document: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export class Engine {
  private show: ShowDocument;
  private readonly sources = new Map<string, Source>();
  private readonly destinations = new Map<string, Destination>();
  private secrets: SecretStore | undefined;
  private program!: Program;
  private metersTimer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly log: (line: string) => void;
  private readonly events: EventHub;
  /** Remote guests (WHIP in, WHEP return) and WHEP sources; docs/WEBRTC.md. */
  readonly webrtc: WebRtcGateway;
  /** Shared objects (chat, polls, bids, ...) and the graphics drawn over the program. */
  private objects!: SharedObjectStore;
  /** `/objects/ws`: guests and token holders read and change shared objects (ObjectsGateway). */
  readonly objectsWs: ObjectsGateway;
  private graphics!: GraphicsLayer;

  private constructor(
    readonly ffmpeg: { path: string; version: string; source: string },
    readonly probe: ProbeResult,
    show: ShowDocument,
    log: (line: string) => void,
  ) {
    this.show = show;
    this.log = log;
    this.events = new EventHub(log);
    this.webrtc = new WebRtcGateway({
      ffmpegPath: ffmpeg.path,
      settings: () => this.show.webrtc,
      program: () => this.program,
      hasSource: (id) => this.sources.has(id),
      isGuestSource: (id) => this.sources.get(id)?.kind === 'guest',
      addGuestSource: async (id, label) => {
        await this.dispatch('source.add', { kind: 'guest', id, label });
      },
      removeSource: async (id) => {
        await this.dispatch('source.remove', { id });
      },
      log,
    });
    this.objectsWs = new ObjectsGateway({
      dispatch: (command, params, caller) => this.dispatch(command, params, caller),
      onAnyEvent: (listener) => this.onAnyEvent(listener),
      guestForToken: (token) => this.webrtc.guestForToken(token),
      baseUrl: () => this.webrtc.publicBase(),
    });
  }

  static async create(options: EngineOptions = {}): Promise<Engine> {
    const log = options.log ?? ((line: string) => process.stderr.write(`[cutline] ${line}\n`));
    const show = parseShow(options.show ?? {});
    const location = locateFfmpeg(options.ffmpegPath);
    const version = ffmpegVersion(location.path);
    const probe = await probeFfmpeg({ ffmpegPath: location.path, source: location.source, preferred: show.output.encoder });
    const engine = new Engine({ path: location.path, version, source: location.source }, probe, show, log);
    engine.secrets = options.secrets ?? headlessSecretStore((id) => engine.destinations.get(id)?.spec.kind, log);
    const objects = options.dataDir ? await SharedObjectStore.open(join(options.dataDir, 'objects.jsonl')) : new SharedObjectStore();
    engine.attachObjects(objects, options.showDir);
    await engine.build(show);
    engine.metersTimer = setInterval(() => engine.emitEvent('meters.updated', engine.program.takeMeters()), 100);
    return engine;
  }

  // ---- events ----

  onAnyEvent(listener: EventListener): () => void {
    return this.events.onAnyEvent(listener);
  }

  private emitEvent<N extends EventName>(event: N, data: EventPayloads[N]): void {
    this.events.emit(event, data);
  }

  // ---- building a show ----

  private attachObjects(objects: SharedObjectStore, showDir?: string): void {
    this.objects = objects;
    this.graphics = new GraphicsLayer({ objects, ...(showDir ? { baseDir: showDir } : {}) });
    // A change is stamped with the frame that will first show it: the next one composed.
    objects.setPtsProvider(() => (this.program?.running ? this.program.encoder.nextFramePtsMs() : null));
    objects.on('changed', (change) => {
      this.emitEvent('object.changed', change);
      if (change.pts === null) return;
      const record = { pts: change.pts, object: change.id, version: change.version, op: change.op, state: change.state };
      this.program.fanout.queueData(record);
      // WHEP viewers get a separate encode: it carries the same SEI (ReturnFeed).
      this.webrtc.returnFeed.queueData(record);
    });
    objects.on('created', (created) => this.emitEvent('object.created', created));
    objects.on('deleted', (deleted) => this.emitEvent('object.deleted', deleted));
    this.graphics.on('changed', (changed) => this.emitEvent('overlay.changed', changed));
    this.graphics.on('overlayFailed', ({ id, message }) => this.log(`overlay ${id}: ${message}`));
  }

  private async build(show: ShowDocument): Promise<void> {
    this.show = show;
    for (const spec of show.sources) {
      const source = this.createSource(spec);
      try {
        await source.prepare();
      } catch (error) {
        await source.close();
        throw new ProtocolError('failed', `source "${spec.id}": ${(error as Error).message}`);
      }
    }
    this.startProgram();
    for (const source of this.sources.values()) source.start();
    for (const spec of show.destinations) this.createDestination(spec);
    for (const object of show.objects)
      if (!this.objects.peek(object.id)) await this.objects.create(object.id, object.type, object.options, PRODUCER);
    for (const overlay of show.overlays) this.graphics.add(overlay);
  }

  private startProgram(): void {
    const chosen = this.probe.chosen;
    this.program = new Program({
      ffmpegPath: this.ffmpeg.path,
      settings: this.show.output,
      encoder: { name: chosen.encoder as H264Encoder, hardware: chosen.hardware, reason: chosen.reason },
      sources: this.sources,
      layout: this.show.layout,
      preview: this.show.preview,
      graphics: this.graphics,
    });
    this.program.on('stats', (stats) => this.emitEvent('program.stats', stats));
    this.program.on('layoutChanged', (changed) => this.emitEvent('program.layoutChanged', changed));
    this.program.on('log', (line) => this.log(line));
    this.program.start();
  }

  private createSource(spec: SourceSpec): Source {
    const source = new Source(spec, {
      ffmpegPath: this.ffmpeg.path,
      fps: this.show.output.fps,
      hwaccel: this.probe.chosenHwaccel,
      drawtextFont: this.probe.capabilities.drawtext ? (this.probe.capabilities.fontFile ?? null) : undefined,
      log: this.log,
      feed: this.webrtc.feedFor(spec),
    });
    source.on('status', (status) => this.emitEvent('source.stateChanged', status));
    this.sources.set(spec.id, source);
    return source;
  }

  private createDestination(spec: DestinationSpec): Destination {
    const destination = new Destination(spec, {
      ffmpegPath: this.ffmpeg.path,
      fanout: () => this.program.fanout,
      showName: () => this.show.name,
      videoBitrateKbps: () => this.show.output.videoBitrateKbps,
      output: () => this.show.output,
      preflight: (s) => this.preflight(s),
      ...(this.secrets ? { secrets: this.secrets } : {}),
      log: this.log,
    });
    destination.on('status', (status) => this.emitEvent('destination.stateChanged', status));
    this.destinations.set(spec.id, destination);
    return destination;
  }

  /** What the destination's service would complain about with the current program settings. */
  preflight(spec: DestinationSpec): PreflightResult {
    const audibleSources = [...this.sources.values()].filter((s) => !s.muted).length;
    const freeBytes = spec.kind === 'recording' ? destinationFreeBytes(spec.path) : undefined;
    return preflight(spec, {
      output: this.show.output,
      audio: { audibleSources, masterMuted: this.program.master.muted },
      capabilities: this.probe.capabilities,
      ffmpegPath: this.ffmpeg.path,
      ...(freeBytes !== undefined ? { freeBytes } : {}),
    });
  }

  // ---- state ----

  getState(): EngineState {
    return {
      apiVersion: 1,
      show: this.redactedShow(),
      program: this.program.status(),
      sources: [...this.sources.values()].map((s) => s.status()),
      destinations: [...this.destinations.values()].map((d) => d.status()),
      ffmpeg: { path: this.ffmpeg.path, version: this.ffmpeg.version },
    };
  }

  /** The live show document: layouts as on air now, sources and destinations as configured. */
  private currentShow(): ShowDocument {
    return {
      ...this.show,
      layout: this.program.layout,
      ...(this.program.preview ? { preview: this.program.preview } : {}),
      sources: [...this.sources.values()].map((s) => s.spec),
      destinations: [...this.destinations.values()].map((d) => d.spec),
      audio: { masterGainDb: this.program.master.gainDb, masterMuted: this.program.master.muted },
      overlays: this.graphics.list().map((o) => o.spec),
    };
  }

  private redactedShow(): ShowDocument {
    return mapShowSecrets(this.currentShow(), maskSecret);
  }

  /** For tests and tally: the process ids the program runs. */
  processes(): { encoder?: number; sources: Record<string, number | undefined>; destinations: Record<string, number | undefined> } {
    return {
      encoder: this.program.encoder.pid,
      sources: Object.fromEntries([...this.sources].map(([id, s]) => [id, s.decoderPid])),
      destinations: Object.fromEntries([...this.destinations].map(([id, d]) => [id, d.muxerPid])),
    };
  }

  /** Mounts the WHIP/WHEP endpoints and the guest page on an HTTP server (ApiServer does this). */
  attachHttp(server: { addRoute(route: WebRtcGateway['route']): void; addUpgrade?(handler: ObjectsGateway['upgrade']): void; readonly url: string }): void {
    server.addRoute(this.webrtc.route);
    server.addUpgrade?.(this.objectsWs.upgrade);
    this.webrtc.setBaseUrl(() => server.url);
    this.httpBaseUrl = () => server.url;
  }

  /** Where this engine's HTTP server (WHIP/WHEP, viewer) is reachable, once one is attached. */
  private httpBaseUrl: (() => string) | undefined;

  getProgram(): Program {
    return this.program;
  }
  getSource(id: string): Source | undefined {
    return this.sources.get(id);
  }
  getDestination(id: string): Destination | undefined {
    return this.destinations.get(id);
  }

  // ---- commands ----

  /** Validates and runs one command. Throws ProtocolError with a message for the user. */
  async dispatch(command: string, params: unknown, caller: Caller = PRODUCER): Promise<unknown> {
    if (this.closed) throw new ProtocolError('failed', 'the engine is shutting down');
    if (!isCommandName(command))
      throw new ProtocolError('unknown_command', `unknown command "${command}"; see docs/API.md for the list`);
    if (isObjectCommand(command)) return runObjectCommand(command, params, { store: this.objects, graphics: this.graphics, tokens: this.objectsWs }, caller);
    const schema = COMMANDS[command].params as z.ZodType;
    const parsed = schema.safeParse(params ?? {});
    if (!parsed.success) throw new ProtocolError('invalid_params', `${command}: ${describeZodError(parsed.error)}`);
    const handler = this.handlers[command] as Handler<CoreCommandName>;
    return handler(parsed.data as never);
  }

  private requireSource(id: string): Source {
    const source = this.sources.get(id);
    if (!source) throw new ProtocolError('not_found', `no source with id "${id}"`);
    return source;
  }

  private requireDestination(id: string): Destination {
    const destination = this.destinations.get(id);
    if (!destination) throw new ProtocolError('not_found', `no destination with id "${id}"`);
    return destination;
  }

  private checkLayoutSources(layout: LayoutSpec): void {
    for (const id of sourcesIn(layout)) this.requireSource(id);
  }

  private readonly handlers: { [N in CoreCommandName]: Handler<N> } = {
    'state.get': () => this.getState(),
    'probe.get': () => this.probe,
    'source.add': async (spec) => {
      if (this.sources.has(spec.id)) throw new ProtocolError('conflict', `a source with id "${spec.id}" already exists`);
      const source = this.createSource(spec);
      this.sources.delete(spec.id);
      try {
        await source.prepare();
      } catch (error) {
        await source.close();
        const message = error instanceof MediaProbeError ? error.message : `could not open the source: ${(error as Error).message}`;
        throw new ProtocolError('failed', message);
      }
      if (this.sources.has(spec.id)) {
        await source.close();
        throw new ProtocolError('conflict', `a source with id "${spec.id}" already exists`);
      }
      this.sources.set(spec.id, source);
      source.start();
      this.program.updateDecoderTargets();
      this.emitEvent('source.added', { id: spec.id });
      return { id: spec.id };
    },
    'source.remove': async ({ id }) => {
      const source = this.requireSource(id);
      this.sources.delete(id);
      this.program.dropSource(id);
      await source.close();
      this.emitEvent('source.removed', { id });
      return {};
    },
    'source.update': async ({ id, ...changes }) => {
      const source = this.requireSource(id);
      const parsed = SourceSpec.safeParse({ ...source.spec, ...changes });
      if (!parsed.success) throw new ProtocolError('invalid_params', `source.update: ${describeZodError(parsed.error)}`);
      try {
        await source.update(parsed.data);
      } catch (error) {
        throw new ProtocolError('failed', (error as Error).message);
      }
      return source.status();
    },
    'device.list': async () => listDevices(this.ffmpeg.path),
    'layout.set': (layout) => {
      this.checkLayoutSources(layout);
      this.program.setLayout(layout);
      return {};
    },
    'preview.set': (layout) => {
      this.checkLayoutSources(layout);
      this.program.setPreview(layout);
      return {};
    },
    'program.take': (transition) => {
      const chosen = { ...this.show.transition, ...transition };
      this.program.take(chosen);
      return { transition: chosen };
    },
    'audio.set': ({ id, gainDb, muted }) => {
      if (!id || id === 'program') {
        this.program.setMaster({ gainDb, muted });
        return { id: 'program', ...this.program.master };
      }
      const source = this.requireSource(id);
      source.setLevel({ gainDb, muted });
      this.emitEvent('source.stateChanged', source.status());
      return { id, gainDb: source.gainDb, muted: source.muted };
    },
    'output.set': async (changes) => {
      const parsed = OutputSettings.safeParse({ ...this.show.output, ...changes });
      if (!parsed.success) throw new ProtocolError('invalid_params', `output.set: ${describeZodError(parsed.error)}`);
      const running = [...this.destinations.values()].filter((d) => d.running);
      await Promise.all(running.map((d) => d.stop()));
      const layout = this.program.layout;
      const preview = this.program.preview;
      await this.program.stop();
      this.show = { ...this.show, output: parsed.data, layout, ...(preview ? { preview } : {}) };
      this.startProgram();
      for (const d of running) d.start();
      this.emitEvent('show.changed', { name: this.show.name });
      return this.show.output;
    },
    'destination.add': (spec) => {
      if (this.destinations.has(spec.id)) throw new ProtocolError('conflict', `a destination with id "${spec.id}" already exists`);
      const destination = this.createDestination(spec);
      this.emitEvent('destination.added', { id: spec.id });
      return destination.status();
    },
    'destination.remove': async ({ id }) => {
      const destination = this.requireDestination(id);
      await destination.stop();
      this.destinations.delete(id);
      this.emitEvent('destination.removed', { id });
      return {};
    },
    'destination.start': ({ id }) => {
      const destination = this.requireDestination(id);
      destination.start();
      return destination.status();
    },
    'destination.stop': async ({ id }) => {
      const destination = this.requireDestination(id);
      await destination.stop();
      return destination.status();
    },
    'destination.startAll': () => {
      const started: string[] = [];
      for (const d of this.destinations.values()) {
        if (d.spec.enabled && !d.running) {
          d.start();
          started.push(d.id);
        }
      }
      return { started };
    },
    'destination.presets': () => ({ presets: listPresets(this.probe.capabilities, this.ffmpeg.path) }),
    'destination.preflight': ({ id }) => {
      const destination = this.requireDestination(id);
      const result = destination.checkPreflight();
      this.emitEvent('destination.stateChanged', destination.status());
      return result;
    },
    'destination.stopAll': async () => {
      const running = [...this.destinations.values()].filter((d) => d.running);
      await Promise.all(running.map((d) => d.stop()));
      return { stopped: running.map((d) => d.id) };
    },
    'show.load': async (params) => {
      let raw: unknown;
      if ('path' in params) {
        try {
          raw = JSON.parse(await readFile(params.path, 'utf8'));
        } catch (error) {
          throw new ProtocolError('failed', `cannot read show file ${params.path}: ${(error as Error).message}`);
        }
      } else raw = params.show;
      const show = parseShow(raw);
      const previousToken = this.show.webrtc?.programToken;
      await this.teardown();
      await this.build(show);
      await this.webrtc.showReplaced({
        programTokenChanged: show.webrtc?.programToken !== previousToken,
        guestIds: new Set(show.sources.filter((s) => s.kind === 'guest').map((s) => s.id)),
      });
      this.emitEvent('show.changed', { name: show.name });
      return { name: show.name };
    },
    'show.save': async ({ path }) => {
      const show = this.currentShow();
      // Show files are meant to be shared and versioned: secrets stay out of them.
      const shareable = mapShowSecrets(show, () => undefined);
      if (path) {
        try {
          await writeFile(path, `${JSON.stringify(shareable, null, 2)}\n`);
        } catch (error) {
          throw new ProtocolError('failed', `cannot write ${path}: ${(error as Error).message}`);
        }
      }
      return { show: shareable, ...(path ? { path } : {}) };
    },
    'guest.invite': (params) => this.webrtc.invite(params),
    'guest.revoke': async ({ id }) => {
      await this.webrtc.revoke(id);
      return { id, revoked: true };
    },
    'program.monitor': () => {
      const token = this.show.webrtc?.programToken;
      if (!token) throw new ProtocolError('failed', 'live program monitoring over WebRTC is off: set webrtc.programToken in the show');
      const { width, height } = this.show.output;
      // One mosaic for the other monitors (shared/monitorMosaic.ts); tiles follow the show's source order.
      // baseUrl lets a page that is not served by the engine (the desktop app) reach the endpoints.
      return { whepPath: '/whep/program', token, ...(this.httpBaseUrl ? { baseUrl: this.httpBaseUrl() } : {}), monitors: { whepPath: '/whep/monitors', width: MOSAIC_WIDTH, height: MOSAIC_HEIGHT, fps: MONITOR_FPS, preview: mosaicPreviewRect(width, height), tiles: [...this.sources.keys()].flatMap((source, i) => (MOSAIC_SLOTS[i] ? [{ source, ...MOSAIC_SLOTS[i] }] : [])) } };
    },
    'meters.subscribe': ({ enabled }) => ({ enabled }),
  };

  private async teardown(): Promise<void> {
    await Promise.all([...this.destinations.values()].map((d) => d.stop()));
    this.destinations.clear();
    await this.program.stop();
    await Promise.all([...this.sources.values()].map((s) => s.close()));
    this.sources.clear();
    for (const overlay of this.graphics.list()) this.graphics.remove(overlay.id);
  }

  /** Stops destinations (finalizing recordings), the program and every source. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.metersTimer);
    this.objectsWs.close();
    await this.webrtc.close();
    await this.teardown();
    this.graphics.dispose();
    await this.objects.close();
    this.events.clear();
  }
}

