/**
 * The gate between the renderer and the engine. A request over IPC is `{command, params}`; it is
 * answered only if the command is in the shared COMMANDS table and its params pass that command's
 * zod schema, so the engine never sees a shape it did not declare. Pure: no Electron here.
 */
import { COMMANDS, type CommandName, isCommandName, type ProtocolErrorBody } from '../../shared/protocol.ts';
import { describeZodError } from '../../shared/show.ts';

/** The single IPC channel: invoke for requests, send for events. */
export const IPC_CHANNEL = 'cutline:engine';

export type ValidatedRequest = { ok: true; command: CommandName; params: unknown } | { ok: false; error: ProtocolErrorBody };

export function validateIpcRequest(payload: unknown): ValidatedRequest {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, error: { code: 'invalid_request', message: 'a request is an object {command, params}' } };
  }
  const keys = Object.keys(payload);
  if (keys.some((k) => k !== 'command' && k !== 'params')) {
    return { ok: false, error: { code: 'invalid_request', message: 'a request has only "command" and "params"' } };
  }
  const { command, params } = payload as { command?: unknown; params?: unknown };
  if (typeof command !== 'string' || command.length > 64) {
    return { ok: false, error: { code: 'invalid_request', message: '"command" must be a command name' } };
  }
  if (!isCommandName(command)) {
    return { ok: false, error: { code: 'unknown_command', message: `unknown command "${command}"` } };
  }
  const parsed = COMMANDS[command].params.safeParse(params ?? {});
  if (!parsed.success) {
    return { ok: false, error: { code: 'invalid_params', message: `${command}: ${describeZodError(parsed.error)}` } };
  }
  return { ok: true, command, params: parsed.data };
}

/** Errors cross the bridge as plain `{code, message}` (never stacks or internal objects). */
export { protocolErrorBody as errorBody } from '../engine/server/ProtocolSession.ts';
