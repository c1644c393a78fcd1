/**
 * The show that is loaded: its settings (name, WebRTC), and what it holds — the sources, the
 * programs they are mixed into (ProgramSet: main and up to three more, and ISO feeds), and the
 * destinations each program goes to. It builds all of that from a show document and tears it down
 * again (top down: destinations, then the programs, then sources), and answers "what is the show
 * now" as a document. Command handlers (commands/*.ts) work on it; it knows nothing of transports
 * or callers.
 */
import { sourcesNamedBy } from '../../shared/layout.ts';
import { programsOf, withPrograms } from '../../shared/programs.ts';
import type { PreflightResult } from '../../shared/destinationPreflight.ts';
import { ProtocolError } from '../../shared/protocol.ts';
import { type DestinationSpec, type LayoutSpec, MAIN_PROGRAM_ID, type OutputSettings, type ShowDocument, type SourceSpec, type WebRtcSettings } from '../../shared/show.ts';
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
import type { Program } from './program/Program.ts';
import { ProgramSet } from './program/ProgramSet.ts';
import type { BoundSecrets } from './secrets/BoundSecrets.ts';
import { type PipeFeed, Source } from './sources/Source.ts';

/** Objects a show document lists are created by the producer. */
const PRODUCER: Caller = { role: 'producer' };

export interface ShowContext {
  ffmpegPath: string;
  probe: ProbeResult;
  events: EventHub;
  log: (line: string) => void;
  /** Main's overlays are drawn by the engine's graphics layer (it outlives a show). */
  graphics: GraphicsLayer;
  /** A layer for another program's overlays. */
  newGraphics(): GraphicsLayer;
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
  private programSet: ProgramSet | undefined;

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

  /** Program `main`. */
  get program(): Program {
    return this.programs.main;
  }

  get programs(): ProgramSet {
    if (!this.programSet) throw new ProtocolError('failed', 'no show is running');
    return this.programSet;
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
    this.startPrograms(programsOf(show));
    for (const source of this.sourceMap.values()) source.start();
    for (const spec of show.destinations) this.createDestination(spec);
    for (const object of show.objects)
      if (!this.ctx.objects.peek(object.id)) await this.ctx.objects.create(object.id, object.type, object.options, PRODUCER);
    for (const overlay of show.overlays) this.ctx.graphics.add(overlay);
  }

  async teardown(): Promise<void> {
    await Promise.all([...this.destinationMap.values()].map((d) => d.stop()));
    this.destinationMap.clear();
    await this.programSet?.stop();
    await Promise.all([...this.sourceMap.values()].map((s) => s.close()));
    this.sourceMap.clear();
    for (const overlay of this.ctx.graphics.list()) this.ctx.graphics.remove(overlay.id);
  }

  private startPrograms(specs: ReturnType<typeof programsOf>): void {
    const chosen = this.ctx.probe.chosen;
    this.programSet = new ProgramSet({
      ffmpegPath: this.ctx.ffmpegPath,
      encoder: { name: chosen.encoder as H264Encoder, hardware: chosen.hardware, reason: chosen.reason },
      sources: this.sourceMap,
      mainGraphics: this.ctx.graphics,
      mainPreviewGraphics: this.ctx.previewGraphics,
      newGraphics: () => this.ctx.newGraphics(),
      events: this.ctx.events,
      log: this.ctx.log,
    });
    this.programSet.start(specs);
  }

  /** The destinations carrying a program (ISO feeds carry none). */
  destinationsOf(programId: string): Destination[] {
    return [...this.destinationMap.values()].filter((d) => d.spec.source === undefined && (d.spec.program ?? MAIN_PROGRAM_ID) === programId);
  }

  /**
   * New settings for one program: its running destinations stop, the program restarts with the
   * new output (keeping what is on program and preview), and they start again. An fps change
   * (main only: one show clock) restarts every program at the new rate.
   */
  async changeOutput(output: OutputSettings, programId: string = MAIN_PROGRAM_ID): Promise<void> {
    const programs = this.programs;
    const fpsChanged = output.fps !== programs.fps;
    if (fpsChanged && programId !== MAIN_PROGRAM_ID)
      throw new ProtocolError('invalid_params', `every program runs on the show's clock at ${programs.fps} fps: change fps on main (output.set without programId)`);
    const affected = fpsChanged ? [...this.destinationMap.values()] : this.destinationsOf(programId);
    const running = affected.filter((d) => d.running);
    await Promise.all(running.map((d) => d.stop()));
    if (fpsChanged) {
      const specs = programs.specs().map((p) => ({ ...p, output: p.id === programId ? output : { ...p.output, fps: output.fps } }));
      await programs.stop();
      this.startPrograms(specs);
    } else {
      await programs.changeOutput(programId, output);
    }
    if (programId === MAIN_PROGRAM_ID) this.settingsDoc = { ...this.settingsDoc, output };
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
    this.programs.updateDecoderTargets();
    return source;
  }

  /** Stops a source; program and preview drop it first, so no frame shows a missing cell. */
  async removeSource(id: string): Promise<void> {
    const source = this.requireSource(id);
    this.sourceMap.delete(id);
    this.programs.dropSource(id);
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

  /** The program a destination carries: the one it names (default main), or its source's ISO program. */
  private feedOf(spec: DestinationSpec): Program {
    return spec.source !== undefined ? this.programs.iso(spec.source) : this.programs.require(spec.program ?? MAIN_PROGRAM_ID);
  }

  /** Refuses a destination naming a program or source the show does not have, or both. */
  checkDestinationFeed(spec: DestinationSpec): void {
    if (spec.program !== undefined && spec.source !== undefined)
      throw new ProtocolError('invalid_params', 'a destination carries a program or one source (ISO), not both: remove "program" or "source"');
    if (spec.program !== undefined) this.programs.require(spec.program);
    if (spec.source !== undefined && !this.sourceMap.has(spec.source))
      throw new ProtocolError('not_found', `no source with id "${spec.source}" for this ISO feed; the show has ${[...this.sourceMap.keys()].join(', ') || 'no sources'}`);
  }

  createDestination(spec: DestinationSpec): Destination {
    const destination = new Destination(spec, {
      ffmpegPath: this.ctx.ffmpegPath,
      fanout: () => this.feedOf(spec).fanout,
      showName: () => this.settingsDoc.name,
      videoBitrateKbps: () => this.feedOf(spec).settings.videoBitrateKbps,
      output: () => this.feedOf(spec).settings,
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
    const iso = destination.spec.source;
    if (iso !== undefined && ![...this.destinationMap.values()].some((d) => d.spec.source === iso)) await this.programs.dropIso(iso);
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
    const program = this.feedOf(spec);
    return preflightDestination(spec, {
      output: program.settings,
      program,
      sources: this.sourceMap.values(),
      probe: this.ctx.probe,
      ffmpegPath: this.ctx.ffmpegPath,
    });
  }

  // ---- the show as a document ----

  /**
   * The live show document: layouts as on air now, sources and destinations as configured; the
   * top-level fields are main's, and `programs` (version 2) is there when there is more than main.
   */
  document(): ShowDocument {
    const base: ShowDocument = {
      ...this.settingsDoc,
      sources: [...this.sourceMap.values()].map((s) => s.spec),
      destinations: [...this.destinationMap.values()].map((d) => d.spec),
    };
    return withPrograms(base, this.programs.specs());
  }
}
