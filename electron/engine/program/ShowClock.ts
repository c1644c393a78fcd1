/**
 * The show's one clock. Each tick every source moves to its next picture and gives one tick of
 * sound, once, and then every program composes and encodes from that same state: programs stay
 * frame-aligned (tick n is the same instant in all of them, so timed data lands on the same
 * frame everywhere), and a source's sound is read once however many programs carry it.
 */
import { CHANNELS } from '../media/AudioRing.ts';
import type { Source } from '../sources/Source.ts';
import { ProgramClock, samplesForTick, type TickInfo } from './ProgramClock.ts';

/** One tick's sound from every source, read once for all programs (never to be written to). */
export type SourceAudio = ReadonlyMap<string, Int16Array>;

export interface TickedProgram {
  renderTick(tick: TickInfo, audio: SourceAudio): void;
}

export class ShowClock {
  private readonly clock: ProgramClock;
  private readonly programs = new Set<TickedProgram>();

  constructor(
    readonly fps: number,
    private readonly sources: ReadonlyMap<string, Source>,
  ) {
    this.clock = new ProgramClock(fps, (tick) => this.onTick(tick));
  }

  get ticks(): number {
    return this.clock.ticks;
  }
  get lateTicks(): number {
    return this.clock.lateTicks;
  }
  /** The latest any tick ran, ms (for the bench's report). */
  get maxLateMs(): number {
    return this.clock.maxLateMs;
  }
  get running(): boolean {
    return this.clock.running;
  }

  add(program: TickedProgram): void {
    this.programs.add(program);
  }
  remove(program: TickedProgram): void {
    this.programs.delete(program);
  }

  start(): void {
    this.clock.start();
  }
  stop(): void {
    this.clock.stop();
  }

  private onTick(tick: TickInfo): void {
    // Audio is pulled every tick, even one a program skips, so no source builds a backlog and the
    // meters and mix-minus feeds keep moving. Each source's next picture first: its sound is
    // anchored to the picture on screen.
    const samples = samplesForTick(tick.index, this.fps);
    for (const source of this.sources.values()) source.advanceFrame();
    const audio = new Map<string, Int16Array>();
    for (const source of this.sources.values()) {
      const block = new Int16Array(samples * CHANNELS);
      source.readAudio(block, 1 / this.fps);
      audio.set(source.id, block);
    }
    // One program failing must not stop the others' frames.
    for (const program of this.programs) {
      try {
        program.renderTick(tick, audio);
      } catch (error) {
        console.error('program tick failed:', error);
      }
    }
  }
}
