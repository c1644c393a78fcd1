/**
 * The show that is loaded: its settings (name, output, transition, WebRTC), and what it holds —
 * the sources, the program they are mixed into, and the destinations the program goes to. It
 * builds all of that from a show document and tears it down again (top down: destinations, then
 * the program, then sources), and answers "what is the show now" as a document. Command handlers
 * (commands/*.ts) work on it; it knows nothing of transports or callers.
 */
import { sourcesNamedBy } from '../../shared/layout.ts';
import type { PreflightResult } from '../../shared/destinationPreflight.ts';
import { ProtocolError } from '../../shared/protocol.ts';
import type { DestinationSpec, LayoutSpec, OutputSettings, ShowDocument, SourceSpec, WebRtcSettings } from '../../shared/show.ts';
import { Destination } from './destinations/Destination.ts';
import { preflightDestination } from './destinations/programPreflight.ts';
import type { EventHub } from './EventHub.ts';
import type { H264Encoder } from './ffmpeg/encoderArgs.ts';
import type { ProbeResult } from './ffmpeg/probe.ts';
import { MediaProbeError } from './ffmpeg/mediaProbe.ts';
import type { GraphicsLayer } from './graphics/GraphicsLayer.ts';
import type { EngineLog } from './log/EngineLog.ts';
import type { Caller } from './objects/ObjectCommands.ts';
import type { ObjectStore } from './objects/ObjectStore.ts';
import { Program } from './program/Program.ts';
import type { BoundSecrets } from './secrets/BoundSecrets.ts';
import { type PipeFeed, Source } from './sources/Source.ts';

/** Objects a show document lists are created by the producer. */
const PRODUCER: Caller = { role: 'producer' };

export interface ShowContext {
  ffmpegPath: string;
  probe: ProbeResult;
  events: EventHub;
  log: (line: string) => void;
  /** Overlays of the show are drawn by the engine's graphics layer (it outlives a show). */
  graphics: GraphicsLayer;
  /** The overlays the preview monitor draws: those on air plus those cued with `onPreview`. */
  previewGraphics: GraphicsLayer;
  /** Shared objects outlive a show too; a show only creates the ones it lists that are missing. */
  objects: ObjectStore;
  /** The feed of a `guest` or `whep` source (WebRtcGateway.feedFor). */
  feedFor(spec: SourceSpec): PipeFeed | undefined;
  secrets: BoundSecrets;
  /** Sources' and destinations' state changes go to the desk's Health log. */
  recentLog: EngineLog;
}

export class Show {
  private settingsDoc: ShowDocument;
  private readonly sourceMap = new Map<string, Source>();
  private readonly destinationMap = new Map<string, Destination>();
  private current!: Program;

  constructor(
    document: ShowDocument,
    private readonly ctx: ShowContext,
  ) {
    this.settingsDoc = document;
  }

  /** The document as loaded, with settings changed since (output.set); not the live layouts. */
  get settings(): ShowDocument {
    return this.settingsDoc;
  }

  get program(): Program {
    return this.current;
  }

  get sources(): ReadonlyMap<string, Source> {
    return this.sourceMap;
  }

  get destinations(): ReadonlyMap<string, Destination> {
    return this.destinationMap;
  }

  // ---- building and tearing down ----

  /**
   * Opens the show's file sources (the part of building a show that reads media and can fail)
   * without touching the running show, so show.load can give up with the old show still on air.
   */
  async prepareSources(show: ShowDocument): Promise<Map<string, Source>> {
    const prepared = new Map<string, Source>();
    for (const spec of show.sources) {
      if (spec.kind !== 'file') continue;
      const source = this.newSource(spec, show.output.fps);
      prepared.set(spec.id, source);
      try {
        await source.prepare();
      } catch (error) {
        await Promise.all([...prepared.values()].map((s) => s.close()));
        throw new ProtocolError('failed', `source "${spec.id}": ${(error as Error).message}`);
      }
    }
    return prepared;
  }

