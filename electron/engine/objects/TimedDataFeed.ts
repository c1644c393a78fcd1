/**
 * Shared-object changes on their way into the video (SEI, RTMP onTextData, sidecars): as the
 * audience may see them (audience.ts) and within the data budget (media/TimedDataBudget.ts),
 * with a timer that lets held-back changes out as the budget refills.
 */
import type { ObjectChangedEvent } from '../../../shared/objects.ts';
import { TimedDataBudget } from '../media/TimedDataBudget.ts';
import type { TimedDataRecord } from '../media/timedMetadata.ts';
import { audienceArgs, audienceState } from './audience.ts';

export class TimedDataFeed {
  private readonly budget = new TimedDataBudget();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly send: (record: TimedDataRecord) => void) {
    this.timer = setInterval(() => this.out(this.budget.flush()), 100);
    this.timer.unref?.();
  }

  /** A change stamped with the frame that first shows it (pts null: no program, nothing to carry it). */
  change(change: ObjectChangedEvent): void {
    if (change.pts === null) return;
    const { type, op } = change;
    this.out(this.budget.offer({ pts: change.pts, object: change.id, version: change.version, op, args: audienceArgs(type, op, change.args), state: audienceState(type, change.state) }));
  }

  close(): void {
    clearInterval(this.timer);
  }

  private out(records: TimedDataRecord[]): void {
    for (const record of records) this.send(record);
  }
}
