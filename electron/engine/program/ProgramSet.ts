/**
 * The programs of the running show: `main` and up to three more, plus one ISO program per source
 * that an ISO destination carries. Owns the show clock they all compose on, each program's
 * overlays (main's are the engine's graphics layer, which outlives a show), and the choice of
 * each source's decode sizes from every program's cells: a source drawn at one size in several
 * programs is decoded once; each other size it is drawn at gets a decoder of its own
 * (docs/PROGRAMS.md).
 */
import { MAIN_PROGRAM_ID, type LayoutSpec, type OutputSettings, type ProgramSpec, type TransitionSpec } from '../../../shared/show.ts';
import { ProtocolError } from '../../../shared/protocol.ts';
import type { EncoderInfo } from '../../../shared/protocol.ts';
import type { EventHub } from '../EventHub.ts';
import type { H264Encoder } from '../ffmpeg/encoderArgs.ts';
import type { GraphicsLayer } from '../graphics/GraphicsLayer.ts';
import type { DecodeTarget } from '../sources/decoderArgs.ts';
import type { Source } from '../sources/Source.ts';
import { Program } from './Program.ts';
import { ShowClock } from './ShowClock.ts';

function sameTarget(a: DecodeTarget, b: DecodeTarget): boolean {
  return a.width === b.width && a.height === b.height && a.fit === b.fit && JSON.stringify(a.crop) === JSON.stringify(b.crop);
}

export interface ProgramSetContext {
  ffmpegPath: string;
  encoder: EncoderInfo & { name: H264Encoder };
  sources: ReadonlyMap<string, Source>;
  /** Main's overlays: the engine's layer (it outlives a show) and the preview monitor's. */
  mainGraphics: GraphicsLayer;
  mainPreviewGraphics: GraphicsLayer;
  /** A fresh overlay layer for another program. */
  newGraphics(): GraphicsLayer;
  events: EventHub;
  log: (line: string) => void;
}

/** What a program is besides its live layouts: the settings program.update changes. */
type ProgramSettings = Omit<ProgramSpec, 'layout' | 'preview' | 'overlays'>;

interface Entry {
  settings: ProgramSettings;
  program: Program;
  graphics: GraphicsLayer;
}

export class ProgramSet {
  private clock!: ShowClock;
  private readonly entries = new Map<string, Entry>();
  private readonly isos = new Map<string, Program>();

  constructor(private readonly ctx: ProgramSetContext) {}

  /** Builds every program (main first) on a new clock at main's fps, and starts them. */
  start(specs: ProgramSpec[]): void {
    const main = specs.find((s) => s.id === MAIN_PROGRAM_ID);
    if (!main) throw new ProtocolError('invalid_params', `a show needs a program "${MAIN_PROGRAM_ID}"`);
    this.clock = new ShowClock(main.output.fps, this.ctx.sources);
    for (const spec of [main, ...specs.filter((s) => s !== main)]) this.addEntry(spec);
    this.clock.start();
  }

  /** Stops every program; they stay listed (stopped), so the state still answers after a show ends. */
  async stop(): Promise<void> {
    this.clock.stop();
    const entries = [...this.entries.values()];
    const isos = [...this.isos.values()];
    this.isos.clear();
    await Promise.all([...entries.map((e) => e.program.stop()), ...isos.map((p) => p.stop())]);
    for (const e of entries) if (e.graphics !== this.ctx.mainGraphics) e.graphics.dispose();
  }

  get fps(): number {
    return this.clock.fps;
  }

  get main(): Program {
    return this.require(MAIN_PROGRAM_ID);
  }

