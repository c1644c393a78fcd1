/**
 * The programs of a show document. A version-1 document (no `programs`) is one program `main` made
 * of its top-level output/layout/preview/transition/overlays/audio fields; a version-2 document
 * lists every program and its `main` entry wins over those fields. Writing goes the other way: the
 * top-level fields always mirror `main` (so a reader that knows only version 1 still sees the main
 * cut), and `programs` is written only when there is more than `main` to say.
 */
import {
  MAIN_PROGRAM_ID,
  type ProgramSpec,
  SHOW_FORMAT_VERSION,
  SHOW_FORMAT_VERSION_PROGRAMS,
  type ShowDocument,
} from './show.ts';

/** The program `main` as the top-level fields of a show describe it. */
export function mainProgramOf(show: ShowDocument): ProgramSpec {
  return {
    id: MAIN_PROGRAM_ID,
    output: show.output,
    layout: show.layout,
    ...(show.preview ? { preview: show.preview } : {}),
    transition: show.transition,
    overlays: show.overlays,
    audio: show.audio,
  };
}

/** Every program of a show, `main` first. */
export function programsOf(show: ShowDocument): ProgramSpec[] {
  if (!show.programs) return [mainProgramOf(show)];
  const main = show.programs.find((p) => p.id === MAIN_PROGRAM_ID);
  return main ? [main, ...show.programs.filter((p) => p !== main)] : show.programs;
}

/** A program's name for people: its own, or its id. */
export function programName(program: Pick<ProgramSpec, 'id' | 'name'>): string {
  return program.name ?? program.id;
}

/**
 * The document holding these programs: top-level fields from `main`; `programs` and version 2
 * when there is more than one program, or `main` has a name or is public (fields version 1 lacks).
 */
export function withPrograms(show: ShowDocument, programs: ProgramSpec[]): ShowDocument {
  const main = programs.find((p) => p.id === MAIN_PROGRAM_ID) ?? mainProgramOf(show);
  const { programs: _old, preview: _preview, ...rest } = show;
  const needsList = programs.length > 1 || main.name !== undefined || main.public !== undefined;
  return {
    ...rest,
    version: needsList ? SHOW_FORMAT_VERSION_PROGRAMS : SHOW_FORMAT_VERSION,
    output: main.output,
    layout: main.layout,
    ...(main.preview ? { preview: main.preview } : {}),
    transition: main.transition,
    overlays: main.overlays,
    audio: main.audio,
    ...(needsList ? { programs: [main, ...programs.filter((p) => p !== main)] } : {}),
  };
}

/** A parsed document made consistent: the top-level fields are `main`'s (docs/PROGRAMS.md). */
export function normalizePrograms(show: ShowDocument): ShowDocument {
  return show.programs ? withPrograms(show, programsOf(show)) : show;
}
