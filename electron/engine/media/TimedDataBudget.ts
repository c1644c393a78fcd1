/**
 * How much shared-object data goes into the video, per second (docs/TIMED-METADATA.md, "Limits").
 * Anyone allowed to vote, post or draw makes changes; each change rides in the program's video,
 * so without a limit a busy chalkboard or chat could spend more of the stream's bitrate on data
 * than on pictures.
 *  - A change whose state is small carries the whole state (a late player needs only the newest).
 *    A large state is not repeated on every change: the record carries the op's `args` instead,
 *    marked `"delta": true`, so the bytes follow the change, not the object's size.
 *  - A token bucket (bytes per second, with a burst) bounds the total. A record that does not fit
 *    waits, and a newer change of the same object replaces it (players keep the highest version
 *    anyway); a waiting delta that is replaced becomes `"resync": true` (no state, no args): the
 *    player fetches the state from the objects socket.
 * Pure apart from the clock: `offer` and `flush` return what to send now.
 */
import type { TimedDataRecord } from './timedMetadata.ts';

export interface TimedDataChange {
  pts: number;
  object: string;
  version: number;
  op: string;
  args: unknown;
  state: unknown;
}

export type BudgetedRecord = TimedDataRecord & { delta?: true; resync?: true; args?: unknown };

export interface TimedDataBudgetOptions {
  /** Sustained bytes of JSON per second. */
  bytesPerSecond?: number;
  /** Bytes that may go at once after a quiet time. */
  burstBytes?: number;
  /** States longer than this (JSON) travel as deltas. */
  inlineStateBytes?: number;
  now?: () => number;
}

export const TIMED_DATA_DEFAULTS = { bytesPerSecond: 32 * 1024, burstBytes: 96 * 1024, inlineStateBytes: 16 * 1024 } as const;

export class TimedDataBudget {
  private readonly rate: number;
  private readonly burst: number;
  private readonly inline: number;
  private readonly now: () => number;
  private tokens: number;
  private last: number;
  private readonly waiting = new Map<string, { record: BudgetedRecord; bytes: number }>();
  /** Records held back and later replaced by a newer one (for stats and tests). */
  coalesced = 0;
  bytesSent = 0;

  constructor(options: TimedDataBudgetOptions = {}) {
    this.rate = options.bytesPerSecond ?? TIMED_DATA_DEFAULTS.bytesPerSecond;
    this.burst = options.burstBytes ?? TIMED_DATA_DEFAULTS.burstBytes;
    this.inline = options.inlineStateBytes ?? TIMED_DATA_DEFAULTS.inlineStateBytes;
    this.now = options.now ?? Date.now;
    this.tokens = this.burst;
    this.last = this.now();
  }

  get pending(): number {
    return this.waiting.size;
  }

  /** One accepted change: the records to put into the video now (maybe none, maybe older ones too). */
  offer(change: TimedDataChange): BudgetedRecord[] {
    const stateText = JSON.stringify(change.state) ?? 'null';
    const base = { pts: change.pts, object: change.object, version: change.version, op: change.op };
    // (`state: undefined` is left out of the JSON.)
    const record: BudgetedRecord = stateText.length <= this.inline ? { ...base, state: change.state } : { ...base, state: undefined, args: change.args, delta: true };
    const bytes = JSON.stringify(record).length;
    const earlier = this.waiting.get(change.object);
    if (earlier) {
      this.coalesced++;
      // A delta that never went out breaks the chain of deltas: say so instead of sending the next.
      const replacement: BudgetedRecord = earlier.record.delta || earlier.record.resync || record.delta ? { ...base, state: undefined, resync: true } : record;
      this.waiting.set(change.object, { record: replacement, bytes: replacement.resync ? JSON.stringify(replacement).length : bytes });
      return this.flush();
    }
    this.waiting.set(change.object, { record, bytes });
    return this.flush();
  }

  /** Whatever waits and now fits (call it on a timer: waiting records go out as the budget refills). */
  flush(): BudgetedRecord[] {
    this.refill();
    const out: BudgetedRecord[] = [];
    for (const [object, item] of this.waiting) {
      if (item.bytes > this.tokens && !(item.bytes > this.burst && this.tokens >= this.burst)) break;
      this.tokens -= item.bytes;
      this.bytesSent += item.bytes;
      this.waiting.delete(object);
      out.push(item.record);
    }
    return out;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}
