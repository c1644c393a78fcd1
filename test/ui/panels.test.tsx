// @vitest-environment jsdom
/**
 * The key panels send the right commands: the mixer (fader, mute, meters off the React path),
 * destinations (presets, masked key, Go Live, Stop only after confirming), layouts and the
 * keyboard, sources. The fake client stands for the transport; the engine is real in the e2e test.
 */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { Profiler } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/src/components/App.tsx';
import { ConfirmDialog, Toasts } from '../../renderer/src/components/common.tsx';
import { DestinationsPanel } from '../../renderer/src/components/DestinationsPanel.tsx';
import { LayoutBar } from '../../renderer/src/components/LayoutBar.tsx';
import { Mixer } from '../../renderer/src/components/Mixer.tsx';
import { Multiview } from '../../renderer/src/components/Multiview.tsx';
import { SourcesPanel } from '../../renderer/src/components/SourcesPanel.tsx';
import { TopBar } from '../../renderer/src/components/TopBar.tsx';
import { PRESETS } from '../../shared/destinationPresets.ts';
import { connectEngine, resetForTests } from '../../renderer/src/store/actions.ts';
import { publishMeters } from '../../renderer/src/store/meters.ts';
import { RECENT_SHOWS_KEY } from '../../renderer/src/store/recentShows.ts';
import { useCutline } from '../../renderer/src/store/store.ts';
import { FakeEngineClient, flush, sampleState } from './fakes.ts';

let client: FakeEngineClient;

async function connect(state = sampleState()) {
  client = new FakeEngineClient(state);
  connectEngine(client);
  await act(flush);
}

beforeEach(() => resetForTests());
afterEach(() => {
  cleanup();
  resetForTests();
});

