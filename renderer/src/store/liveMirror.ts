/**
 * How the desk's copy of the show's graphics, shared objects and recent log follows the engine's
 * events (`overlay.changed`, `object.changed|created|deleted`, `log.appended`). Pure: (slice,
 * event) → slice, or null when the event is not about them. Objects carry their whole public state
 * in every event, so nothing needs a re-read; a version gap (missed event) asks for one.
 */
import type { LogEntry } from '../../../shared/log.ts';
import type { ObjectSnapshot } from '../../../shared/objects.ts';
import type { EventMessage, EventPayloads } from '../../../shared/protocol.ts';
import type { LiveSlice } from './store.ts';

/** As many entries as the engine keeps (shared/log.ts LOG_CAPACITY). */
export const DESK_LOG_LIMIT = 500;

export type LiveResult = { live: Partial<LiveSlice>; reloadObject?: string } | null;

export function applyLiveEvent(live: LiveSlice, message: EventMessage): LiveResult {
  switch (message.event) {
    case 'overlay.changed':
      return { live: { overlays: (message.data as EventPayloads['overlay.changed']).overlays } };
    case 'object.created': {
      const e = message.data as EventPayloads['object.created'];
      return { live: { objects: { ...live.objects, [e.id]: { id: e.id, type: e.type, version: e.version, state: e.state } as ObjectSnapshot } } };
    }
    case 'object.changed': {
      const e = message.data as EventPayloads['object.changed'];
      const known = live.objects[e.id];
      const next = { id: e.id, type: e.type, version: e.version, state: e.state } as ObjectSnapshot;
      const gap = known !== undefined && e.version > known.version + 1;
      if (known && e.version <= known.version) return { live: {} };
      return { live: { objects: { ...live.objects, [e.id]: next } }, ...(gap ? { reloadObject: e.id } : {}) };
    }
    case 'object.deleted': {
      const { id } = message.data as EventPayloads['object.deleted'];
      const { [id]: _gone, ...rest } = live.objects;
      return { live: { objects: rest } };
    }
    case 'log.appended':
      return { live: { log: appendLog(live.log, [message.data as LogEntry]) } };
    default:
      return null;
  }
}

/** Adds entries not seen yet (by seq), oldest first, keeping the newest DESK_LOG_LIMIT. */
export function appendLog(log: LogEntry[], entries: LogEntry[]): LogEntry[] {
  const last = log.at(-1)?.seq ?? 0;
  const fresh = entries.filter((e) => e.seq > last);
  if (fresh.length === 0) return log;
  const next = [...log, ...fresh];
  return next.length > DESK_LOG_LIMIT ? next.slice(-DESK_LOG_LIMIT) : next;
}