  get size(): number {
    return this.entries.size;
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  require(id: string): Program {
    return this.entry(id).program;
  }

  /** A program's overlay layer (overlay.* with programId). */
  graphics(id: string): GraphicsLayer {
    return this.entry(id).graphics;
  }

  settings(id: string): ProgramSettings {
    return this.entry(id).settings;
  }

  /** Every program that encodes, ISO ones too (timed data goes into all of them). */
  allPrograms(): Program[] {
    return [...[...this.entries.values()].map((e) => e.program), ...this.isos.values()];
  }

  /** The program as a document entry: settings, layouts as on air now, its overlays. */
  spec(id: string): ProgramSpec {
    const { settings, program, graphics } = this.entry(id);
    return { ...settings, layout: program.layout, ...(program.preview ? { preview: program.preview } : {}), overlays: graphics.list().map((o) => o.spec), audio: { masterGainDb: program.master.gainDb, masterMuted: program.master.muted } };
  }

  specs(): ProgramSpec[] {
    return this.ids().map((id) => this.spec(id));
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new ProtocolError('not_found', `no program with id "${id}"; the show has ${this.ids().join(', ')}`);
    return entry;
  }

  /** Adds a program and starts it on the running clock (checks are the caller's: commands/programs.ts). */
  add(spec: ProgramSpec): Program {
    const program = this.addEntry(spec);
    return program;
  }

  private addEntry(spec: ProgramSpec): Program {
    const isMain = spec.id === MAIN_PROGRAM_ID;
    const graphics = isMain ? this.ctx.mainGraphics : this.ctx.newGraphics();
    if (!isMain) for (const overlay of spec.overlays) graphics.add(overlay);
    const { layout, preview, overlays: _overlays, ...settings } = spec;
    const program = this.newProgram(spec.id, settings.output, layout, preview, graphics, isMain ? this.ctx.mainPreviewGraphics : undefined);
    program.setMaster({ gainDb: spec.audio.masterGainDb, muted: spec.audio.masterMuted });
    this.entries.set(spec.id, { settings, program, graphics });
    program.start();
    return program;
  }

  private newProgram(id: string, output: OutputSettings, layout: LayoutSpec, preview: LayoutSpec | undefined, graphics?: GraphicsLayer, previewGraphics?: GraphicsLayer, isoSource?: string): Program {
    const program = new Program({
      id,
      clock: this.clock,
      ...(isoSource !== undefined ? { isoSource } : {}),
      onDecodeTargetsChanged: () => this.updateDecoderTargets(),
      ffmpegPath: this.ctx.ffmpegPath,
      settings: output,
      encoder: this.ctx.encoder,
      sources: this.ctx.sources,
      layout,
      ...(preview ? { preview } : {}),
      ...(graphics ? { graphics } : {}),
      ...(previewGraphics ? { previewGraphics } : {}),
    });
    // program.stats keeps meaning main (the desk's status bar); every program's status is in the state.
    if (id === MAIN_PROGRAM_ID) program.on('stats', (stats) => this.ctx.events.emit('program.stats', stats));
    if (isoSource === undefined) program.on('layoutChanged', (changed) => this.ctx.events.emit('program.layoutChanged', changed));
    program.on('log', (line) => this.ctx.log(id === MAIN_PROGRAM_ID ? line : `program ${id}: ${line}`));
    return program;
  }

  async remove(id: string): Promise<void> {
    const entry = this.entry(id);
    this.entries.delete(id);
    await entry.program.stop();
    if (entry.graphics !== this.ctx.mainGraphics) entry.graphics.dispose();
    this.updateDecoderTargets();
  }

  /** New output settings for one program: its encoder restarts with what is on program and preview kept. */
  async changeOutput(id: string, output: OutputSettings): Promise<void> {
    const entry = this.entry(id);
    const { layout, preview, master } = entry.program;
    await entry.program.stop();
    const program = this.newProgram(id, output, layout, preview, entry.graphics, id === MAIN_PROGRAM_ID ? this.ctx.mainPreviewGraphics : undefined);
    program.setMaster(master);
    entry.program = program;
    entry.settings = { ...entry.settings, output };
    program.start();
  }

  /** Name, transition, master level, public: nothing restarts. */
  update(id: string, changes: { name?: string; transition?: TransitionSpec; audio?: { masterGainDb?: number; masterMuted?: boolean }; public?: boolean }): void {
    const entry = this.entry(id);
    const { audio, ...rest } = changes;
    entry.settings = { ...entry.settings, ...rest };
    if (audio) {
      entry.program.setMaster({
        ...(audio.masterGainDb !== undefined ? { gainDb: audio.masterGainDb } : {}),
        ...(audio.masterMuted !== undefined ? { muted: audio.masterMuted } : {}),
      });
    }
  }

  // ---- ISO programs ----

  /**
   * The ISO program of a source: that source alone, fitted into main's output settings, with its
   * own sound as it arrives (no overlays, gain, mute or master). Made when a destination first
   * needs it; it stays until its last destination is removed or the source goes.
   */
  iso(sourceId: string): Program {
    let program = this.isos.get(sourceId);
    if (!program) {
      const layout: LayoutSpec = { preset: 'solo', sources: [sourceId], fit: 'fit', gap: 0, background: '#000000' };
      program = this.newProgram(`iso:${sourceId}`, this.main.settings, layout, undefined, undefined, undefined, sourceId);
      this.isos.set(sourceId, program);
      program.start();
    }
    return program;
  }

  async dropIso(sourceId: string): Promise<void> {
    const program = this.isos.get(sourceId);
    if (!program) return;
    this.isos.delete(sourceId);
    await program.stop();
    this.updateDecoderTargets();
  }

  // ---- sources ----

  /** A source left the show: every program drops it from program and preview. */
  dropSource(id: string): void {
    for (const program of this.allPrograms()) program.dropSource(id);
  }

  /**
   * Each source is asked for every distinct cell size the programs draw it at, biggest first: its
   * own decoder takes the biggest, each other size gets one more decoder (Source.setTargets), so
   * a source drawn at the same size in several programs is decoded once.
   */
  updateDecoderTargets(): void {
    const wanted = new Map<string, DecodeTarget[]>();
    for (const program of this.allPrograms()) {
      for (const [id, target] of program.decodeTargets()) {
        const list = wanted.get(id) ?? [];
        if (!list.some((t) => sameTarget(t, target))) list.push(target);
        wanted.set(id, list);
      }
    }
    for (const [id, source] of this.ctx.sources) {
      const list = (wanted.get(id) ?? []).sort((a, b) => b.width * b.height - a.width * a.height);
      if (list.length > 0 || source.hasOtherSizes) source.setTargets(list);
    }
  }
}
