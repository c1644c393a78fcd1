/** The IPC gate: only commands from the shared table, with params that pass their schema. */
import { describe, expect, it } from 'vitest';
import { decodeStoredSecret } from '../../../electron/engine/secrets/BoundSecrets.ts';
import type { EventMessage } from '../../../shared/protocol.ts';
import { ProtocolError } from '../../../shared/protocol.ts';
import { EngineBridge, type EngineLike } from '../../../electron/main/EngineBridge.ts';
import { errorBody, validateIpcRequest } from '../../../electron/main/ipcValidation.ts';
import type { SecretStore } from '../../../electron/main/SecretStore.ts';
import { sampleState } from '../fakes.ts';

describe('validateIpcRequest', () => {
  it('accepts a known command and returns its parsed params (defaults filled in)', () => {
    const r = validateIpcRequest({ command: 'source.add', params: { id: 'cam', kind: 'testPattern' } });
    expect(r).toEqual({ ok: true, command: 'source.add', params: { id: 'cam', kind: 'testPattern', gainDb: 0, muted: false, slateAfterS: 3 } });
    expect(validateIpcRequest({ command: 'state.get' })).toEqual({ ok: true, command: 'state.get', params: {} });
  });

  it.each([
    [null, 'invalid_request'],
    ['state.get', 'invalid_request'],
    [[], 'invalid_request'],
    [{ command: 42 }, 'invalid_request'],
    [{ command: 'x'.repeat(65) }, 'invalid_request'],
    [{ command: 'state.get', params: {}, extra: true }, 'invalid_request'],
    [{ command: 'process.exec', params: {} }, 'unknown_command'],
    [{ command: '__proto__', params: {} }, 'unknown_command'],
    [{ command: 'toString', params: {} }, 'unknown_command'],
    [{ command: 'state.get', params: { sneaky: 1 } }, 'invalid_params'],
    [{ command: 'source.add', params: { id: '../../etc', kind: 'testPattern' } }, 'invalid_params'],
    [{ command: 'audio.set', params: { id: 'cam' } }, 'invalid_params'],
    [{ command: 'destination.add', params: { id: 'x', kind: 'rtmp', url: 'file:///etc/passwd' } }, 'invalid_params'],
  ])('refuses %j with %s', (payload, code) => {
    const r = validateIpcRequest(payload);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message.length).toBeGreaterThan(5);
    }
  });

  it('passes engine errors as {code, message} and hides unexpected ones', () => {
    expect(errorBody(new ProtocolError('not_found', 'no source with id "x"'))).toEqual({ code: 'not_found', message: 'no source with id "x"' });
    expect(errorBody(new Error('EACCES /home/me/secret-path'))).toEqual({ code: 'internal', message: expect.not.stringContaining('secret-path') });
  });
});

