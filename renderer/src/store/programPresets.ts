/**
 * The desk's one-click programs, "Add vertical cut" and "Add venue wall" (issue #13). They have
 * the shape of `shared/programPresets.ts` on the `speaker` branch (`verticalCut(sources)` /
 * `venueWall(sources)` → `{id, name, output: {width, height, fps}, layout, preview?}`), built here
 * from the layout presets this branch has (solo, sideBySide, grid): when that module lands, the
 * desk calls it instead (its vertical follows the speaker and stacks two; its wall highlights one).
 */
import type { LayoutSpec, SourceKind } from '../../../shared/show.ts';

export interface ProgramDefinition {
  id: string;
  name: string;
  output: { width: number; height: number; fps: number };
  layout: LayoutSpec;
  preview?: LayoutSpec;
}

export interface PresetSource {
  id: string;
  kind: SourceKind;
}

/** People and cameras first (guests, devices, network cameras); clips and bars only when there are none. */
function participantsOf(sources: readonly PresetSource[]): string[] {
  const people = sources.filter((s) => s.kind === 'guest' || s.kind === 'whep' || s.kind === 'device' || s.kind === 'url').map((s) => s.id);
  return people.length > 0 ? people : sources.map((s) => s.id);
}

function layout(preset: LayoutSpec['preset'], sources: string[], fit: LayoutSpec['fit']): LayoutSpec {
  return { preset, sources, fit, gap: 0, background: '#000000' };
}

/** *Vertical 9:16*: 1080×1920, the first participant alone cropped to fill; two side by side one take away. */
export function verticalCut(sources: readonly PresetSource[], options: { id?: string; fps?: number } = {}): ProgramDefinition {
  const people = participantsOf(sources);
  return {
    id: options.id ?? 'vertical',
    name: 'Vertical 9:16',
    output: { width: 1080, height: 1920, fps: options.fps ?? 30 },
    layout: layout('solo', people, 'fill'),
    preview: layout('sideBySide', people.slice(0, 2), 'fill'),
  };
}

/** *Venue wall*: 3840×1080, every guest and camera on a grid. */
export function venueWall(sources: readonly PresetSource[], options: { id?: string; fps?: number } = {}): ProgramDefinition {
  return {
    id: options.id ?? 'wall',
    name: 'Venue wall',
    output: { width: 3840, height: 1080, fps: options.fps ?? 30 },
    layout: { ...layout('grid', participantsOf(sources), 'fill'), gap: 0.004 },
  };
}
