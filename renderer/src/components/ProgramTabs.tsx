/**
 * The program switcher above the monitors: one tab per program (main first) with its name and
 * size, and the one-click presets. The chosen tab is what the monitors, layout chips, multiview
 * tallies, Take/Cut and the graphics panel act on (store/programs.ts adds its `programId`).
 * Arrow keys move between tabs (WAI-ARIA tabs pattern).
 */
import { addProgramPreset, removeProgram, selectProgram } from '../store/actions.ts';
import { MAX_PROGRAMS, programsOf, selectedProgramId } from '../store/programs.ts';
import { useCutline } from '../store/store.ts';

export function ProgramTabs() {
  const engine = useCutline((s) => s.engine);
  const selected = useCutline(selectedProgramId);
  if (!engine) return null;
  const programs = programsOf(engine);
  const full = programs.length >= MAX_PROGRAMS;
  const fullNote = full ? ` (a show has at most ${MAX_PROGRAMS} programs)` : '';
  return (
    <nav className="program-tabs" aria-label="Programs">
      <div
        role="tablist"
        aria-label="Program"
        className="program-tablist"
        onKeyDown={(e) => {
          if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
          const i = programs.findIndex((p) => p.id === selected);
          const next = programs[(i + (e.key === 'ArrowRight' ? 1 : programs.length - 1)) % programs.length];
          void selectProgram(next.id);
          (e.currentTarget.querySelector(`[data-program-tab="${next.id}"]`) as HTMLElement | null)?.focus();
        }}
      >
        {programs.map((p) => (
          <button
            key={p.id}
            type="button"
            role="tab"
            data-program-tab={p.id}
            aria-selected={p.id === selected}
            tabIndex={p.id === selected ? 0 : -1}
            className={p.id === selected ? 'active' : undefined}
            title={`${p.name}: ${p.output.width}×${p.output.height}${p.public ? ', a public view' : ''}`}
            onClick={() => void selectProgram(p.id)}
          >
            <span className="program-tab-name">{p.name}</span>
            <span className="program-tab-size">
              {p.output.width}×{p.output.height}
            </span>
            {p.public ? <span className="program-tab-public" title="A view the audience may choose">view</span> : null}
          </button>
        ))}
      </div>
      <div className="program-tab-actions">
        <button type="button" disabled={full} title={`A 1080×1920 program: one guest cropped to fill, two side by side on preview${fullNote}`} onClick={() => void addProgramPreset('vertical')}>
          + Add vertical cut
        </button>
        <button type="button" disabled={full} title={`A 3840×1080 program: every guest and camera on a grid${fullNote}`} onClick={() => void addProgramPreset('wall')}>
          + Add venue wall
        </button>
        {selected !== 'main' ? (
          <button type="button" className="danger" title="Stop and remove this program" onClick={() => void removeProgram(selected)}>
            Remove program
          </button>
        ) : null}
      </div>
    </nav>
  );
}
