/**
 * Holds the paths and URLs inside sources, destinations, overlays and whole shows to MediaAccess,
 * the same way whether they come from `source.add`, `destination.add`, `overlay.add` or a show
 * file. File paths come back absolute and resolved (relative ones against the show's folder), so
 * ffmpeg only ever sees a plain absolute path, never something it could read as a protocol.
 */
import type { OverlaySpec } from '../../../shared/objects.ts';
import { ProtocolError } from '../../../shared/protocol.ts';
import type { DestinationSpec, ShowDocument, SourceSpec } from '../../../shared/show.ts';
import type { MediaAccess } from './MediaAccess.ts';

export async function checkSource(spec: SourceSpec, access: MediaAccess): Promise<SourceSpec> {
  switch (spec.kind) {
    case 'file':
      return { ...spec, path: access.readablePath(spec.path, `source "${spec.id}": the file`) };
    case 'url':
    case 'whep':
      await prefixed(`source "${spec.id}"`, () => access.sourceUrl(spec.url));
      return spec;
    default:
      return spec;
  }
}

export function checkDestination(spec: DestinationSpec, access: MediaAccess): DestinationSpec {
  if (spec.kind !== 'recording') return spec;
  return { ...spec, path: access.recordingPath(spec.path) };
}

/** An overlay spec or an overlay.update: an image `src` is checked, anything else passes. */
export function checkOverlay<T extends object>(spec: T, access: MediaAccess): T {
  const src = (spec as { src?: unknown }).src;
  if (typeof src !== 'string') return spec;
  return { ...spec, src: access.imageSource(src) };
}

/** Every path and URL of a show, checked before anything of it is built. */
export async function checkShow(show: ShowDocument, access: MediaAccess): Promise<ShowDocument> {
  const sources: SourceSpec[] = [];
  for (const s of show.sources) sources.push(await checkSource(s, access));
  return {
    ...show,
    sources,
    destinations: show.destinations.map((d) => prefixedSync(`destination "${d.id}"`, () => checkDestination(d, access))),
    overlays: show.overlays.map((o) => prefixedSync(`overlay "${o.id}"`, () => checkOverlay(o, access) as OverlaySpec)),
    ...(show.programs
      ? {
          programs: show.programs.map((p) => ({
            ...p,
            overlays: p.overlays.map((o) => prefixedSync(`program "${p.id}" overlay "${o.id}"`, () => checkOverlay(o, access) as OverlaySpec)),
          })),
        }
      : {}),
  };
}

function rethrow(where: string, error: unknown): never {
  if (error instanceof ProtocolError && !error.message.startsWith(where)) throw new ProtocolError(error.code, `${where}: ${error.message}`);
  throw error;
}

async function prefixed(where: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    rethrow(where, error);
  }
}

function prefixedSync<T>(where: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    rethrow(where, error);
  }
}
