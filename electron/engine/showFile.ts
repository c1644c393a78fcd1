/**
 * Show documents on disk and off the wire: parsing (with a message saying what is wrong) and the
 * file reads and writes behind `show.load {path}` and `show.save {path}`. Callers strip secrets
 * before writing (mapShowSecrets): show files are meant to be shared and versioned.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { ProtocolError } from '../../shared/protocol.ts';
import { normalizePrograms } from '../../shared/programs.ts';
import { describeZodError, ShowDocument } from '../../shared/show.ts';

/** A show document validated, with its top-level fields made main's when it lists programs. */
export function parseShow(input: unknown): ShowDocument {
  const parsed = ShowDocument.safeParse(input);
  if (!parsed.success) throw new ProtocolError('invalid_params', `invalid show document: ${describeZodError(parsed.error)}`);
  return normalizePrograms(parsed.data);
}

/** The JSON in a show file (not yet validated: parseShow does that). */
export async function readShowFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ProtocolError('failed', `cannot read show file ${path}: ${(error as Error).message}`);
  }
}

export async function writeShowFile(path: string, show: ShowDocument): Promise<void> {
  try {
    await writeFile(path, `${JSON.stringify(show, null, 2)}\n`);
  } catch (error) {
    throw new ProtocolError('failed', `cannot write ${path}: ${(error as Error).message}`);
  }
}
