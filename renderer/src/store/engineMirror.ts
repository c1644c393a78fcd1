/**
 * How the UI's copy of EngineState follows the engine's events. Pure: (state, event) → new state,
 * or `refresh` when the event does not carry enough to update the copy (then the store re-reads
 * `state.get`). The engine stays the source of truth; this only keeps the copy fresh between reads.
 */
import type { EngineState, EventMessage, EventName, EventPayloads } from '../../../shared/protocol.ts';
import type { LayoutSpec } from '../../../shared/show.ts';

export type MirrorResult = { state: EngineState; refresh: boolean };

function upsert<T extends { id: string }>(list: T[], item: T): T[] {
  const index = list.findIndex((x) => x.id === item.id);
  if (index === -1) return [...list, item];
  const next = list.slice();
  next[index] = item;
  return next;
}

function withoutSource(layout: LayoutSpec, id: string): LayoutSpec {
  return {
    ...layout,
    sources: layout.sources.filter((s) => s !== id),
    ...(layout.placements ? { placements: layout.placements.filter((p) => p.source !== id) } : {}),
  };
}

/** The event's data, typed by the event name the switch below has already checked. */
function payload<N extends EventName>(message: EventMessage): EventPayloads[N] {
  return message.data as EventPayloads[N];
}

export function applyEvent(state: EngineState, message: EventMessage): MirrorResult {
  switch (message.event) {
    case 'source.stateChanged': {
      const status = payload<'source.stateChanged'>(message);
      const known = state.show.sources.some((s) => s.id === status.id);
      return { state: { ...state, sources: upsert(state.sources, status) }, refresh: !known };
    }
    case 'source.added': {
      const { id } = payload<'source.added'>(message);
      return { state, refresh: !state.show.sources.some((s) => s.id === id) || !state.sources.some((s) => s.id === id) };
    }
    case 'source.removed': {
      const { id } = payload<'source.removed'>(message);
      const show = {
        ...state.show,
        sources: state.show.sources.filter((s) => s.id !== id),
        layout: withoutSource(state.show.layout, id),
        ...(state.show.preview ? { preview: withoutSource(state.show.preview, id) } : {}),
      };
      return { state: { ...state, show, sources: state.sources.filter((s) => s.id !== id) }, refresh: false };
    }
    case 'destination.stateChanged': {
      const status = payload<'destination.stateChanged'>(message);
      const known = state.show.destinations.some((d) => d.id === status.id);
      return { state: { ...state, destinations: upsert(state.destinations, status) }, refresh: !known };
    }
    case 'destination.added': {
      const { id } = payload<'destination.added'>(message);
      return { state, refresh: !state.show.destinations.some((d) => d.id === id) || !state.destinations.some((d) => d.id === id) };
    }
    case 'destination.removed': {
      const { id } = payload<'destination.removed'>(message);
      const show = { ...state.show, destinations: state.show.destinations.filter((d) => d.id !== id) };
      return { state: { ...state, show, destinations: state.destinations.filter((d) => d.id !== id) }, refresh: false };
    }
    case 'program.layoutChanged': {
      const { programId = 'main', layout, preview } = payload<'program.layoutChanged'>(message);
      const known = programId === 'main' || (state.programs ?? []).some((p) => p.id === programId);
      const programs = (state.programs ?? []).map((p) => (p.id === programId ? { ...p, layout, preview } : p));
      // Main's layouts are also the show's top-level fields.
      const show = programId === 'main' ? { ...state.show, layout, preview } : state.show;
      return { state: { ...state, show, programs }, refresh: !known };
    }
    case 'objects.statusChanged':
      return { state: { ...state, objects: payload<'objects.statusChanged'>(message) }, refresh: false };
    case 'program.added':
    case 'program.removed':
      return { state, refresh: true };
    case 'program.stats':
      return { state: { ...state, program: payload<'program.stats'>(message) }, refresh: false };
    case 'show.changed': {
      const { name } = payload<'show.changed'>(message);
      return { state: { ...state, show: { ...state.show, name } }, refresh: true };
    }
    default:
      // meters.updated takes the fast path (meters.ts); unknown events are ignored.
      return { state, refresh: false };
  }
}