class FakeEngine implements EngineLike {
  dispatched: { command: string; params: unknown }[] = [];
  listeners = new Set<(m: EventMessage) => void>();
  state = sampleState();
  async dispatch(command: string, params: unknown) {
    this.dispatched.push({ command, params });
    if (command === 'destination.start') throw new ProtocolError('failed', 'could not connect to rtmp://host/live: connection refused');
    if (command === 'probe.get') throw new TypeError('cannot read properties of undefined');
    return { ok: command };
  }
  getState() {
    return this.state;
  }
  onAnyEvent(listener: (m: EventMessage) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(message: EventMessage) {
    for (const l of this.listeners) l(message);
  }
}

class MemorySecrets implements SecretStore {
  map = new Map<string, string>();
  persistent = true;
  get(ref: string) {
    return this.map.get(ref);
  }
  set(ref: string, secret: string) {
    this.map.set(ref, secret);
  }
  delete(ref: string) {
    this.map.delete(ref);
  }
}

describe('EngineBridge', () => {
  const meters: EventMessage = { type: 'event', event: 'meters.updated', data: { program: { peakDb: [-6, -6], rmsDb: [-9, -9] }, sources: {} } };
  const stats: EventMessage = { type: 'event', event: 'program.stats', data: sampleState().program };

  it('relays valid requests; invalid ones never reach the engine', async () => {
    const engine = new FakeEngine();
    const session = new EngineBridge(Promise.resolve(engine)).open(() => {});
    expect(await session.request({ command: 'layout.set', params: { preset: 'solo', sources: ['cam-a'] } })).toEqual({ ok: true, result: { ok: 'layout.set' } });
    expect(await session.request({ command: 'layout.set', params: { preset: 'diagonal' } })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(await session.request({ command: 'destination.start', params: { id: 'yt' } })).toEqual({
      ok: false,
      error: { code: 'failed', message: 'could not connect to rtmp://host/live: connection refused' },
    });
    expect(await session.request({ command: 'probe.get', params: {} })).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(engine.dispatched.map((d) => d.command)).toEqual(['layout.set', 'destination.start', 'probe.get']);
  });

  it('sends meters only after meters.subscribe, which stays in the bridge', async () => {
    const engine = new FakeEngine();
    const received: string[] = [];
    const session = new EngineBridge(Promise.resolve(engine)).open((m) => received.push(m.event));
    await Promise.resolve();
    engine.emit(meters);
    engine.emit(stats);
    expect(await session.request({ command: 'meters.subscribe', params: { enabled: true } })).toEqual({ ok: true, result: { enabled: true } });
    engine.emit(meters);
    session.close();
    engine.emit(stats);
    expect(received).toEqual(['program.stats', 'meters.updated']);
    expect(engine.dispatched).toEqual([]);
  });

  it('keeps stream keys in the secret store under the destination id, and drops them on remove', async () => {
    const engine = new FakeEngine();
    const secrets = new MemorySecrets();
    const session = new EngineBridge(Promise.resolve(engine), { secrets: Promise.resolve(secrets) }).open(() => {});
    await session.request({ command: 'destination.add', params: { id: 'yt', kind: 'rtmp', url: 'rtmps://a.rtmps.youtube.com:443/live2', streamKey: 'real-key-1234' } });
    await session.request({ command: 'destination.add', params: { id: 'xdn', kind: 'whip', url: 'https://xdn.example/live/whip/endpoint/s', token: 'bearer-5678' } });
    await session.request({ command: 'destination.add', params: { id: 'rec', kind: 'recording', path: '/tmp/' } });
    // Each bound to where it goes (electron/engine/secrets/BoundSecrets.ts).
    expect([...secrets.map].map(([id, value]) => [id, decodeStoredSecret(value)])).toEqual([
      ['yt', { secret: 'real-key-1234', binding: { kind: 'rtmp', host: 'a.rtmps.youtube.com', origin: 'rtmps://a.rtmps.youtube.com' } }],
      ['xdn', { secret: 'bearer-5678', binding: { kind: 'whip', host: 'xdn.example', origin: 'https://xdn.example' } }],
    ]);
    // The engine got the key too (it strips it from show files and masks it in the state).
    expect(engine.dispatched[0].params).toMatchObject({ streamKey: 'real-key-1234' });
    await session.request({ command: 'destination.remove', params: { id: 'yt' } });
    expect([...secrets.map.keys()]).toEqual(['xdn']);
  });

  it('does not keep a key the engine refused', async () => {
    const engine = new FakeEngine();
    engine.dispatch = async () => {
      throw new ProtocolError('conflict', 'a destination with id "yt" already exists');
    };
    const secrets = new MemorySecrets();
    const session = new EngineBridge(Promise.resolve(engine), { secrets }).open(() => {});
    expect(await session.request({ command: 'destination.add', params: { id: 'yt', kind: 'rtmp', url: 'rtmp://h/live', streamKey: 'k-1234' } })).toMatchObject({ ok: false });
    expect(secrets.map.size).toBe(0);
  });
});