  async build(show: ShowDocument, prepared: Map<string, Source> = new Map()): Promise<void> {
    this.settingsDoc = show;
    for (const spec of show.sources) {
      const ready = prepared.get(spec.id);
      if (ready) {
        this.sourceMap.set(spec.id, ready);
        continue;
      }
      const source = this.createSource(spec);
      try {
        await source.prepare();
      } catch (error) {
        await source.close();
        throw new ProtocolError('failed', `source "${spec.id}": ${(error as Error).message}`);
      }
    }
    this.startProgram();
    for (const source of this.sourceMap.values()) source.start();
    for (const spec of show.destinations) this.createDestination(spec);
    for (const object of show.objects)
      if (!this.ctx.objects.peek(object.id)) await this.ctx.objects.create(object.id, object.type, object.options, PRODUCER);
    for (const overlay of show.overlays) this.ctx.graphics.add(overlay);
  }

  async teardown(): Promise<void> {
    await Promise.all([...this.destinationMap.values()].map((d) => d.stop()));
    this.destinationMap.clear();
    await this.current.stop();
    await Promise.all([...this.sourceMap.values()].map((s) => s.close()));
    this.sourceMap.clear();
    for (const overlay of this.ctx.graphics.list()) this.ctx.graphics.remove(overlay.id);
  }

  private startProgram(): void {
    const chosen = this.ctx.probe.chosen;
    this.current = new Program({
      ffmpegPath: this.ctx.ffmpegPath,
      settings: this.settingsDoc.output,
      encoder: { name: chosen.encoder as H264Encoder, hardware: chosen.hardware, reason: chosen.reason },
      sources: this.sourceMap,
      layout: this.settingsDoc.layout,
      preview: this.settingsDoc.preview,
      graphics: this.ctx.graphics,
      previewGraphics: this.ctx.previewGraphics,
    });
    this.current.on('stats', (stats) => this.ctx.events.emit('program.stats', stats));
    this.current.on('layoutChanged', (changed) => this.ctx.events.emit('program.layoutChanged', changed));
    this.current.on('log', (line) => this.ctx.log(line));
    this.current.start();
  }

  /**
   * New program settings: running destinations stop, the program restarts with the new output
   * (keeping what is on program and preview), and the destinations start again.
   */
  async changeOutput(output: OutputSettings): Promise<void> {
    const running = [...this.destinationMap.values()].filter((d) => d.running);
    await Promise.all(running.map((d) => d.stop()));
    const layout = this.current.layout;
    const preview = this.current.preview;
    await this.current.stop();
    this.settingsDoc = { ...this.settingsDoc, output, layout, ...(preview ? { preview } : {}) };
    this.startProgram();
    for (const d of running) d.start();
  }

  /** New WebRTC settings (webrtc.set); guests and viewers joining from now on get them. */
  changeWebRtc(webrtc: WebRtcSettings): void {
    this.settingsDoc = { ...this.settingsDoc, webrtc };
  }

  // ---- sources ----

  private createSource(spec: SourceSpec): Source {
    const source = this.newSource(spec, this.settingsDoc.output.fps);
    this.sourceMap.set(spec.id, source);
    return source;
  }

  private newSource(spec: SourceSpec, fps: number): Source {
    const probe = this.ctx.probe;
    const source = new Source(spec, {
      ffmpegPath: this.ctx.ffmpegPath,
      fps,
      hwaccel: probe.chosenHwaccel,
      drawtextFont: probe.capabilities.drawtext ? (probe.capabilities.fontFile ?? null) : undefined,
      log: this.ctx.log,
      feed: this.ctx.feedFor(spec),
    });
    source.on('status', (status) => {
      this.ctx.recentLog.watchStatus('source', status);
      this.ctx.events.emit('source.stateChanged', status);
    });
    return source;
  }

