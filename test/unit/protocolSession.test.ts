/** One protocol session per client, whatever the transport: what it owns and how it answers. */

import { describe, expect, it } from 'vitest';
import { ObjectRejection } from '../../electron/engine/objects/rejections.ts';
import { decodeStoredSecret } from '../../electron/engine/secrets/BoundSecrets.ts';
import { MemorySecretStore } from '../../electron/engine/secrets/SecretStore.ts';
import { INTERNAL_ERROR_MESSAGE, ProtocolSession, type SessionEngine } from '../../electron/engine/server/ProtocolSession.ts';
import type { EventMessage } from '../../shared/protocol.ts';
import { ProtocolError } from '../../shared/protocol.ts';

class FakeEngine implements SessionEngine {
  calls: { command: string; params: unknown; caller: unknown }[] = [];
  listeners = new Set<(m: EventMessage) => void>();
  async dispatch(command: string, params: unknown, caller?: unknown) {
    this.calls.push({ command, params, caller });
    if (command === 'object.op') throw new ObjectRejection('conflict', 'bid_too_low', 'Bid at least 12.');
    if (command === 'source.remove') throw new ProtocolError('not_found', 'no source with id "x"');
    if (command === 'probe.get') throw new TypeError('EACCES /home/me/private/ffmpeg');
    return { ran: command };
  }
  onAnyEvent(listener: (m: EventMessage) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: EventMessage['event'], data: unknown = {}) {
    for (const l of this.listeners) l({ type: 'event', event, data } as EventMessage);
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('ProtocolSession', () => {
  it('maps errors once for every transport: protocol errors as they are (with reason), anything else hidden and logged', async () => {
    const engine = new FakeEngine();
    const logs: string[] = [];
    const session = new ProtocolSession({ engine, log: (l) => logs.push(l) });
    expect(await session.request('source.remove', { id: 'x' })).toEqual({ ok: false, error: { code: 'not_found', message: 'no source with id "x"' } });
    expect(await session.request('object.op', { id: 'a', op: 'bid', args: { secret: 'k-123' } })).toEqual({
      ok: false,
      error: { code: 'conflict', reason: 'bid_too_low', message: 'Bid at least 12.' },
    });
    expect(await session.request('probe.get', {})).toEqual({ ok: false, error: { code: 'internal', message: INTERNAL_ERROR_MESSAGE } });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^probe\.get failed: TypeError: EACCES/);
    expect(logs.join()).not.toContain('k-123');
  });

  it('sends meters only after meters.subscribe, which it answers itself; other events always', async () => {
    const engine = new FakeEngine();
    const sent: unknown[] = [];
    const session = new ProtocolSession({ engine, send: (m) => sent.push(m) });
    await flush();
    engine.emit('meters.updated');
    engine.emit('program.stats');
    expect(await session.request('meters.subscribe', { enabled: true })).toEqual({ ok: true, result: { enabled: true } });
    expect(await session.request('meters.subscribe', { enabled: 'yes' })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    engine.emit('meters.updated');
    session.close();
    engine.emit('program.stats');
    expect(sent.map((m) => (m as EventMessage).event)).toEqual(['program.stats', 'meters.updated']);
    expect(engine.calls).toEqual([]);
  });

  it('a client whose token was revoked is refused, hears nothing more, and is told to close', async () => {
    const engine = new FakeEngine();
    const sent: unknown[] = [];
    let valid = true;
    let closed = 0;
    const session = new ProtocolSession({
      engine,
      send: (m) => sent.push(m),
      caller: { role: 'viewer', clientId: 'token:tok-1:1' },
      events: new Set(['object.changed']),
      refuseCommand: (c) => (c === 'object.get' ? undefined : { code: 'unauthorized', message: `"${c}" is the producer's` }),
      tokenStillValid: () => valid,
      onTokenInvalid: () => closed++,
    });
    await flush();
    expect(await session.request('object.get', { id: 'poll' })).toEqual({ ok: true, result: { ran: 'object.get' } });
    expect(engine.calls[0].caller).toEqual({ role: 'viewer', clientId: 'token:tok-1:1' });
    expect(await session.request('layout.set', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    engine.emit('program.stats');
    engine.emit('object.changed');
    expect(sent).toHaveLength(1);
    valid = false;
    engine.emit('object.changed');
    expect(sent).toHaveLength(1);
    expect(closed).toBe(1);
    await session.onFrame(JSON.stringify({ type: 'request', requestId: 7, command: 'object.get', params: { id: 'poll' } }));
    expect(sent.at(-1)).toMatchObject({ type: 'response', requestId: 7, ok: false, error: { code: 'unauthorized' } });
    expect(closed).toBe(2);
    expect(engine.calls).toHaveLength(1);
  });

  it('keeps the stream key of a destination the engine accepted, and drops it on remove', async () => {
    const engine = new FakeEngine();
    const secrets = new MemorySecretStore();
    const session = new ProtocolSession({ engine, secrets: Promise.resolve(secrets) });
    await session.request('destination.add', { id: 'yt', kind: 'rtmp', url: 'rtmps://a/live2', streamKey: 'key-1' });
    // Kept bound to that destination's kind and host (secrets/BoundSecrets.ts).
    const stored = decodeStoredSecret(secrets.get('yt') ?? '');
    expect(stored.secret).toBe('key-1');
    expect(stored.binding).toMatchObject({ kind: 'rtmp', host: 'a' });
    await session.request('destination.remove', { id: 'yt' });
    expect(secrets.get('yt')).toBeUndefined();
  });

  it('answers a frame that is not a request with invalid_request (requestId -1)', async () => {
    const sent: unknown[] = [];
    const session = new ProtocolSession({ engine: new FakeEngine(), send: (m) => sent.push(m) });
    await session.onFrame('not json');
    expect(sent).toEqual([{ type: 'response', requestId: -1, ok: false, error: { code: 'invalid_request', message: expect.stringContaining('not JSON') } }]);
  });
});
