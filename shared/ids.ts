import { z } from 'zod';

/** Ids appear in URLs (/whip/<id>) and file names, so keep them to a safe alphabet. */
export const Id = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1-64 letters, digits, "_" or "-"');
export type Id = z.infer<typeof Id>;
