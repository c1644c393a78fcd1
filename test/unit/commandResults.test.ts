/** Result schemas in the command table: every command has one, and the dispatcher enforces it. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkResult } from '../../electron/engine/commands/checkResult.ts';
import { COMMAND_NAMES, COMMANDS, EngineState } from '../../shared/protocol.ts';
import { sampleState } from '../ui/fakes.ts';

describe('command results', () => {
  it('every command in the table has a result schema', () => {
    for (const name of COMMAND_NAMES) expect(COMMANDS[name].result, name).toBeInstanceOf(z.ZodType);
  });

  it('under test a result its schema refuses throws, naming the command and the field', () => {
    expect(process.env.NODE_ENV).toBe('test');
    expect(() => checkResult('source.add', { id: 'cam' }, () => {})).not.toThrow();
    expect(() => checkResult('source.add', { id: 5 }, () => {})).toThrow(/source\.add answered with a result .*id/);
    expect(() => checkResult('guest.revoke', { id: 'g', revoked: false }, () => {})).toThrow(/guest\.revoke/);
    expect(() => checkResult('layout.set', { unexpected: true }, () => {})).toThrow(/layout\.set/);
  });

  it('the UI fixtures state is a valid EngineState (the renderer is typed by the same schema)', () => {
    expect(EngineState.safeParse(sampleState()).success).toBe(true);
  });

  it('checking a result is cheap: state.get of a 3-source show in well under a millisecond', () => {
    const state = sampleState();
    for (let i = 0; i < 200; i++) checkResult('state.get', state, () => {});
    const runs = 2000;
    const start = performance.now();
    for (let i = 0; i < runs; i++) checkResult('state.get', state, () => {});
    const perCallMs = (performance.now() - start) / runs;
    console.log(`checkResult(state.get): ${(perCallMs * 1000).toFixed(1)} µs per call`);
    expect(perCallMs).toBeLessThan(1);
  });
});
