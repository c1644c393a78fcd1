/**
 * One-click programs (issue #13): pure functions from the show's sources to a program definition
 * `{id, name, output: {width, height, fps}, layout, preview?}`, the shape `program.add` takes. The
 * desk's "Add vertical cut" / "Add venue wall" buttons call them; docs/LAYOUTS.md says why each
 * looks the way it does.
 */
import type { FollowSpec, LayoutSpec, SourceKind } from './show.ts';

// Layouts are written out whole (the schema's defaults included) rather than parsed, so the desk
// can import this module without bundling zod into the browser; a unit test parses each one.
const FOLLOW_SPEAKER: FollowSpec = { mode: 'speaker', holdMs: 1500, ignoreMs: 300 };
const layoutOf = (fields: Partial<LayoutSpec> & Pick<LayoutSpec, 'preset'>): LayoutSpec => ({
  sources: [],
  fit: 'fit',
  gap: 0,
  background: '#000000',
  ...fields,
});

export interface ProgramDefinition {
  id: string;
  name: string;
  output: { width: number; height: number; fps: number };
  layout: LayoutSpec;
  /** A second layout ready on preview, one take away. */
  preview?: LayoutSpec;
}

/** What a preset needs to know of a source. */
export interface PresetSource {
  id: string;
  kind: SourceKind;
}

/**
 * People and cameras: remote guests (WHIP, or pulled over WHEP), local devices and network
 * cameras (url). Files and test patterns are clips and bars, not participants.
 */
const PARTICIPANT_KINDS: ReadonlySet<SourceKind> = new Set(['guest', 'whep', 'device', 'url']);

/** The sources a wall or a speaker follow should use: the participants, or every source if there are none. */
export function participantsOf(sources: readonly PresetSource[]): string[] {
  const people = sources.filter((s) => PARTICIPANT_KINDS.has(s.kind)).map((s) => s.id);
  return people.length > 0 ? people : sources.map((s) => s.id);
}

export interface VerticalOptions {
  id?: string;
  name?: string;
  fps?: number;
}

/**
 * *Vertical 9:16*: 1080×1920, on program the active speaker alone and cropped to fill the tall
 * frame; on preview the first two participants stacked (one take for a two-person moment).
 */
export function verticalCut(sources: readonly PresetSource[], options: VerticalOptions = {}): ProgramDefinition {
  const people = participantsOf(sources);
  const layout = layoutOf({ preset: 'solo', sources: people, fit: 'fill', follow: FOLLOW_SPEAKER });
  const preview = layoutOf({ preset: 'stack', sources: people.slice(0, 2), fit: 'fill' });
  return {
    id: options.id ?? 'vertical',
    name: options.name ?? 'Vertical 9:16',
    output: { width: 1080, height: 1920, fps: options.fps ?? 30 },
    layout,
    preview,
  };
}

export interface VenueWallOptions {
  id?: string;
  name?: string;
  fps?: number;
  /** 3840×1080 for a double-wide LED wall or two screens side by side; 1920×1080 for one screen. */
  size?: '3840x1080' | '1920x1080';
  /** Who starts highlighted (default the first participant). */
  highlight?: string;
  /** Follow the active speaker with the highlight (default on). */
  followSpeaker?: boolean;
}

/**
 * *Venue wall*: every guest and camera on a grid, one highlighted on a bigger tile with a
 * coloured frame; the highlight follows the speaker unless turned off, and the producer moves it
 * with one click (`layout.highlight`).
 */
export function venueWall(sources: readonly PresetSource[], options: VenueWallOptions = {}): ProgramDefinition {
  const people = participantsOf(sources);
  const [width, height] = (options.size ?? '3840x1080').split('x').map(Number);
  const highlight = options.highlight && people.includes(options.highlight) ? options.highlight : people[0];
  const layout = layoutOf({
    preset: 'wall',
    sources: people,
    gap: 0.004,
    ...(highlight ? { highlight } : {}),
    ...(options.followSpeaker === false ? {} : { follow: FOLLOW_SPEAKER }),
  });
  return {
    id: options.id ?? 'wall',
    name: options.name ?? 'Venue wall',
    output: { width, height, fps: options.fps ?? 30 },
    layout,
  };
}
