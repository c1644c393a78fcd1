/**
 * The Graphics list's thumbnails, drawn by the engine (`overlay.thumbnail`): re-read when an
 * overlay's spec changes and when the object a data overlay shows changes, at most one request in
 * flight per overlay and one every THROTTLE_MS (a flood of votes costs a few PNGs, not one each).
 */
import type { OverlayStatus } from '../../../shared/objects.ts';
import type { EventMessage, EventPayloads } from '../../../shared/protocol.ts';
import { query } from './actions.ts';
import { useCutline } from './store.ts';

const THROTTLE_MS = 500;

interface Slot {
  key: string;
  busy: boolean;
  again: boolean;
  last: number;
  timer?: ReturnType<typeof setTimeout>;
}
const slots = new Map<string, Slot>();

/** What changes an overlay's picture (a data: URL image is compared by its length and head). */
function specKey(o: OverlayStatus): string {
  const { src, ...rest } = o.spec as Record<string, unknown>;
  return `${JSON.stringify(rest)}|${typeof src === 'string' ? `${src.length}:${src.slice(0, 64)}:${src.slice(-64)}` : ''}|${o.message ?? ''}`;
}

export function followThumbnails(message: EventMessage): void {
  if (message.event === 'overlay.changed') {
    const { overlays } = message.data as EventPayloads['overlay.changed'];
    syncThumbnails(overlays);
  } else if (message.event === 'object.changed' || message.event === 'object.created') {
    const { id } = message.data as EventPayloads['object.changed'];
    for (const o of useCutline.getState().overlays) if ((o.spec as { object?: string }).object === id) refresh(o.id);
  }
}

/** After a (re)load of the overlay list: read what is missing or changed, forget what is gone. */
export function syncThumbnails(overlays: OverlayStatus[]): void {
  const ids = new Set(overlays.map((o) => o.id));
  for (const [id, slot] of slots) {
    if (ids.has(id)) continue;
    clearTimeout(slot.timer);
    slots.delete(id);
    useCutline.setState((s) => {
      const { [id]: _gone, ...rest } = s.thumbnails;
      return { thumbnails: rest };
    });
  }
  for (const o of overlays) {
    const key = specKey(o);
    const slot = slots.get(o.id);
    if (slot?.key === key) continue;
    if (slot) slot.key = key;
    else slots.set(o.id, { key, busy: false, again: false, last: 0 });
    refresh(o.id);
  }
}

function refresh(id: string): void {
  const slot = slots.get(id);
  if (!slot) return;
  if (slot.busy || slot.timer) {
    slot.again = true;
    return;
  }
  const wait = slot.last + THROTTLE_MS - Date.now();
  if (wait > 0) {
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      refresh(id);
    }, wait);
    return;
  }
  slot.busy = true;
  slot.again = false;
  slot.last = Date.now();
  query('overlay.thumbnail', { id })
    .then((result) => {
      const png = (result as { png?: unknown })?.png;
      if (typeof png === 'string' && png.startsWith('data:image/png;base64,') && slots.get(id) === slot)
        useCutline.setState((s) => ({ thumbnails: { ...s.thumbnails, [id]: png } }));
    })
    .catch(() => {
      // An engine without thumbnails, or the overlay just removed: the desk's own drawing stays.
    })
    .finally(() => {
      slot.busy = false;
      if (slot.again) refresh(id);
    });
}

export function resetThumbnails(): void {
  for (const slot of slots.values()) clearTimeout(slot.timer);
  slots.clear();
}
