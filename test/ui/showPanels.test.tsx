// @vitest-environment jsdom
/**
 * The panels that run the show (issue #12) send the right commands and show what the engine
 * says: Graphics (add hidden, cue on preview, show with a cue taken off, edit in place, hotkeys,
 * names on screen), Interaction (poll bars live from object.changed, the engine's message for a
 * one-option poll next to the form, chat newest first and on screen, auction, bets, tokens),
 * Settings (only changed fields, a confirmation before live destinations reconnect, encoders
 * the probe found working, ffmpeg test) and Health (filters, error history). The fake client stands
 * for the transport; the engine is real in test/e2e/desk-show.e2e.test.ts.
 */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../renderer/src/components/App.tsx';
import { ConfirmDialog } from '../../renderer/src/components/common.tsx';
import { GraphicsPanel } from '../../renderer/src/components/GraphicsPanel.tsx';
import { HealthPanel } from '../../renderer/src/components/HealthPanel.tsx';
import { InteractionPanel } from '../../renderer/src/components/InteractionPanel.tsx';
import { SettingsPanel } from '../../renderer/src/components/SettingsPanel.tsx';
import { SourcesPanel } from '../../renderer/src/components/SourcesPanel.tsx';
import { handleHotkey } from '../../renderer/src/hooks/useHotkeys.ts';
import { connectEngine, resetForTests } from '../../renderer/src/store/actions.ts';
import { useCutline } from '../../renderer/src/store/store.ts';
import type { LogEntry } from '../../shared/log.ts';
import type { ObjectSnapshot, OverlayStatus, PollState } from '../../shared/objects.ts';
import { FakeEngineClient, flush, sampleState } from './fakes.ts';

let client: FakeEngineClient;

function lowerThird(change: Partial<OverlayStatus['spec']> = {}, status: Partial<OverlayStatus> = {}): OverlayStatus {
  const spec = { id: 'lt', kind: 'lowerThird', name: 'Ada', title: 'Host', x: 0.05, y: 0.74, width: 0.5, height: 0.13, z: 0, visible: false, onPreview: false, fadeMs: 300, opacity: 1, background: '#101521cc', color: '#ffffff', accent: '#f2b705', ...change } as OverlayStatus['spec'];
  return { id: spec.id, kind: spec.kind, visible: spec.visible, opacity: spec.visible ? 1 : 0, spec, ...status };
}

function poll(state: Partial<PollState> = {}): ObjectSnapshot {
  return {
    id: 'poll',
    type: 'poll',
    version: 3,
    state: {
      status: 'open',
      question: 'Best language?',
      options: [
        { text: 'TypeScript', votes: 2, percent: 67 },
        { text: 'Rust', votes: 1, percent: 33 },
      ],
      total: 3,
      showResults: true,
      revealed: false,
      ...state,
    },
  };
}

async function connect(live: { overlays?: OverlayStatus[]; objects?: ObjectSnapshot[]; log?: LogEntry[] } = {}, state = sampleState()) {
  client = new FakeEngineClient(state);
  client.on('overlay.list', () => live.overlays ?? []);
  client.on('object.list', () => (live.objects ?? []).map((o) => ({ id: o.id, type: o.type, version: o.version })));
  client.on('object.get', (p) => live.objects?.find((o) => o.id === (p as { id: string }).id));
  client.on('log.list', () => ({ entries: live.log ?? [], last: live.log?.at(-1)?.seq ?? 0 }));
  connectEngine(client);
  await act(flush);
  await act(flush);
}

beforeEach(() => {
  resetForTests();
  localStorage.clear();
});
afterEach(() => {
  cleanup();
  resetForTests();
});

describe('the right column', () => {
  it('has a tab per panel and arrow keys move between them; the monitors stay', async () => {
    await connect();
    render(<App />);
    const tabs = within(screen.getByRole('tablist', { name: 'Panels' }))
      .getAllByRole('tab')
      .map((t) => t.textContent);
    expect(tabs.slice(0, 5)).toEqual(['Show', 'Graphics', 'Interaction', 'Settings', 'Health']);
    fireEvent.keyDown(screen.getByRole('tab', { name: 'Show' }), { key: 'ArrowRight' });
    expect(useCutline.getState().sideTab).toBe('graphics');
    expect(screen.getByRole('region', { name: 'Graphics' })).toBeTruthy();
    expect(document.querySelector('[data-monitor="program"]')).toBeTruthy();
  });
});

