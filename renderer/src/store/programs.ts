/**
 * The program the desk works on. The tabs above the monitors choose one (`selectedProgram` in the
 * ui slice); the monitors, layout chips, multiview tallies, Take/Cut and the graphics panel then
 * act on it: every program-scoped command (shared/programScope.ts) the desk sends carries its
 * `programId`, added here in one place so no call site can forget it. `main` is sent without one,
 * the same as before programs, so a desk works against an engine that has only `main`.
 */
import type { CommandName, EngineState } from '../../../shared/protocol.ts';
import type { ProgramSummary } from '../../../shared/results.ts';
import type { LayoutSpec, OutputSettings } from '../../../shared/show.ts';
import { useCutline } from './store.ts';

export { MAIN_PROGRAM_ID, MAX_PROGRAMS, PROGRAM_ID_FIELD, PROGRAM_SCOPED_COMMANDS } from '../../../shared/programNames.ts';

import { MAIN_PROGRAM_ID, PROGRAM_ID_FIELD, PROGRAM_SCOPED_COMMANDS } from '../../../shared/programNames.ts';

/** What the desk draws of one program: its name, size and layouts. */
export interface ProgramView {
  id: string;
  name: string;
  output: OutputSettings;
  layout: LayoutSpec;
  preview: LayoutSpec | undefined;
  public: boolean;
}

/** Every program of the state, main first; an engine without `programs` has just main. */
export function programsOf(engine: EngineState): ProgramView[] {
  const main: ProgramView = {
    id: MAIN_PROGRAM_ID,
    name: engine.programs?.find((p) => p.id === MAIN_PROGRAM_ID)?.name ?? MAIN_PROGRAM_ID,
    output: engine.show.output,
    // Main's layouts are in the show (the mirror applies layout events there first).
    layout: engine.show.layout,
    preview: engine.show.preview,
    public: engine.programs?.find((p) => p.id === MAIN_PROGRAM_ID)?.public ?? false,
  };
  const others = (engine.programs ?? []).filter((p) => p.id !== MAIN_PROGRAM_ID).map(viewOf);
  return [main, ...others];
}

function viewOf(p: ProgramSummary): ProgramView {
  return { id: p.id, name: p.name, output: p.output, layout: p.layout, preview: p.preview, public: p.public };
}

/** The selected program's id, or main when the selected one is gone (removed, another show loaded). */
export function selectedProgramId(state: { engine: EngineState | null; selectedProgram: string }): string {
  const { engine, selectedProgram } = state;
  if (selectedProgram === MAIN_PROGRAM_ID || !engine) return MAIN_PROGRAM_ID;
  return engine.programs?.some((p) => p.id === selectedProgram) ? selectedProgram : MAIN_PROGRAM_ID;
}

/** The selected program as the desk draws it. */
export function selectedProgram(engine: EngineState): ProgramView {
  const id = selectedProgramId({ engine, selectedProgram: useCutline.getState().selectedProgram });
  return programsOf(engine).find((p) => p.id === id) ?? programsOf(engine)[0];
}

/**
 * The params a command goes out with: a program-scoped command that names no program gets the
 * selected one's id (main's is left out); every other command is sent as it is.
 */
export function scopeToSelectedProgram<P>(command: CommandName, params: P): P {
  if (!PROGRAM_SCOPED_COMMANDS.has(command)) return params;
  const id = selectedProgramId(useCutline.getState());
  if (id === MAIN_PROGRAM_ID || typeof params !== 'object' || params === null || Object.hasOwn(params, PROGRAM_ID_FIELD)) return params;
  return { ...params, [PROGRAM_ID_FIELD]: id };
}

/** What a destination carries, for its row: a program's name, or "ISO · <source>" for one source. */
export function destinationCarries(engine: EngineState, spec: { program?: string | undefined; source?: string | undefined }): { key: string; text: string } {
  if (spec.source !== undefined) {
    const label = engine.sources.find((s) => s.id === spec.source)?.label ?? spec.source;
    return { key: `source:${spec.source}`, text: `ISO · ${label}` };
  }
  const id = spec.program ?? MAIN_PROGRAM_ID;
  return { key: `program:${id}`, text: programsOf(engine).find((p) => p.id === id)?.name ?? id };
}

/** The add-destination form's "Carries" choices: every program, then each source as an ISO feed. */
export function carriesChoices(engine: EngineState): { key: string; text: string }[] {
  return [
    ...programsOf(engine).map((p) => ({ key: `program:${p.id}`, text: `Program: ${p.name}` })),
    ...engine.show.sources.map((s) => ({ key: `source:${s.id}`, text: `ISO: ${engine.sources.find((x) => x.id === s.id)?.label ?? s.label ?? s.id}` })),
  ];
}

/** A "Carries" choice as destination fields: `program` (left out for main) or `source`. */
export function carriesFields(key: string): { program?: string; source?: string } {
  const [kind, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
  if (kind === 'source') return { source: id };
  return id === MAIN_PROGRAM_ID ? {} : { program: id };
}
