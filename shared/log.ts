/**
 * The engine's recent messages for the desk's Health panel: what each entry carries, and the
 * `log.list` command that reads them. Browser-safe (types and zod only). The ring itself is
 * electron/engine/log/EngineLog.ts; docs/UI.md ("Health") says how the desk uses it.
 */
import { z } from 'zod';

/** Entries the engine keeps; older ones are dropped (the full log still goes to stderr). */
export const LOG_CAPACITY = 500;

export type LogLevel = 'info' | 'error';
/** What an entry is about, when the line names it ("source cam1: …", "destination yt: …"). */
export type LogScopeKind = 'source' | 'destination' | 'guest' | 'overlay';

export interface LogEntry {
  /** Increases by one per entry, from 1; `log.list {since}` returns the entries after it. */
  seq: number;
  /** Engine wall clock, ms since epoch. */
  at: number;
  level: LogLevel;
  scope?: { kind: LogScopeKind; id: string };
  message: string;
}

export const LogList = z
  .object({
    /** Only entries with a larger seq (what a client has not seen yet). */
    since: z.number().int().min(0).optional(),
    /** At most this many, the newest ones. */
    limit: z.number().int().min(1).max(LOG_CAPACITY).optional(),
  })
  .strict();

export interface LogListResult {
  entries: LogEntry[];
  /** The newest seq so far (0 before the first entry): pass it as `since` next time. */
  last: number;
}
const LogEntryResult = z.object({
  seq: z.number().int().min(1),
  at: z.number(),
  level: z.enum(['info', 'error']),
  scope: z.object({ kind: z.enum(['source', 'destination', 'guest', 'overlay']), id: z.string() }).optional(),
  message: z.string(),
});
const LogListResultSchema = z.object({ entries: z.array(LogEntryResult), last: z.number().int().min(0) });

export const LOG_COMMANDS = {
  'log.list': {
    params: LogList,
    result: LogListResultSchema,
    description: `The engine's recent messages (sources, destinations, guests, overlays, errors; at most ${LOG_CAPACITY}, never secrets), oldest first: {entries: [{seq, at, level, scope?: {kind, id}, message}], last}. With {since}, only the newer ones.`,
  },
} as const;

export interface LogEventPayloads {
  'log.appended': LogEntry;
}
export const LOG_EVENT_DESCRIPTIONS: Record<keyof LogEventPayloads, string> = {
  'log.appended': 'The engine logged a message (the same entry `log.list` returns).',
};

export type LogCommandName = keyof typeof LOG_COMMANDS;
export function isLogCommand(name: string): name is LogCommandName {
  return Object.hasOwn(LOG_COMMANDS, name);
}
