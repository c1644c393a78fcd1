/**
 * Commands sent from a form: the engine's own message is kept next to the field (by a key such as
 * "poll.question" or "output"), and cleared on the next success. The desk never checks a rule the
 * engine has; it shows what the engine said (shared/ zod schemas validate there).
 */
import type { CommandName } from '../../../shared/protocol.ts';
import type { CommandInput } from '../client/EngineClient.ts';
import { type CommandOutcome, type RunOptions, runCommand } from './actions.ts';
import { useCutline } from './store.ts';

export async function runForField<N extends CommandName>(field: string, command: N, params: CommandInput<N>, options: RunOptions = {}): Promise<CommandOutcome> {
  const outcome = await runCommand(command, params, options);
  setFieldError(field, outcome.ok ? undefined : outcome.message);
  return outcome;
}

export function setFieldError(field: string, message: string | undefined): void {
  useCutline.setState((s) => {
    if (message === undefined) {
      if (!(field in s.fieldErrors)) return s;
      const { [field]: _gone, ...rest } = s.fieldErrors;
      return { fieldErrors: rest };
    }
    return { fieldErrors: { ...s.fieldErrors, [field]: message } };
  });
}
