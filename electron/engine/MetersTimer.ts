/**
 * `meters.updated` about 10 times a second: the program's peak/RMS levels per source and for the
 * master. Always measured; protocol sessions pass the event on only to clients that subscribed.
 */
import type { EventHub } from './EventHub.ts';
import type { Program } from './program/Program.ts';

export const METERS_INTERVAL_MS = 100;

export class MetersTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly program: () => Program,
    private readonly events: EventHub,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.events.emit('meters.updated', this.program().takeMeters()), METERS_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