describe('graphics', () => {
  it('adds a lower third hidden, with the name and title typed', async () => {
    await connect();
    render(<GraphicsPanel />);
    fireEvent.click(screen.getByRole('button', { name: '+ Add graphic' }));
    const form = screen.getByRole('form', { name: 'Add graphic' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'Ada Lovelace' } });
    fireEvent.change(within(form).getByLabelText('Title'), { target: { value: 'Engineer' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add graphic' }));
    await act(flush);
    expect(client.commands()).toEqual([{ command: 'overlay.add', params: { visible: false, id: 'lowerthird', kind: 'lowerThird', name: 'Ada Lovelace', title: 'Engineer' } }]);
  });

  it("keeps the engine's message next to the form, and adds nothing", async () => {
    await connect();
    client.fail('overlay.add', 'invalid_params', 'Bad overlay: items: Too small: expected array to have >=1 items');
    render(<GraphicsPanel />);
    fireEvent.click(screen.getByRole('button', { name: '+ Add graphic' }));
    const form = screen.getByRole('form', { name: 'Add graphic' });
    fireEvent.change(within(form).getByLabelText('Kind'), { target: { value: 'ticker' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add graphic' }));
    await act(flush);
    expect(within(form).getByRole('alert').textContent).toBe('Bad overlay: items: Too small: expected array to have >=1 items');
  });

  it('says when an image is too big to send, before sending anything', async () => {
    await connect();
    render(<GraphicsPanel />);
    fireEvent.click(screen.getByRole('button', { name: '+ Add graphic' }));
    const form = screen.getByRole('form', { name: 'Add graphic' });
    fireEvent.change(within(form).getByLabelText('Kind'), { target: { value: 'image' } });
    const big = new File([new Uint8Array(900 * 1024)], 'poster.png', { type: 'image/png' });
    fireEvent.change(within(form).getByLabelText('New image file'), { target: { files: [big] } });
    await vi.waitFor(() => expect(within(form).getByRole('alert').textContent).toMatch(/poster\.png is \d+ kB as a data: URL; the engine takes requests up to 1024 kB/));
    expect(client.commands()).toEqual([]);
  });

  it('cues on preview, then shows (taking the cue off) and hides; a letter is its hotkey', async () => {
    await connect({ overlays: [lowerThird()] });
    render(<GraphicsPanel />);
    const row = document.querySelector('[data-overlay="lt"]') as HTMLElement;
    expect(row.dataset.state).toBe('hidden');
    fireEvent.click(within(row).getByRole('button', { name: 'Preview' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'overlay.update', params: { id: 'lt', onPreview: true } });
    act(() => client.emit('overlay.changed', { overlays: [lowerThird({ onPreview: true })] }));
    expect(row.dataset.state).toBe('cued');
    fireEvent.click(within(row).getByRole('button', { name: 'Show lt' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'overlay.update', params: { id: 'lt', visible: true, onPreview: false } });
    act(() => client.emit('overlay.changed', { overlays: [lowerThird({ visible: true })] }));
    expect(row.dataset.state).toBe('on air');

    fireEvent.change(within(row).getByLabelText('Hotkey for lt'), { target: { value: 'l' } });
    expect(JSON.parse(localStorage.getItem('cutline.overlayHotkeys.v1') ?? '{}')).toEqual({ l: 'lt' });
    expect(handleHotkey(new KeyboardEvent('keydown', { key: 'l' }))).toBe(true);
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'overlay.hide', params: { id: 'lt' } });
  });

  it("shows the engine's drawing of each graphic once it arrives, and asks again when the graphic changes", async () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    let asked = 0;
    client = new FakeEngineClient(sampleState());
    client.on('overlay.list', () => [lowerThird()]);
    client.on('overlay.thumbnail', () => {
      asked++;
      return { id: 'lt', png, width: 320, height: 48 };
    });
    connectEngine(client);
    await act(flush);
    await act(flush);
    render(<GraphicsPanel />);
    await vi.waitFor(() => expect(document.querySelector('[data-thumb="lt"]')?.getAttribute('data-thumb-source')).toBe('engine'));
    expect(document.querySelector<HTMLImageElement>('[data-thumb="lt"] img')?.src).toBe(png);
    act(() => client.emit('overlay.changed', { overlays: [lowerThird({ name: 'Grace' })] }));
    await vi.waitFor(() => expect(asked).toBe(2), { timeout: 2000 });
  });

  it('edits a lower third in place: one overlay.update on Enter', async () => {
    await connect({ overlays: [lowerThird()] });
    render(<GraphicsPanel />);
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    const name = screen.getByLabelText('lt Name');
    fireEvent.change(name, { target: { value: 'Grace Hopper' } });
    fireEvent.keyDown(name, { key: 'Enter' });
    await act(flush);
    expect(client.commands()).toEqual([{ command: 'overlay.update', params: { id: 'lt', name: 'Grace Hopper' } }]);
  });

  it("puts a source's name on screen from its label, in one click", async () => {
    await connect();
    render(<GraphicsPanel />);
    fireEvent.change(screen.getByLabelText('Cam B title'), { target: { value: 'Commentator' } });
    fireEvent.click(screen.getByRole('button', { name: 'Name on screen: Cam B' }));
    await act(flush);
    expect(client.commands()).toEqual([{ command: 'overlay.add', params: { id: 'name-cam-b', kind: 'lowerThird', name: 'Cam B', title: 'Commentator', visible: true } }]);
  });
});

describe('names on screen from the Sources panel', () => {
  it("a source row's Name puts its label on air, and takes it off once it is on", async () => {
    await connect({ overlays: [lowerThird({ id: 'name-cam-a', name: 'Cam A', title: 'Host', visible: false })] });
    render(<SourcesPanel />);
    fireEvent.click(screen.getByRole('button', { name: 'Name on screen: Cam A' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'overlay.update', params: { id: 'name-cam-a', name: 'Cam A', title: 'Host', visible: true, onPreview: false } });
    act(() => client.emit('overlay.changed', { overlays: [lowerThird({ id: 'name-cam-a', name: 'Cam A', title: 'Host', visible: true })] }));
    fireEvent.click(screen.getByRole('button', { name: 'Name off screen: Cam A' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'overlay.hide', params: { id: 'name-cam-a' } });
  });
});

describe('interaction', () => {
  it('opens a poll as typed; the engine refuses one option with its own message next to the form', async () => {
    await connect();
    render(<InteractionPanel />);
    const form = screen.getByRole('form', { name: 'New poll' });
    fireEvent.change(within(form).getByLabelText('Question'), { target: { value: 'Tea?' } });
    fireEvent.change(within(form).getByLabelText('Option 1'), { target: { value: 'Yes' } });
    client.on('object.create', () => ({ id: 'poll', type: 'poll', version: 0, state: poll({ status: 'idle' }).state }));
    client.fail('object.op', 'invalid_params', 'object.op: options.1: Too small: expected string to have >=1 characters');
    fireEvent.click(within(form).getByRole('button', { name: 'Open poll' }));
    await act(flush);
    await act(flush);
    expect(client.commands().map((c) => c.command)).toEqual(['object.create', 'object.op']);
    expect(client.commands()[1].params).toEqual({ id: 'poll', op: 'open', args: { question: 'Tea?', options: ['Yes', ''] } });
    expect(within(form).getByRole('alert').textContent).toMatch(/options\.1/);
  });

  it('draws the bars from object.changed as votes arrive, and puts the results on screen', async () => {
    await connect({ objects: [poll()] });
    render(<InteractionPanel />);
    const bar = () => document.querySelector('.bars [data-option="0"]') as HTMLElement;
    expect(bar().dataset.votes).toBe('2');
    act(() =>
      client.emit('object.changed', {
        id: 'poll',
        type: 'poll',
        version: 4,
        op: 'vote',
        args: {},
        state: poll({ options: [{ text: 'TypeScript', votes: 3, percent: 75 }, { text: 'Rust', votes: 1, percent: 25 }], total: 4 }).state,
        pts: null,
        at: 0,
      }),
    );
    expect(bar().dataset.votes).toBe('3');
    expect((bar().querySelector('.bar-fill') as HTMLElement).style.width).toBe('75%');
    fireEvent.click(screen.getByRole('button', { name: 'Results on screen' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'overlay.add', params: { id: 'poll-onair', kind: 'poll', object: 'poll', visible: true } });
  });

  it('lists chat newest first, puts one message on screen as a card, removes another', async () => {
    const chat: ObjectSnapshot = {
      id: 'chat',
      type: 'chat',
      version: 2,
      state: {
        messages: [
          { seq: 0, author: 'Ada', text: 'first', at: 0 },
          { seq: 1, author: 'Grace', text: 'second', at: 1, from: 'token:tok-2' },
        ],
        total: 2,
      },
    };
    await connect({ objects: [chat] });
    render(
      <>
        <InteractionPanel />
        <ConfirmDialog />
      </>,
    );
    fireEvent.click(screen.getByRole('tab', { name: 'Chat' }));
    expect([...document.querySelectorAll('.chat-row .chat-author')].map((e) => e.textContent)).toEqual(['Grace', 'Ada']);
    fireEvent.click(screen.getByRole('button', { name: 'Show on screen: Grace' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'overlay.add', params: { id: 'chat-message-onair', kind: 'lowerThird', name: 'Grace', title: 'second', visible: true, y: 0.7, accent: '#3d8bfd' } });
    act(() => client.emit('overlay.changed', { overlays: [lowerThird({ id: 'chat-message-onair', name: 'Grace', title: 'second', visible: true })] }));
    expect(document.querySelector('.chat-row.on-air')?.getAttribute('data-seq')).toBe('1');
    fireEvent.click(screen.getByRole('button', { name: 'Remove message 0' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'object.op', params: { id: 'chat', op: 'remove', args: { seq: 0 } } });
    // Only messages from a guest or viewer (with `from`) can be blocked; after a confirmation.
    expect(screen.queryByRole('button', { name: 'Block Ada' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Block Grace' }));
    fireEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Block' }));
    await act(flush);
    expect(client.commands().find((c) => c.command === 'object.blockClient')?.params).toEqual({ clientId: 'token:tok-2', reason: 'breaking the chat rules' });
  });

  it('opens an auction and a betting market with the parameters typed', async () => {
    await connect({ objects: [{ id: 'auction', type: 'auction', version: 0, state: { status: 'idle', item: '', currency: '', startPrice: 0, minIncrement: 1, current: null, nextMinimum: 0, bidCount: 0, recentBids: [] } }, { id: 'bets', type: 'bets', version: 0, state: { currency: '', markets: [], recentBets: [] } }] });
    render(<InteractionPanel />);
    fireEvent.click(screen.getByRole('tab', { name: 'Auction' }));
    const auction = screen.getByRole('form', { name: 'Open auction' });
    fireEvent.change(within(auction).getByLabelText('Item'), { target: { value: 'Signed shirt' } });
    fireEvent.change(within(auction).getByLabelText('Start price'), { target: { value: '50' } });
    fireEvent.change(within(auction).getByLabelText('Ends after (min)'), { target: { value: '2' } });
    fireEvent.click(within(auction).getByRole('button', { name: 'Open auction' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'object.op', params: { id: 'auction', op: 'open', args: { item: 'Signed shirt', startPrice: 50, minIncrement: 1, durationMs: 120_000 } } });
    fireEvent.click(screen.getByRole('tab', { name: 'Bets' }));
    fireEvent.click(within(screen.getByRole('form', { name: 'Open market' })).getByRole('button', { name: 'Open market' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({
      command: 'object.op',
      params: { id: 'bets', op: 'openMarket', args: { market: 'match', selections: [{ id: 'home', name: 'Home', odds: 1.8 }, { id: 'away', name: 'Away', odds: 2.2 }] } },
    });
  });

  it('keeps score: adds a team, +1 sets the next value, the scoreboard goes on screen', async () => {
    await connect({ objects: [{ id: 'score', type: 'kv', version: 1, state: { entries: { home: 2 } } }] });
    render(<InteractionPanel />);
    fireEvent.click(screen.getByRole('tab', { name: 'Score' }));
    fireEvent.change(screen.getByLabelText('Team or player'), { target: { value: 'away' } });
    fireEvent.click(within(screen.getByRole('form', { name: 'Add a score' })).getByRole('button', { name: 'Add' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'object.op', params: { id: 'score', op: 'set', args: { key: 'away', value: 0 } } });
    fireEvent.click(screen.getByRole('button', { name: 'home plus one' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'object.op', params: { id: 'score', op: 'set', args: { key: 'home', value: 3 } } });
    fireEvent.click(screen.getByRole('button', { name: 'Show on screen' }));
    await act(flush);
    expect(client.commands().at(-1)).toEqual({ command: 'overlay.add', params: { id: 'score-onair', kind: 'scoreboard', object: 'score', visible: true } });
  });

  it('issues a viewer token (its link shown once), shows connections, revokes after confirming', async () => {
    await connect();
    const tokens = [{ id: 'tok-1', role: 'viewer', label: 'Site', createdAt: '2026-12-03T00:00:00Z', connections: 2 }];
    client.on('object.issueToken', () => ({ ...tokens[0], connections: 0, token: 'secret-token', wsUrl: 'ws://127.0.0.1:7710/objects/ws' }));
    client.on('object.listTokens', () => tokens);
    client.on('program.monitor', () => ({ token: 'monitor-token', whepPath: '/whep/program' }));
    render(
      <>
        <InteractionPanel />
        <ConfirmDialog />
      </>,
    );
    fireEvent.click(screen.getByRole('tab', { name: 'Links' }));
    await act(flush);
    expect((screen.getByLabelText('Viewer page link') as HTMLInputElement).value).toMatch(/\/viewer#token=monitor-token$/);
    fireEvent.change(screen.getByLabelText('Label'), { target: { value: 'Site' } });
    fireEvent.click(screen.getByRole('button', { name: 'Issue token' }));
    await act(flush);
    await act(flush);
    expect(client.commands().find((c) => c.command === 'object.issueToken')?.params).toEqual({ role: 'viewer', label: 'Site' });
    // The URL carries no token (URLs end up in logs); the token is shown beside it.
    expect((screen.getByLabelText('Objects socket URL') as HTMLInputElement).value).toBe('ws://127.0.0.1:7710/objects/ws');
    expect((screen.getByLabelText('Objects token') as HTMLInputElement).value).toBe('secret-token');
    expect(document.querySelector('[data-token="tok-1"] [data-connections]')?.textContent).toBe('2 connected');
    fireEvent.click(screen.getByRole('button', { name: 'Revoke Site' }));
    fireEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Revoke' }));
    await act(flush);
    expect(client.commands().find((c) => c.command === 'object.revokeToken')?.params).toEqual({ id: 'tok-1' });
  });
});

describe('settings', () => {
  const probe = {
    ffmpeg: { path: '/usr/bin/ffmpeg', version: '5.1', source: 'system' },
    encoders: [
      { name: 'libx264', listed: true, works: true, hardware: false },
      { name: 'h264_nvenc', listed: true, works: false, hardware: true, error: 'no CUDA device' },
    ],
    chosen: { encoder: 'libx264', hardware: false, reason: 'no hardware encoder works here' },
  };

  it('offers only encoders that work, with the reason; sends only what changed', async () => {
    await connect();
    client.on('probe.get', () => probe);
    render(<SettingsPanel />);
    await act(flush);
    const encoder = screen.getByLabelText('Encoder') as HTMLSelectElement;
    expect([...encoder.options].map((o) => o.value)).toEqual(['auto', 'libx264']);
    expect(screen.getByRole('form', { name: 'Output settings' }).textContent).toMatch(/no hardware encoder works here/);
    fireEvent.change(screen.getByLabelText('Size'), { target: { value: '1920x1080' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply output' }));
    await act(flush);
    expect(client.commands().filter((c) => c.command === 'output.set')).toEqual([{ command: 'output.set', params: { width: 1920, height: 1080 } }]);
  });

  it('says live destinations reconnect before anything stops; Cancel sends nothing', async () => {
    const state = sampleState({ destinations: [{ id: 'yt', kind: 'rtmp', url: 'rtmp://a/live', enabled: true } as never] });
    state.destinations = [{ id: 'yt', kind: 'rtmp', label: 'YouTube', target: 'rtmp://a/live', state: 'live', attempt: 0, bitrateKbps: 4500, fps: 30, droppedFrames: 0, uptimeS: 10, bytesSent: 1 }];
    await connect({}, state);
    render(
      <>
        <SettingsPanel />
        <ConfirmDialog />
      </>,
    );
    fireEvent.change(screen.getByLabelText('Size'), { target: { value: '720x1280' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply output' }));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog.textContent).toMatch(/Changing the size restarts the encoder: 1 live destination \(YouTube\) reconnect/);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await act(flush);
    expect(client.commands().filter((c) => c.command === 'output.set')).toEqual([]);
  });

  it("tests an ffmpeg path and shows the engine's answer or its message", async () => {
    await connect();
    client.fail('probe.run', 'invalid_params', 'only a file named ffmpeg (or ffmpeg.exe) is tested, not "bash"');
    render(<SettingsPanel />);
    const form = screen.getByRole('form', { name: 'ffmpeg' });
    fireEvent.change(within(form).getByLabelText('ffmpeg path to test'), { target: { value: '/bin/bash' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Test' }));
    await act(flush);
    expect(within(form).getByRole('alert').textContent).toMatch(/only a file named ffmpeg/);
    client.on('probe.run', () => probe);
    fireEvent.change(within(form).getByLabelText('ffmpeg path to test'), { target: { value: '/usr/bin/ffmpeg' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Test' }));
    await act(flush);
    expect(client.commands().filter((c) => c.command === 'probe.run').at(-1)?.params).toEqual({ ffmpegPath: '/usr/bin/ffmpeg' });
    expect(form.textContent).toMatch(/h264_nvenc: fails \(no CUDA device\)/);
    expect(within(form).queryByRole('alert')).toBeNull();
  });

  it('sends WebRTC changes with the program token only when one is typed', async () => {
    await connect();
    render(<SettingsPanel />);
    fireEvent.change(screen.getByLabelText('Max guests'), { target: { value: '4' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply WebRTC' }));
    await act(flush);
    expect(client.commands().filter((c) => c.command === 'webrtc.set')).toEqual([{ command: 'webrtc.set', params: { maxGuests: 4 } }]);
  });
});

describe('health', () => {
  const log: LogEntry[] = [
    { seq: 1, at: 0, level: 'info', scope: { kind: 'source', id: 'cam-a' }, message: 'source cam-a: restarting decoder (new settings)' },
    { seq: 2, at: 0, level: 'error', scope: { kind: 'source', id: 'cam-b' }, message: 'source cam-b: stalled (no frames for 3 s)' },
    { seq: 3, at: 0, level: 'info', message: 'monitor video encoder started' },
  ];

  it('lists the log newest first, filters it, and keeps an error history per source', async () => {
    await connect({ log });
    render(<HealthPanel />);
    const lines = () => [...document.querySelectorAll('.log-line')].map((l) => l.getAttribute('data-seq'));
    expect(lines()).toEqual(['3', '2', '1']);
    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'error' } });
    expect(lines()).toEqual(['2']);
    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'all' } });
    fireEvent.change(screen.getByLabelText('Filter the log'), { target: { value: 'decoder' } });
    expect(lines()).toEqual(['1']);
    expect(document.querySelector('[data-history="source cam-b"]')?.textContent).toMatch(/1 errors.*stalled \(no frames for 3 s\)/);
    expect(document.querySelector('[data-history="source cam-a"]')?.textContent).toMatch(/0 errors/);
    act(() => client.emit('log.appended', { seq: 4, at: 0, level: 'error', scope: { kind: 'source', id: 'cam-a' }, message: 'source cam-a: error (ffmpeg exited)' }));
    expect(document.querySelector('[data-history="source cam-a"]')?.textContent).toMatch(/1 errors/);
  });
});
