/**
 * Every command's result is checked against the result schema next to its params in the command
 * table, so a schema that says something other than what the engine answers is caught (clients
 * and docs/API.md rely on it). Under test (NODE_ENV=test) or with CUTLINE_CHECK_RESULTS=1 a
 * mismatch throws, and the test that ran the command fails; in a show it is logged once per
 * command and the answer goes out anyway: a documentation bug must not stop a live show.
 * Cost: see docs/ARCHITECTURE.md, "Control protocol" (a few µs; state.get ~0.1 ms).
 */
import { COMMANDS, type CommandName } from '../../../shared/protocol.ts';
import { describeZodError } from '../../../shared/show.ts';

const STRICT = process.env.NODE_ENV === 'test' || process.env.CUTLINE_CHECK_RESULTS === '1';
const reported = new Set<string>();

export function checkResult(command: CommandName, result: unknown, log: (line: string) => void): void {
  const checked = COMMANDS[command].result.safeParse(result);
  if (checked.success) return;
  const message = `${command} answered with a result its schema in the command table refuses: ${describeZodError(checked.error)}`;
  if (STRICT) throw new Error(message);
  if (reported.has(command)) return;
  reported.add(command);
  log(message);
}
