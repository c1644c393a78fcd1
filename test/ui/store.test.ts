/** The store mirrors the engine: state from state.get, kept fresh by events; errors become messages. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectEngine, openShowPath, resetForTests, runCommand, saveShow, setGain } from '../../renderer/src/store/actions.ts';
import { latestMeters, subscribeMeters } from '../../renderer/src/store/meters.ts';
import { useCutline } from '../../renderer/src/store/store.ts';
import { afterRefresh, FakeEngineClient, flush, sampleState } from './fakes.ts';

describe('the store mirrors the engine', () => {
  let client: FakeEngineClient;

  beforeEach(async () => {
    resetForTests();
    client = new FakeEngineClient(sampleState());
    connectEngine(client);
    await flush();
  });
  afterEach(() => resetForTests());

  it('reads the whole state on connect and subscribes to meters', () => {
    expect(useCutline.getState().engine?.show.name).toBe('Test show');
    expect(useCutline.getState().connection.state).toBe('open');
    // The state, then what EngineState does not carry (graphics, shared objects, the recent log).
    expect(client.sent.map((s) => s.command)).toEqual(['state.get', 'overlay.list', 'object.list', 'log.list', 'meters.subscribe']);
    expect(client.sent[4].params).toEqual({ enabled: true });
  });

  it('applies state events without re-reading', () => {
    client.emit('source.stateChanged', { id: 'cam-b', kind: 'testPattern', label: 'Cam B', state: 'error', message: 'decoder exited', restarts: 2, fps: 0 });
    client.emit('program.layoutChanged', {
      layout: { preset: 'solo', sources: ['cam-c'], fit: 'fit', gap: 0, background: '#000000' },
      preview: { preset: 'spotlight', sources: ['cam-a', 'cam-b'], fit: 'fit', gap: 0, background: '#000000' },
    });
    client.emit('program.stats', { ...sampleState().program, measuredFps: 29.5, lateFrames: 3 });
    const engine = useCutline.getState().engine!;
    expect(engine.sources.find((s) => s.id === 'cam-b')).toMatchObject({ state: 'error', message: 'decoder exited', restarts: 2 });
    expect(engine.show.layout).toMatchObject({ preset: 'solo', sources: ['cam-c'] });
    expect(engine.show.preview).toMatchObject({ preset: 'spotlight', sources: ['cam-a', 'cam-b'] });
    expect(engine.program).toMatchObject({ measuredFps: 29.5, lateFrames: 3 });
    expect(client.sent.filter((s) => s.command === 'state.get')).toHaveLength(1);
  });

  it('drops a removed source from the lists and from both layouts', () => {
    client.emit('program.layoutChanged', {
      layout: { preset: 'grid', sources: ['cam-a', 'cam-b', 'cam-c'], fit: 'fit', gap: 0, background: '#000000' },
      preview: { preset: 'solo', sources: ['cam-b'], fit: 'fit', gap: 0, background: '#000000' },
    });
    client.emit('source.removed', { id: 'cam-b' });
    const engine = useCutline.getState().engine!;
    expect(engine.sources.map((s) => s.id)).toEqual(['cam-a', 'cam-c']);
    expect(engine.show.sources.map((s) => s.id)).toEqual(['cam-a', 'cam-c']);
    expect(engine.show.layout.sources).toEqual(['cam-a', 'cam-c']);
    expect(engine.show.preview?.sources).toEqual([]);
  });

  it('re-reads the state when an event names something it does not know yet', async () => {
    client.state = sampleState({
      sources: [...sampleState().show.sources, { id: 'cam-d', kind: 'testPattern', label: 'Cam D', gainDb: 0, muted: false, slateAfterS: 3 }],
    });
    client.emit('source.added', { id: 'cam-d' });
    client.emit('destination.added', { id: 'yt' });
    await afterRefresh();
    // Two events, one coalesced read.
    expect(client.sent.filter((s) => s.command === 'state.get')).toHaveLength(2);
    expect(useCutline.getState().engine?.show.sources.map((s) => s.id)).toContain('cam-d');
  });

  it('tracks destination stats from destination.stateChanged', () => {
    client.emit('destination.stateChanged', {
      id: 'yt', kind: 'rtmp', label: 'YouTube', target: 'rtmps://a.rtmps.youtube.com:443/live2/****abcd', state: 'reconnecting',
      attempt: 3, nextRetryS: 4, bitrateKbps: 0, fps: 0, droppedFrames: 12, uptimeS: 61, bytesSent: 1000,
    });
    expect(useCutline.getState().engine?.destinations[0]).toMatchObject({ id: 'yt', state: 'reconnecting', attempt: 3, droppedFrames: 12 });
  });

  it('sends meters down the fast path, never into React state', () => {
    const seen: number[] = [];
    subscribeMeters((m) => seen.push(m.program.peakDb[0]));
    let storeChanges = 0;
    const off = useCutline.subscribe(() => storeChanges++);
    for (let i = 0; i < 20; i++) client.emit('meters.updated', { program: { peakDb: [-i, -i], rmsDb: [-i - 3, -i - 3] }, sources: {} });
    off();
    expect(seen).toHaveLength(20);
    expect(latestMeters().frame?.program.peakDb[0]).toBe(-19);
    expect(storeChanges).toBe(0);
  });

  it("shows the engine's error message and keeps it next to the source", async () => {
    client.fail('source.update', 'failed', 'could not open /media/missing.mp4: file not found; check the path');
    const outcome = await runCommand('source.update', { id: 'cam-a', path: '/media/missing.mp4' }, { sourceId: 'cam-a' });
    expect(outcome).toMatchObject({ ok: false, code: 'failed' });
    const s = useCutline.getState();
    expect(s.toasts.at(-1)).toMatchObject({ kind: 'error', command: 'source.update', message: expect.stringContaining('file not found') });
    expect(s.sourceErrors['cam-a']).toContain('file not found');
    // A later success clears the inline error.
    client.on('source.update', () => ({}));
    await runCommand('source.update', { id: 'cam-a', label: 'Cam A2' }, { sourceId: 'cam-a' });
    expect(useCutline.getState().sourceErrors['cam-a']).toBeUndefined();
  });

  it('marks the show dirty on changes and clean after save or load', async () => {
    expect(useCutline.getState().dirty).toBe(false);
    await runCommand('preview.set', { preset: 'solo', sources: ['cam-a'] });
    expect(useCutline.getState().dirty).toBe(false);
    await setGain('cam-a', -6);
    expect(useCutline.getState().dirty).toBe(true);
    // The fader moves at once (optimistic), before the engine confirms.
    expect(useCutline.getState().engine?.show.sources[0].gainDb).toBe(-6);
    await saveShow('/shows/final.json');
    expect(client.commands().at(-1)).toEqual({ command: 'show.save', params: { path: '/shows/final.json' } });
    expect(useCutline.getState()).toMatchObject({ dirty: false, showPath: '/shows/final.json' });
    await setGain('program', -3);
    expect(useCutline.getState().engine?.show.audio.masterGainDb).toBe(-3);
    // Opening another show over unsaved changes asks first.
    const opening = openShowPath('/shows/other.json');
    await flush();
    const confirm = useCutline.getState().confirm;
    expect(confirm?.message).toMatch(/unsaved changes/);
    confirm?.resolve(true);
    await opening;
    expect(client.commands().at(-1)).toEqual({ command: 'show.load', params: { path: '/shows/other.json' } });
    expect(useCutline.getState()).toMatchObject({ dirty: false, showPath: '/shows/other.json' });
  });
});
