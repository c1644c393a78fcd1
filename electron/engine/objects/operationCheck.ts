/**
 * The checks every store runs on an operation before and around the type's rules, whatever backend
 * holds the truth (journal or Redis): who may send it, the args' size and schema (defaults applied,
 * so the record holds exactly what replay needs), and the public state's size cap. Pure: rate
 * limits and persistence are the store's.
 */
import {
  type ClientRole,
  MAX_ARGS_BYTES,
  MAX_STATE_BYTES,
  OBJECT_OPS,
  OBJECT_OPTIONS,
  type ObjectState,
  ObjectType,
  opDef,
  roleAllows,
} from '../../../shared/objects.ts';
import { describeZodError } from '../../../shared/show.ts';
import { reject } from './rejections.ts';
import type { AnyRules } from './rules.ts';

/** How much one op can grow a state beyond its args' own length (field names, counters). */
const OP_GROWTH_MARGIN = 8 * 1024;

/** The parts of a held object the checks read and the rules change. */
export interface HeldObject {
  id: string;
  type: ObjectType;
  options: unknown;
  rules: AnyRules;
  state: unknown;
  /** Length of the public state as JSON after the last op (undefined = not measured yet). */
  stateBytes?: number;
}

/** object.create's type and options, validated (the caller checks existence and counts). */
export function checkCreate(type: string, options: unknown, role: ClientRole): { type: ObjectType; options: unknown } {
  if (!roleAllows(role, 'producer')) reject('unauthorized', 'forbidden', 'Only the producer can create shared objects.');
  const parsedType = ObjectType.safeParse(type);
  if (!parsedType.success) reject('invalid_params', 'invalid_args', `Unknown object type "${type}": use one of ${ObjectType.options.join(', ')}.`);
  const parsed = OBJECT_OPTIONS[parsedType.data].safeParse(options ?? {});
  if (!parsed.success) reject('invalid_params', 'invalid_args', `Bad ${type} options: ${describeZodError(parsed.error)}`);
  return { type: parsedType.data, options: parsed.data };
}

/** Refuses an op the object's type does not have, or the caller's role may not send. */
export function checkOpRole(object: HeldObject, op: string, role: ClientRole): void {
  const def = opDef(object.type, op);
  if (!def) reject('invalid_params', 'unknown_op', `A ${object.type} has no operation "${op}": use ${Object.keys(OBJECT_OPS[object.type]).join(', ')}.`);
  const minRole = object.type === 'kv' ? (object.options as { writeRole: ClientRole }).writeRole : def.minRole;
  if (!roleAllows(role, minRole)) reject('unauthorized', 'forbidden', `Only a ${minRole}${minRole === 'producer' ? '' : ' or above'} may ${op} on "${object.id}".`);
}

/** The validated, canonical args (defaults applied, plain JSON) and their JSON length. */
export function canonicalArgs(object: HeldObject, op: string, args: unknown): { canonical: unknown; length: number } {
  let rawJson: string | undefined;
  try {
    rawJson = JSON.stringify(args ?? {});
  } catch {
    reject('invalid_params', 'invalid_args', 'args must be plain JSON.');
  }
  if (rawJson === undefined || rawJson.length > MAX_ARGS_BYTES)
    reject('payload_too_large', 'payload_too_large', `args must be JSON of at most ${MAX_ARGS_BYTES} characters.`);
  const def = opDef(object.type, op);
  const parsed = def ? def.args.safeParse(args ?? {}) : undefined;
  if (!parsed?.success) reject('invalid_params', 'invalid_args', `Bad args for ${object.type}.${op}: ${parsed ? describeZodError(parsed.error) : 'unknown op'}`);
  // The canonical args are exactly what is recorded, so replay sees the same values.
  return { canonical: JSON.parse(JSON.stringify(parsed.data)) as unknown, length: rawJson.length };
}

/** Runs one op's rule on the object's state (a rule refuses by throwing, changing nothing). */
export function runRule(object: HeldObject, op: string, args: unknown, at: number, clientId: string): void {
  const fn = object.rules.ops[op] as (s: unknown, a: unknown, c: { at: number; clientId: string }, o: unknown) => void;
  fn(object.state, args, { at, clientId }, object.options);
}

/**
 * Applies an accepted op's rule and returns the public state after it; refuses (state restored)
 * when that state would pass MAX_STATE_BYTES.
 */
export function applyWithinCap(object: HeldObject, op: string, canonical: unknown, argsLength: number, at: number, clientId: string): ObjectState {
  // Near the state cap, keep a copy to roll back to: the rules mutate in place.
  const nearCap = object.stateBytes === undefined || object.stateBytes + argsLength + OP_GROWTH_MARGIN > MAX_STATE_BYTES;
  const before = nearCap ? JSON.stringify(object.rules.save(object.state)) : undefined;
  runRule(object, op, canonical, at, clientId);
  const state = object.rules.view(object.state, object.options) as ObjectState;
  const stateBytes = JSON.stringify(state).length;
  // (Far from the cap one op cannot cross it by more than OP_GROWTH_MARGIN; the next op is checked.)
  if (stateBytes > MAX_STATE_BYTES && before !== undefined) {
    object.state = object.rules.load(JSON.parse(before));
    reject('payload_too_large', 'state_too_large', `"${object.id}" would hold ${stateBytes} bytes of state (at most ${MAX_STATE_BYTES}): clear or remove some of it first.`);
  }
  object.stateBytes = stateBytes;
  return state;
}
