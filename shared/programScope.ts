/**
 * `programId` on the commands that act on one program (layout.set, preview.set, program.take,
 * output.set, overlay.*): absent = `main`. Every other command refuses it (Engine.dispatch), so a
 * client that thinks a command is per program hears so instead of changing `main` by surprise.
 */
import { z } from 'zod';
import { Id } from './ids.ts';

import { PROGRAM_ID_FIELD } from './programNames.ts';

export { PROGRAM_ID_FIELD, PROGRAM_SCOPED_COMMANDS } from './programNames.ts';

const ProgramScope = z.object({ programId: Id.default('main').describe('The program it acts on (default main).') });

/** Params as a program-scoped command takes them: the same, plus `programId`. */
export type WithProgramId<S extends z.ZodType> = z.ZodType<z.output<S> & { programId: string }, z.input<S> & { programId?: string | undefined }>;

/** The same params with `programId` added (to each member of a union such as OverlaySpec). */
export function withProgramId<S extends z.ZodType>(schema: S): WithProgramId<S> {
  if (schema instanceof z.ZodObject) return schema.extend(ProgramScope.shape) as unknown as WithProgramId<S>;
  if (schema instanceof z.ZodDiscriminatedUnion) {
    const options = (schema.options as z.ZodObject[]).map((o) => o.extend(ProgramScope.shape));
    return z.discriminatedUnion(schema.def.discriminator, options as unknown as [z.ZodObject, ...z.ZodObject[]]) as unknown as WithProgramId<S>;
  }
  throw new Error('withProgramId: params must be an object or a discriminated union of objects');
}

/** True when params name a program (an own `programId` key of a plain object). */
export function namesProgram(params: unknown): boolean {
  return typeof params === 'object' && params !== null && !Array.isArray(params) && Object.hasOwn(params, PROGRAM_ID_FIELD);
}
