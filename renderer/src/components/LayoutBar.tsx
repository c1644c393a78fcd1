/** One-click layout presets for preview, the order of its sources, and the custom editor. */
import { useState } from 'react';
import type { LayoutPreset } from '../../../shared/show.ts';
import { applyPreset, highlightOnProgram, makeMain, previewLayout, toggleInPreview } from '../store/actions.ts';
import { selectedProgramId } from '../store/programs.ts';
import { useCutline } from '../store/store.ts';
import { LayoutEditor } from './LayoutEditor.tsx';

export const PRESETS: { preset: Exclude<LayoutPreset, 'custom'>; name: string; hint: string }[] = [
  { preset: 'solo', name: 'Solo', hint: 'The first source, full screen' },
  { preset: 'sideBySide', name: 'Side by side', hint: 'The first two sources' },
  { preset: 'grid', name: 'Grid', hint: 'Every chosen source in a grid' },
  { preset: 'spotlight', name: 'Spotlight', hint: 'The first source big, the others in a strip' },
  { preset: 'pip', name: 'PiP', hint: 'The second source small over the first' },
  { preset: 'stack', name: 'Stack', hint: 'The first two sources top and bottom, cropped to fill (vertical 9:16)' },
  { preset: 'wall', name: 'Wall', hint: 'Every chosen source; the highlighted one bigger with a coloured frame' },
];

export function LayoutBar() {
  const engine = useCutline((s) => s.engine);
  // Drawn for the program whose tab is open: re-render when another is chosen.
  useCutline(selectedProgramId);
  const [editing, setEditing] = useState(false);
  if (!engine) return null;
  const preview = previewLayout(engine);
  const labels = new Map(engine.sources.map((s) => [s.id, s.label]));
  const chosen = preview.preset === 'custom' ? [...new Set((preview.placements ?? []).map((p) => p.source))] : preview.sources;
  // The star marks the main source: a wall's highlight, else the first.
  const main = preview.preset === 'wall' ? preview.highlight : chosen[0];
  return (
    <section className="layout-bar" aria-label="Layouts">
      <fieldset className="presets">
        <legend className="sr-only">Layout presets</legend>
        {PRESETS.map((p) => (
          <button
            key={p.preset}
            type="button"
            className={preview.preset === p.preset ? 'active' : ''}
            aria-pressed={preview.preset === p.preset}
            title={p.hint}
            onClick={() => void applyPreset(p.preset)}
          >
            <PresetIcon preset={p.preset} />
            {p.name}
          </button>
        ))}
        <button type="button" className={preview.preset === 'custom' ? 'active' : ''} aria-pressed={preview.preset === 'custom'} onClick={() => setEditing(true)}>
          <PresetIcon preset="custom" />
          Custom…
        </button>
      </fieldset>
      <ol className="chosen" aria-label="Sources on preview, in order">
        {chosen.map((id) => (
          <li key={id} className={id === main ? 'chosen-main' : ''}>
            {id !== main && preview.preset !== 'custom' ? (
              <button type="button" className="icon" title="Make this the main source" aria-label={`Make ${labels.get(id) ?? id} main`} onClick={() => void makeMain(id)}>
                ★
              </button>
            ) : null}
            <span>{labels.get(id) ?? id}</span>
            <button type="button" className="icon" aria-label={`Take ${labels.get(id) ?? id} out of preview`} onClick={() => void toggleInPreview(id)}>
              ×
            </button>
          </li>
        ))}
        {chosen.length === 0 ? <li className="chosen-none">Click sources below to put them on preview</li> : null}
      </ol>
      <ProgramHighlight />
      {editing ? <LayoutEditor onClose={() => setEditing(false)} /> : null}
    </section>
  );
}

/** While a wall is on program: one click (or Shift+N) moves its highlight, live, no take needed. */
function ProgramHighlight() {
  const engine = useCutline((s) => s.engine);
  if (engine?.show.layout.preset !== 'wall') return null;
  const layout = engine.show.layout;
  const labels = new Map(engine.sources.map((s) => [s.id, s.label]));
  const order = engine.show.sources.map((s) => s.id);
  return (
    <fieldset className="program-highlight">
      <legend>Highlight on program{layout.follow ? ' (following the speaker)' : ''}</legend>
      {layout.sources.map((id) => {
        const n = order.indexOf(id) + 1;
        return (
          <button
            key={id}
            type="button"
            className={layout.highlight === id ? 'active' : ''}
            aria-pressed={layout.highlight === id}
            title={n >= 1 && n <= 9 ? `Shift+${n}` : undefined}
            onClick={() => void highlightOnProgram(id)}
          >
            {labels.get(id) ?? id}
          </button>
        );
      })}
    </fieldset>
  );
}

/** Tiny drawings of each preset, so the buttons read at a glance. */
function PresetIcon({ preset }: { preset: LayoutPreset }) {
  const rects: Record<LayoutPreset, [number, number, number, number][]> = {
    solo: [[1, 1, 14, 8]],
    sideBySide: [
      [1, 2.5, 6.5, 5],
      [8.5, 2.5, 6.5, 5],
    ],
    grid: [
      [1, 1, 6.5, 3.5],
      [8.5, 1, 6.5, 3.5],
      [1, 5.5, 6.5, 3.5],
      [8.5, 5.5, 6.5, 3.5],
    ],
    spotlight: [
      [1, 1, 10, 8],
      [12, 1, 3, 2.2],
      [12, 3.9, 3, 2.2],
      [12, 6.8, 3, 2.2],
    ],
    pip: [
      [1, 1, 14, 8],
      [10, 5.5, 4, 2.5],
    ],
    custom: [
      [1, 1, 7, 5],
      [6, 4, 8, 5],
    ],
    stack: [
      [5, 0.5, 6, 4.3],
      [5, 5.2, 6, 4.3],
    ],
    wall: [
      [1, 1, 8, 8],
      [10, 1, 5, 2.4],
      [10, 3.8, 5, 2.4],
      [10, 6.6, 5, 2.4],
    ],
  };
  return (
    <svg className="preset-icon" viewBox="0 0 16 10" aria-hidden="true">
      {rects[preset].map(([x, y, w, h], i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: fixed drawings
        <rect key={i} x={x} y={y} width={w} height={h} rx={0.6} />
      ))}
    </svg>
  );
}
