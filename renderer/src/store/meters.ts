/**
 * The meters' fast path. `meters.updated` arrives ~10 times a second; it never enters React state.
 * The latest frame is kept here and each meter subscribes and writes to its own DOM nodes, so a
 * level change re-renders nothing (zustand's transient-update idea, without the store).
 */
import type { EventPayloads, LevelMeter } from '../../../shared/protocol.ts';

export type MeterFrame = EventPayloads['meters.updated'];

let latest: MeterFrame | undefined;
let receivedAt = 0;
const listeners = new Set<(frame: MeterFrame) => void>();

export function publishMeters(frame: MeterFrame): void {
  latest = frame;
  receivedAt = Date.now();
  for (const listener of [...listeners]) listener(frame);
}

export function latestMeters(): { frame: MeterFrame | undefined; receivedAt: number } {
  return { frame: latest, receivedAt };
}

/** `channel` is a source id or "program". */
export function meterFor(frame: MeterFrame | undefined, channel: string): LevelMeter | undefined {
  if (!frame) return undefined;
  return channel === 'program' ? frame.program : frame.sources[channel];
}

export function subscribeMeters(listener: (frame: MeterFrame) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function resetMeters(): void {
  latest = undefined;
  receivedAt = 0;
  listeners.clear();
}

/** dBFS → 0..1 on the meter scale (−60 dB at the bottom, 0 dB at the top). */
export const METER_FLOOR_DB = -60;
export function meterFraction(db: number): number {
  if (!Number.isFinite(db)) return 0;
  return Math.min(1, Math.max(0, (db - METER_FLOOR_DB) / -METER_FLOOR_DB));
}
