import { describe, expect, it } from 'vitest';
import { EngineLog } from '../../electron/engine/log/EngineLog.ts';
import { LOG_CAPACITY } from '../../shared/log.ts';

describe('EngineLog: the recent messages the Health panel reads', () => {
  it('writes every line through, keeps it with what it is about and a level', () => {
    const written: string[] = [];
    const appended: number[] = [];
    const log = new EngineLog((line) => written.push(line), (e) => appended.push(e.seq), () => 1000);
    log.log('destination yt-main: nothing accepts connections at that address (connection refused)');
    log.log('guest ada joined (H264 + opus)');
    log.log('monitor video encoder started');
    expect(written).toHaveLength(3);
    expect(appended).toEqual([1, 2, 3]);
    const { entries, last } = log.list({});
    expect(last).toBe(3);
    expect(entries[0]).toMatchObject({ seq: 1, at: 1000, level: 'error', scope: { kind: 'destination', id: 'yt-main' } });
    expect(entries[1]).toMatchObject({ level: 'info', scope: { kind: 'guest', id: 'ada' } });
    expect(entries[2].scope).toBeUndefined();
    expect(log.list({ since: 2 }).entries.map((e) => e.seq)).toEqual([3]);
    expect(log.list({ limit: 1 }).entries.map((e) => e.seq)).toEqual([3]);
  });

  it('masks URL credentials and secret query parameters, and keeps at most LOG_CAPACITY entries', () => {
    const log = new EngineLog(() => {});
    log.log('source net: opening rtmp://user:hunter22@host/app?token=abcdefghijkl');
    expect(log.list({}).entries[0].message).not.toContain('hunter22');
    expect(log.list({}).entries[0].message).not.toContain('abcdefghijkl');
    for (let i = 0; i < LOG_CAPACITY + 20; i++) log.log(`line ${i}`);
    const { entries } = log.list({});
    expect(entries).toHaveLength(LOG_CAPACITY);
    expect(entries.at(-1)?.message).toBe(`line ${LOG_CAPACITY + 19}`);
  });

  it('records a source or destination failing once per failure, and its recovery', () => {
    const log = new EngineLog(() => {});
    log.watchStatus('destination', { id: 'yt', state: 'live' });
    log.watchStatus('destination', { id: 'yt', state: 'reconnecting', message: 'refused; attempt 2, next in 1.3 s' });
    log.watchStatus('destination', { id: 'yt', state: 'reconnecting', message: 'refused; attempt 3, next in 2.0 s' });
    log.watchStatus('destination', { id: 'yt', state: 'live' });
    log.watchStatus('destination', { id: 'yt', state: 'live' });
    const messages = log.list({}).entries.map((e) => [e.level, e.message]);
    expect(messages).toEqual([
      ['error', 'destination yt: reconnecting (refused; attempt 2, next in 1.3 s)'],
      ['info', 'destination yt: live again'],
    ]);
  });

  it("refuses bad params with the schema's message", () => {
    expect(() => new EngineLog(() => {}).list({ since: -1 })).toThrow(/log.list: since/);
  });
});