  /** Opens a new source (a file that is not media fails here, leaving the show as it was) and starts it. */
  async addSource(spec: SourceSpec): Promise<Source> {
    if (this.sourceMap.has(spec.id)) throw new ProtocolError('conflict', `a source with id "${spec.id}" already exists`);
    const source = this.createSource(spec);
    this.sourceMap.delete(spec.id);
    try {
      await source.prepare();
    } catch (error) {
      await source.close();
      const message = error instanceof MediaProbeError ? error.message : `could not open the source: ${(error as Error).message}`;
      throw new ProtocolError('failed', message);
    }
    if (this.sourceMap.has(spec.id)) {
      await source.close();
      throw new ProtocolError('conflict', `a source with id "${spec.id}" already exists`);
    }
    this.sourceMap.set(spec.id, source);
    source.start();
    this.current.updateDecoderTargets();
    return source;
  }

  /** Stops a source; program and preview drop it first, so no frame shows a missing cell. */
  async removeSource(id: string): Promise<void> {
    const source = this.requireSource(id);
    this.sourceMap.delete(id);
    this.current.dropSource(id);
    await source.close();
  }

  requireSource(id: string): Source {
    const source = this.sourceMap.get(id);
    if (!source) throw new ProtocolError('not_found', `no source with id "${id}"`);
    return source;
  }

  isGuestSource(id: string): boolean {
    return this.sourceMap.get(id)?.kind === 'guest';
  }

  /** Refuses a layout naming (showing, highlighting or following) a source the show does not have. */
  checkLayoutSources(layout: LayoutSpec): void {
    for (const id of sourcesNamedBy(layout)) this.requireSource(id);
  }

  // ---- destinations ----

  createDestination(spec: DestinationSpec): Destination {
    const destination = new Destination(spec, {
      ffmpegPath: this.ctx.ffmpegPath,
      fanout: () => this.current.fanout,
      showName: () => this.settingsDoc.name,
      videoBitrateKbps: () => this.settingsDoc.output.videoBitrateKbps,
      output: () => this.settingsDoc.output,
      preflight: (s) => this.preflight(s),
      secrets: this.ctx.secrets,
      log: this.ctx.log,
    });
    destination.on('status', (status) => {
      this.ctx.recentLog.watchStatus('destination', status);
      this.ctx.events.emit('destination.stateChanged', status);
    });
    this.destinationMap.set(spec.id, destination);
    return destination;
  }

  async removeDestination(id: string): Promise<void> {
    const destination = this.requireDestination(id);
    await destination.stop();
    this.destinationMap.delete(id);
  }

  requireDestination(id: string): Destination {
    const destination = this.destinationMap.get(id);
    if (!destination) throw new ProtocolError('not_found', `no destination with id "${id}"`);
    return destination;
  }

  /** The kind of a destination by id (where the headless secret store looks for its key). */
  destinationKind(id: string): DestinationSpec['kind'] | undefined {
    return this.destinationMap.get(id)?.spec.kind;
  }

  /** What the destination's service would complain about with the current program settings. */
  preflight(spec: DestinationSpec): PreflightResult {
    return preflightDestination(spec, {
      output: this.settingsDoc.output,
      program: this.current,
      sources: this.sourceMap.values(),
      probe: this.ctx.probe,
      ffmpegPath: this.ctx.ffmpegPath,
    });
  }

  // ---- the show as a document ----

  /** The live show document: layouts as on air now, sources and destinations as configured. */
  document(): ShowDocument {
    const master = this.current.master;
    return {
      ...this.settingsDoc,
      layout: this.current.layout,
      ...(this.current.preview ? { preview: this.current.preview } : {}),
      sources: [...this.sourceMap.values()].map((s) => s.spec),
      destinations: [...this.destinationMap.values()].map((d) => d.spec),
      audio: { masterGainDb: master.gainDb, masterMuted: master.muted },
      overlays: this.ctx.graphics.list().map((o) => o.spec),
    };
  }
}
