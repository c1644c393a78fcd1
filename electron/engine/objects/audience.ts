/**
 * What viewers and guests may see of a shared object, as opposed to the producer: everything
 * that leaves the control surface (the objects socket, the SEI in the video that every player
 * reads) goes through here, so a game cannot be read ahead of the producer's `reveal`.
 *  - A poll's right answer (`correct`) is already kept out of its state until revealed; the
 *    `args` of `poll.open` carry it too, and are stripped.
 *  - A poll with `showResults: false` shows no per-option counts or percentages until revealed
 *    (they read 0 and `resultsHidden: true`); the number of votes cast stays visible.
 */
import type { ObjectChangedEvent, ObjectCreatedEvent, ObjectSnapshot, ObjectType, PollState } from '../../../shared/objects.ts';

export function audienceState(type: ObjectType, state: unknown): unknown {
  if (type !== 'poll' || !state || typeof state !== 'object') return state;
  const poll = state as PollState;
  const { correct: _hidden, ...rest } = poll;
  const withoutAnswer: PollState = poll.revealed ? poll : rest;
  if (poll.showResults || poll.revealed) return withoutAnswer;
  return { ...withoutAnswer, options: poll.options.map((o) => ({ ...o, votes: 0, percent: 0 })), resultsHidden: true };
}

export function audienceArgs(type: ObjectType, op: string, args: unknown): unknown {
  if (type !== 'poll' || op !== 'open' || !args || typeof args !== 'object') return args;
  const { correct: _hidden, ...rest } = args as Record<string, unknown>;
  return rest;
}

export function audienceChange(change: ObjectChangedEvent): ObjectChangedEvent {
  return { ...change, args: audienceArgs(change.type, change.op, change.args), state: audienceState(change.type, change.state) as ObjectChangedEvent['state'] };
}

export function audienceCreated(created: ObjectCreatedEvent): ObjectCreatedEvent {
  return { ...created, state: audienceState(created.type, created.state) as ObjectCreatedEvent['state'] };
}

export function audienceSnapshot(snapshot: ObjectSnapshot): ObjectSnapshot {
  return { ...snapshot, state: audienceState(snapshot.type, snapshot.state) as ObjectSnapshot['state'] };
}
