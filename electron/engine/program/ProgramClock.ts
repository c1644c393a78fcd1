/**
 * A fixed-rate clock that does not drift: tick n is due at start + n × period, whatever happened
 * before, so timing errors never accumulate. A late tick runs at once (and is counted); output
 * timestamps come from the tick count, never from the wall clock. Time is `process.hrtime`,
 * which is monotonic: a wall-clock step (NTP) cannot make it burst or stall
 * (test/e2e/recoveries.e2e.test.ts steps the engine's wall clock to prove it).
 */
export interface TickInfo {
  /** 0, 1, 2, ... */
  index: number;
  /** How late this tick ran, in ms. */
  lateMs: number;
}

export class ProgramClock {
  private timer: NodeJS.Timeout | undefined;
  private startNs = 0n;
  private index = 0;
  lateTicks = 0;
  maxLateMs = 0;

  constructor(
    readonly fps: number,
    private readonly onTick: (tick: TickInfo) => void,
  ) {}

  get ticks(): number {
    return this.index;
  }

  get periodMs(): number {
    return 1000 / this.fps;
  }

  start(): void {
    if (this.timer) return;
    this.startNs = process.hrtime.bigint();
    this.index = 0;
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  private dueMs(index: number): number {
    return (index * 1000) / this.fps;
  }

  private schedule(): void {
    const elapsedMs = Number(process.hrtime.bigint() - this.startNs) / 1e6;
    const delay = Math.max(0, this.dueMs(this.index) - elapsedMs);
    this.timer = setTimeout(() => this.run(), delay);
  }

  private run(): void {
    const elapsedMs = Number(process.hrtime.bigint() - this.startNs) / 1e6;
    // Run every tick that is due (normally one); a blocked event loop catches up, so the number of
    // frames always matches the time that passed.
    while (this.timer && this.dueMs(this.index) <= elapsedMs + 0.5) {
      const lateMs = elapsedMs - this.dueMs(this.index);
      if (lateMs > this.periodMs) this.lateTicks++;
      if (lateMs > this.maxLateMs) this.maxLateMs = lateMs;
      try {
        this.onTick({ index: this.index, lateMs });
      } catch (error) {
        console.error('program tick failed:', error);
      }
      this.index++;
    }
    if (this.timer) this.schedule();
  }
}

/** Audio samples (per channel) belonging to tick n, so their sum never drifts from n / fps. */
export function samplesForTick(index: number, fps: number, sampleRate = 48_000): number {
  return Math.floor(((index + 1) * sampleRate) / fps) - Math.floor((index * sampleRate) / fps);
}