describe('mixer', () => {
  beforeEach(() => connect());

  it('has a strip per source and one for the program', () => {
    render(<Mixer />);
    expect(screen.getByLabelText('Cam A gain in dB')).toBeTruthy();
    expect(screen.getByLabelText('Program gain in dB')).toBeTruthy();
    expect(document.querySelectorAll('.strip')).toHaveLength(4);
  });

  it('sends audio.set in dB from the fader and mute from M', async () => {
    render(<Mixer />);
    fireEvent.change(screen.getByLabelText('Cam B gain in dB'), { target: { value: '-12.5' } });
    fireEvent.pointerUp(screen.getByLabelText('Cam B gain in dB'));
    await act(flush);
    fireEvent.click(screen.getByRole('button', { name: 'Mute Cam C' }));
    fireEvent.change(screen.getByLabelText('Program gain in dB'), { target: { value: '3' } });
    fireEvent.blur(screen.getByLabelText('Program gain in dB'));
    await act(flush);
    const audio = client.commands().filter((c) => c.command === 'audio.set').map((c) => c.params);
    expect(audio).toContainEqual({ id: 'cam-b', gainDb: -12.5 });
    expect(audio).toContainEqual({ id: 'cam-c', muted: true });
    expect(audio).toContainEqual({ id: 'program', gainDb: 3 });
    expect(screen.getByRole('button', { name: 'Mute Cam C' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('moves meters without re-rendering React', async () => {
    let renders = 0;
    render(
      <Profiler id="mixer" onRender={() => renders++}>
        <Mixer />
      </Profiler>,
    );
    const before = renders;
    for (let i = 0; i < 15; i++) {
      publishMeters({ program: { peakDb: [-6, -7], rmsDb: [-12, -13] }, sources: { 'cam-a': { peakDb: [-3 - i, -40], rmsDb: [-9, -10] } } });
      await new Promise((r) => setTimeout(r, 20));
    }
    const meter = document.querySelector<HTMLElement>('[data-meter="cam-a"]')!;
    expect(renders).toBe(before);
    expect(Number(meter.dataset.peakDb)).toBeCloseTo(-17, 0);
    expect(Number(meter.dataset.updates)).toBeGreaterThanOrEqual(5);
    const cover = meter.querySelector<HTMLElement>('.meter-cover')!;
    // RMS -9 dBFS on a -60..0 scale: 85% lit, so the cover is scaled to 15%.
    expect(cover.style.transform).toBe('scaleY(0.15000000000000002)');
  });
});

describe('destinations', () => {
  beforeEach(() => connect());

  const renderPanel = () =>
    render(
      <>
        <DestinationsPanel />
        <ConfirmDialog />
        <Toasts />
      </>,
    );

  it('adds YouTube from its preset with the key typed masked', async () => {
    client.on('destination.add', (p) => ({ ...(p as object), state: 'idle' }));
    renderPanel();
    fireEvent.click(screen.getByRole('button', { name: '+ Add' }));
    const form = screen.getByRole('form', { name: 'Add destination' });
    // YouTube's URL is the service's: chosen from its ingests, not typed.
    const ingest = within(form).getByLabelText('Ingest') as HTMLSelectElement;
    expect(ingest.value).toBe('rtmps://a.rtmps.youtube.com:443/live2');
    expect([...ingest.options].map((o) => o.value)).toContain('rtmps://b.rtmps.youtube.com:443/live2?backup=1');
    const key = within(form).getByLabelText('Stream key') as HTMLInputElement;
    expect(key.type).toBe('password');
    fireEvent.change(key, { target: { value: 'abcd-efgh-ijkl-mnop' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Show' }));
    expect(key.type).toBe('text');
    fireEvent.click(within(form).getByRole('button', { name: 'Add destination' }));
    await act(flush);
    expect(client.commands()).toContainEqual({
      command: 'destination.add',
      params: { id: 'youtube', label: 'YouTube (RTMPS)', preset: 'youtube', kind: 'rtmp', url: 'rtmps://a.rtmps.youtube.com:443/live2', streamKey: 'abcd-efgh-ijkl-mnop' },
    });
  });

  it("offers the engine's presets, with what its ffmpeg cannot send disabled", async () => {
    client.on('destination.presets', () => ({
      presets: [
        { id: 'red5pro-rtmp', label: 'Red5 Pro XDN (RTMP)', kind: 'rtmp', url: 'rtmp://{host}:1935/live/{stream}', help: 'XDN origin', available: true },
        { id: 'srt', label: 'SRT (caller)', kind: 'srt', url: 'srt://{host}:{port}', help: 'SRT', available: false, unavailableReason: 'this ffmpeg was built without SRT' },
      ],
    }));
    renderPanel();
    fireEvent.click(screen.getByRole('button', { name: '+ Add' }));
    await act(flush);
    const service = screen.getByLabelText('Service') as HTMLSelectElement;
    expect([...service.options].map((o) => [o.value, o.disabled])).toEqual(PRESETS.map((p) => [p.id, p.id === 'srt']));
    fireEvent.change(service, { target: { value: 'red5pro-rtmp' } });
    // The engine's preflight, run on the form as it stands: the same words the row would show.
    expect(screen.getByRole('list', { name: 'Preflight warnings' }).textContent).toMatch(/placeholders \(\{host\}, \{stream\}\)/);
    fireEvent.change(screen.getByLabelText('URL'), { target: { value: 'rtmp://xdn.example:1935/live/show1' } });
    expect(screen.queryByRole('list', { name: 'Preflight warnings' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Add destination' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({
      command: 'destination.add',
      params: { id: 'red5pro-rtmp', label: 'Red5 Pro XDN (RTMP)', preset: 'red5pro-rtmp', kind: 'rtmp', url: 'rtmp://xdn.example:1935/live/show1' },
    });
  });

  it('warns before going live when the service would reject the program', () => {
    useCutline.setState((s) => ({ engine: { ...s.engine!, show: { ...s.engine!.show, output: { ...s.engine!.show.output, keyframeIntervalS: 6, cbr: false } } } }));
    renderPanel();
    fireEvent.click(screen.getByRole('button', { name: '+ Add' }));
    fireEvent.change(screen.getByLabelText('Service'), { target: { value: 'facebook' } });
    const warnings = screen.getByRole('list', { name: 'Preflight warnings' });
    expect(warnings.textContent).toMatch(/set the keyframe interval to 2 s/);
    expect(warnings.textContent).toMatch(/constant bitrate/);
  });

  it('goes live per destination and for all; Stop asks first', async () => {
    const state = sampleState({
      destinations: [{ id: 'yt', kind: 'rtmp', label: 'YouTube', url: 'rtmps://a.rtmps.youtube.com:443/live2', streamKey: '****mnop', enabled: true }],
    });
    state.destinations = [
      { id: 'yt', kind: 'rtmp', label: 'YouTube', target: 'rtmps://a.rtmps.youtube.com:443/live2/****mnop', state: 'idle', attempt: 0, bitrateKbps: 0, fps: 0, droppedFrames: 0, uptimeS: 0, bytesSent: 0 },
    ];
    resetForTests();
    await connect(state);
    renderPanel();
    fireEvent.click(screen.getByRole('button', { name: 'Go live' }));
    fireEvent.click(screen.getByRole('button', { name: 'Go live (all)' }));
    await act(flush);
    expect(client.commands().map((c) => c.command)).toEqual(['destination.start', 'destination.startAll']);

    // The engine's state and its event agree (a later state read must not undo the event).
    const live = { ...state.destinations[0], state: 'live' as const, bitrateKbps: 4620, droppedFrames: 2, uptimeS: 125 };
    client.state.destinations = [live];
    act(() => client.emit('destination.stateChanged', live));
    const row = document.querySelector('[data-destination="yt"]') as HTMLElement;
    expect(row.textContent).toMatch(/live/);
    expect(row.textContent).toMatch(/4620 kb\/s/);
    expect(row.textContent).toMatch(/2 dropped/);
    expect(row.textContent).toMatch(/2:05/);

    fireEvent.click(within(row).getByRole('button', { name: 'Stop' }));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog.textContent).toMatch(/Stop YouTube\?/);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await act(flush);
    expect(client.commands().some((c) => c.command === 'destination.stop')).toBe(false);

    fireEvent.click(within(row).getByRole('button', { name: 'Stop' }));
    fireEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Stop' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'destination.stop', params: { id: 'yt' } });
  });

  it("shows the engine's error next to the destination and as a toast", async () => {
    const state = sampleState({ destinations: [{ id: 'fb', kind: 'rtmp', url: 'rtmps://live-api-s.facebook.com:443/rtmp/', enabled: true }] });
    resetForTests();
    await connect(state);
    client.fail('destination.start', 'failed', 'Facebook needs a stream key: paste it from Live Producer');
    renderPanel();
    fireEvent.click(screen.getByRole('button', { name: 'Go live' }));
    await act(flush);
    expect(screen.getAllByText(/needs a stream key/)).toHaveLength(2);
    expect(screen.getAllByRole('alert').length).toBeGreaterThanOrEqual(2);
  });
});

describe('layouts, multiview and keyboard', () => {
  beforeEach(() => connect());

  it('a preset click puts every source in that layout on preview', async () => {
    render(<LayoutBar />);
    fireEvent.click(screen.getByRole('button', { name: 'Spotlight' }));
    await act(flush);
    expect(client.commands()).toEqual([
      { command: 'preview.set', params: { preset: 'spotlight', sources: ['cam-a', 'cam-b', 'cam-c'], fit: 'fit', gap: 0, background: '#000000' } },
    ]);
  });

  it('a tile click adds or removes a source; the star makes it the main one', async () => {
    useCutline.setState((s) => ({
      engine: { ...s.engine!, show: { ...s.engine!.show, preview: { preset: 'spotlight', sources: ['cam-a'], fit: 'fit', gap: 0, background: '#000000' } } },
    }));
    render(<Multiview />);
    fireEvent.click(screen.getByRole('button', { name: 'Cam C: add to preview' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cam A: remove from preview' }));
    fireEvent.click(screen.getByRole('button', { name: 'Spotlight Cam B' }));
    await act(flush);
    expect(client.commands().map((c) => (c.params as { sources: string[] }).sources)).toEqual([
      ['cam-a', 'cam-c'],
      [],
      ['cam-b', 'cam-a'],
    ]);
  });

  it('shows tally: red on program, green on preview', () => {
    useCutline.setState((s) => ({
      engine: {
        ...s.engine!,
        show: {
          ...s.engine!.show,
          layout: { preset: 'solo', sources: ['cam-a', 'cam-b'], fit: 'fit', gap: 0, background: '#000000' },
          preview: { preset: 'sideBySide', sources: ['cam-b', 'cam-c'], fit: 'fit', gap: 0, background: '#000000' },
        },
      },
    }));
    render(<Multiview />);
    const tally = (id: string) => document.querySelector(`.tile[data-source="${id}"]`)!.className;
    // Solo shows only its first source, so cam-b is not on air even though it is listed.
    expect(tally('cam-a')).toContain('tally-program');
    expect(tally('cam-b')).not.toContain('tally-program');
    expect(tally('cam-b')).toContain('tally-preview');
    expect(tally('cam-c')).toContain('tally-preview');
  });

  it('1–9 put a source alone on preview; Space and Enter take with the chosen fade; Cut cuts', async () => {
    render(<App />);
    fireEvent.keyDown(window, { key: '2' });
    fireEvent.change(screen.getByLabelText('Fade length in milliseconds'), { target: { value: '1200' } });
    fireEvent.keyDown(document.body, { key: ' ' });
    fireEvent.keyDown(document.body, { key: 'Enter' });
    fireEvent.click(screen.getByRole('button', { name: 'CUT' }));
    await act(flush);
    expect(client.commands()).toEqual([
      { command: 'preview.set', params: { preset: 'solo', sources: ['cam-b'], fit: 'fit', gap: 0, background: '#000000' } },
      { command: 'program.take', params: { kind: 'fade', durationMs: 1200 } },
      { command: 'program.take', params: { kind: 'fade', durationMs: 1200 } },
      { command: 'program.take', params: { kind: 'cut' } },
    ]);
  });

  it('the custom editor drags and resizes boxes and puts placements in canvas fractions on preview', async () => {
    render(<LayoutBar />);
    fireEvent.click(screen.getByRole('button', { name: 'Custom…' }));
    const canvas = screen.getByTestId('editor-canvas');
    canvas.getBoundingClientRect = () => ({ x: 0, y: 0, left: 0, top: 0, width: 1600, height: 900, right: 1600, bottom: 900, toJSON: () => ({}) });
    // Seeded from the preview (a 2×2 grid of three: cam-a top left).
    const box = canvas.querySelector('[data-source="cam-a"]') as HTMLElement;
    fireEvent.pointerDown(box, { clientX: 100, clientY: 100, pointerId: 1 });
    fireEvent.pointerMove(canvas, { clientX: 260, clientY: 190, pointerId: 1 });
    fireEvent.pointerUp(canvas, { pointerId: 1 });
    // Shrink it from the corner by a quarter of the canvas each way.
    const handle = canvas.querySelector('[data-source="cam-a"] .editor-handle') as HTMLElement;
    fireEvent.pointerDown(handle, { clientX: 900, clientY: 550, pointerId: 1 });
    fireEvent.pointerMove(canvas, { clientX: 500, clientY: 325, pointerId: 1 });
    fireEvent.pointerUp(canvas, { pointerId: 1 });
    fireEvent.click(screen.getByRole('button', { name: 'Put on preview' }));
    await act(flush);
    const sent = client.commands().at(-1)!;
    expect(sent.command).toBe('preview.set');
    const params = sent.params as { preset: string; sources: string[]; placements: { source: string; x: number; y: number; width: number; height: number; z: number }[] };
    expect(params.preset).toBe('custom');
    // The grabbed box comes to the front (last), moved by (0.1, 0.1) and resized by (-0.25, -0.25).
    expect(params.placements.at(-1)).toEqual({ source: 'cam-a', x: 0.1, y: 0.1, width: 0.25, height: 0.25, z: 2 });
    expect(params.placements.map((p) => p.source).sort()).toEqual(['cam-a', 'cam-b', 'cam-c']);
  });

  it('keys typed into a field stay in the field', async () => {
    render(<App />);
    const fade = screen.getByLabelText('Fade length in milliseconds');
    fireEvent.keyDown(fade, { key: '3' });
    fireEvent.keyDown(fade, { key: 'Enter' });
    await act(flush);
    expect(client.commands()).toEqual([]);
  });
});

describe('sources', () => {
  beforeEach(() => connect());

  it('adds a test pattern with a readable id', async () => {
    render(<SourcesPanel />);
    fireEvent.click(screen.getByRole('button', { name: '+ Add source' }));
    const form = screen.getByRole('form', { name: 'Add source' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'Wide Shot' } });
    fireEvent.change(within(form).getByLabelText(/Colour/), { target: { value: '#204080' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add test pattern' }));
    await act(flush);
    expect(client.commands()).toEqual([{ command: 'source.add', params: { id: 'wide-shot', label: 'Wide Shot', kind: 'testPattern', color: '#204080' } }]);
  });

  it('lists devices from device.list for a device source', async () => {
    client.on('device.list', () => ({ video: [{ name: 'FaceTime HD Camera' }], audio: ['USB Mic'] }));
    render(<SourcesPanel />);
    fireEvent.click(screen.getByRole('button', { name: '+ Add source' }));
    fireEvent.change(screen.getByLabelText('Kind'), { target: { value: 'device' } });
    await act(flush);
    expect((screen.getByLabelText('Camera') as HTMLSelectElement).value).toBe('FaceTime HD Camera');
    expect((screen.getByLabelText('Microphone') as HTMLSelectElement).value).toBe('USB Mic');
    fireEvent.click(screen.getByRole('button', { name: 'Add device' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'source.add', params: { id: 'device', label: 'Device 4', kind: 'device', video: 'FaceTime HD Camera', audio: 'USB Mic' } });
  });

  it('invites a guest and shows the link to send, with the OBS token masked', async () => {
    const invite = {
      id: 'guest1',
      guestPageUrl: 'http://127.0.0.1:7710/guest/guest1#token=tok-abcdefgh',
      whipUrl: 'http://127.0.0.1:7710/whip/guest1',
      token: 'tok-abcdefgh',
      returnWhepUrl: 'http://127.0.0.1:7710/whep/guest1',
    };
    client.on('guest.invite', () => invite);
    render(<SourcesPanel />);
    fireEvent.click(screen.getByRole('button', { name: 'Invite guest' }));
    fireEvent.change(screen.getByLabelText('Guest name'), { target: { value: 'Dr. Ada' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create link' }));
    await act(flush);
    expect(client.commands()).toEqual([{ command: 'guest.invite', params: { label: 'Dr. Ada' } }]);
    expect((screen.getByLabelText('Guest link') as HTMLInputElement).value).toBe(invite.guestPageUrl);
    expect((screen.getByLabelText('Bearer token') as HTMLInputElement).type).toBe('password');
  });

  it("shows a source's error message next to it, renames and removes after confirming", async () => {
    render(
      <>
        <SourcesPanel />
        <ConfirmDialog />
      </>,
    );
    act(() => client.emit('source.stateChanged', { id: 'cam-b', kind: 'testPattern', label: 'Cam B', state: 'error', message: 'ffmpeg exited: retrying in 4 s', restarts: 3, fps: 0 }));
    const row = document.querySelector('[data-source="cam-b"]') as HTMLElement;
    expect(row.textContent).toMatch(/retrying in 4 s/);
    expect(row.querySelector('[data-state="error"]')).toBeTruthy();

    fireEvent.click(within(row).getByRole('button', { name: 'Cam B' }));
    const input = within(row).getByLabelText('New name');
    fireEvent.change(input, { target: { value: 'Guest' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    fireEvent.click(within(row).getByRole('button', { name: 'Remove Cam B' }));
    fireEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Remove' }));
    await act(flush);
    expect(client.commands()).toEqual([
      { command: 'source.update', params: { id: 'cam-b', label: 'Guest' } },
      { command: 'source.remove', params: { id: 'cam-b' } },
    ]);
  });
});

describe('show files: recent shows in the Open dialog', () => {
  const stored = () => JSON.parse(localStorage.getItem(RECENT_SHOWS_KEY) ?? 'null');
  const openDialog = () => {
    fireEvent.click(screen.getByRole('button', { name: 'Open…' }));
    return screen.getByRole('dialog', { name: 'Open a show' });
  };
  const renderTopBar = () =>
    render(
      <>
        <TopBar />
        <ConfirmDialog />
      </>,
    );

  beforeEach(() => localStorage.clear());
  afterEach(() => localStorage.clear());

  it('lists what was saved and opened, newest first; one click opens it, asking over unsaved changes', async () => {
    await connect();
    client.on('show.save', (p) => ({ show: {}, ...(p as object) }));
    client.on('show.load', () => ({ name: 'Loaded' }));
    renderTopBar();
    let dialog = openDialog();
    expect(within(dialog).getByText(/appear here/)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));

    // Save as… to two paths: both recorded, newest first.
    for (const path of ['/shows/morning.json', '/srv/cutline/evening-news.json']) {
      fireEvent.click(screen.getByRole('button', { name: 'Save as…' }));
      fireEvent.change(screen.getByLabelText('Save path'), { target: { value: path } });
      fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Save' }));
      await act(flush);
    }
    expect(stored()).toEqual(['/srv/cutline/evening-news.json', '/shows/morning.json']);

    dialog = openDialog();
    const items = within(dialog).getAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('data-recent-path'))).toEqual(['/srv/cutline/evening-news.json', '/shows/morning.json']);
    // The file name in large type, the full path under it; the show open now is marked.
    expect(items[0].querySelector('.recent-file')?.textContent).toBe('evening-news.json');
    expect(items[0].querySelector('.recent-path')?.textContent).toBe('/srv/cutline/evening-news.json');
    expect(items[0].textContent).toMatch(/open now/);

    // Unsaved changes: opening asks first; Cancel keeps the show and the dialog.
    act(() => useCutline.setState({ dirty: true }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Open /shows/morning.json' }));
    fireEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Cancel' }));
    await act(flush);
    expect(client.commands().filter((c) => c.command === 'show.load')).toEqual([]);
    expect(screen.getByRole('dialog', { name: 'Open a show' })).toBeTruthy();

    fireEvent.click(within(dialog).getByRole('button', { name: 'Open /shows/morning.json' }));
    fireEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Replace' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'show.load', params: { path: '/shows/morning.json' } });
    expect(screen.queryByRole('dialog', { name: 'Open a show' })).toBeNull();
    expect(useCutline.getState()).toMatchObject({ showPath: '/shows/morning.json', dirty: false });
    // Opened: now it is the newest.
    expect(stored()).toEqual(['/shows/morning.json', '/srv/cutline/evening-news.json']);
  });

  it('keeps the engine’s error under a path that no longer opens, and offers to remove it', async () => {
    localStorage.setItem(RECENT_SHOWS_KEY, JSON.stringify(['/gone/old.json', '/shows/ok.json']));
    await connect();
    client.fail('show.load', 'failed', "cannot read show file /gone/old.json: ENOENT: no such file or directory, open '/gone/old.json'");
    render(
      <>
        <TopBar />
        <Toasts />
      </>,
    );
    const dialog = openDialog();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Open /gone/old.json' }));
    await act(flush);
    const item = dialog.querySelector('[data-recent-path="/gone/old.json"]') as HTMLElement;
    expect(within(item).getByRole('alert').textContent).toMatch(/ENOENT: no such file/);
    // The toast says it too, as for every failed command.
    expect(document.querySelector('.toast-error')?.textContent).toMatch(/ENOENT/);
    fireEvent.click(within(item).getByRole('button', { name: 'Remove from list' }));
    expect(stored()).toEqual(['/shows/ok.json']);
    expect(dialog.querySelector('[data-recent-path="/gone/old.json"]')).toBeNull();
    // × removes any entry.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove /shows/ok.json from recent shows' }));
    expect(stored()).toEqual([]);
    expect(within(dialog).getByText(/appear here/)).toBeTruthy();
  });

  it('shrugs off corrupt storage and a failed path is not recorded', async () => {
    localStorage.setItem(RECENT_SHOWS_KEY, '{"oops": tru');
    await connect();
    client.fail('show.load', 'failed', 'cannot read show file /nope.json: ENOENT');
    renderTopBar();
    const dialog = openDialog();
    expect(within(dialog).getByText(/appear here/)).toBeTruthy();
    fireEvent.change(within(dialog).getByLabelText('Show path'), { target: { value: '/nope.json' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Open' }));
    await act(flush);
    expect(within(dialog).queryAllByRole('listitem')).toEqual([]);
    // The next success rewrites the key with a valid list.
    client.on('show.load', () => ({ name: 'x' }));
    fireEvent.change(within(dialog).getByLabelText('Show path'), { target: { value: ' /shows/real.json ' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Open' }));
    await act(flush);
    expect(stored()).toEqual(['/shows/real.json']);
  });
});
