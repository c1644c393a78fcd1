/**
 * Program ids and which commands take one, without zod: the desk's browser bundle imports this
 * module directly (shared/show.ts and shared/programScope.ts re-export it for the engine).
 */
export const MAIN_PROGRAM_ID = 'main';
/** Programs a show may have (SHOW_LIMITS.programs). */
export const MAX_PROGRAMS = 4;
export const PROGRAM_ID_FIELD = 'programId';
/** The commands whose params are `withProgramId(...)` (a unit test keeps the two in step). */
export const PROGRAM_SCOPED_COMMANDS: ReadonlySet<string> = new Set([
  'layout.set',
  'preview.set',
  'layout.highlight',
  'program.take',
  'output.set',
  'overlay.add',
  'overlay.update',
  'overlay.show',
  'overlay.hide',
  'overlay.remove',
  'overlay.list',
  'overlay.thumbnail',
]);
