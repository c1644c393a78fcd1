// @vitest-environment jsdom
/**
 * The desk with several programs (issue #13): tabs above the monitors choose the program that the
 * layout chips, tile clicks, Take/Cut and overlays act on (each command carries its programId;
 * main's go without one, as before); the multiview shows every program's output by name; the
 * destinations show what they carry and the add form picks it; "Add vertical cut" / "Add venue
 * wall" send program.add in one click. The fake client stands for the transport; the engine is
 * real in test/e2e/desk-programs.e2e.test.ts.
 */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/src/components/App.tsx';
import { DestinationsPanel } from '../../renderer/src/components/DestinationsPanel.tsx';
import { applyPreset, connectEngine, resetForTests, take } from '../../renderer/src/store/actions.ts';
import { applyEvent } from '../../renderer/src/store/engineMirror.ts';
import { useCutline } from '../../renderer/src/store/store.ts';
import type { EngineState } from '../../shared/protocol.ts';
import type { LayoutSpec } from '../../shared/show.ts';
import { afterRefresh, FakeEngineClient, flush, sampleState } from './fakes.ts';

const solo = (id: string): LayoutSpec => ({ preset: 'solo', sources: [id], fit: 'fill', gap: 0, background: '#000000' });

/** The sample state with a second program, `vertical` (1080×1920, cam-b alone). */
function twoPrograms(): EngineState {
  const state = sampleState({ destinations: [{ id: 'shorts', kind: 'rtmp', url: 'rtmp://x/live', enabled: true, program: 'vertical' }, { id: 'iso-a', kind: 'recording', path: 'a.mp4', enabled: true, source: 'cam-a' }] as never });
  const main = state.programs[0];
  state.programs = [
    { ...main, name: 'Wide' },
    { ...main, id: 'vertical', name: 'Vertical 9:16', output: { ...main.output, width: 1080, height: 1920 }, layout: solo('cam-b'), public: true, destinations: ['shorts'] },
  ];
  return state;
}

let client: FakeEngineClient;
async function connect(state = twoPrograms()) {
  client = new FakeEngineClient(state);
  connectEngine(client);
  await act(flush);
  await act(flush);
}

beforeEach(() => resetForTests());
afterEach(() => {
  cleanup();
  resetForTests();
});

const sentOf = (command: string) => client.commands().filter((c) => c.command === command);

describe('program tabs', () => {
  it('lists every program by name and size; the selected one is what the monitors show', async () => {
    await connect();
    render(<App />);
    const tabs = within(screen.getByRole('tablist', { name: 'Program' })).getAllByRole('tab');
    expect(tabs.map((t) => t.getAttribute('data-program-tab'))).toEqual(['main', 'vertical']);
    expect(tabs[1].textContent).toContain('Vertical 9:16');
    expect(tabs[1].textContent).toContain('1080×1920');
    expect(tabs[0].getAttribute('aria-selected')).toBe('true');

    await act(async () => {
      fireEvent.click(tabs[1]);
      await flush();
    });
    expect(useCutline.getState().selectedProgram).toBe('vertical');
    // The program monitor now draws vertical's layout, at its shape.
    const programMonitor = document.querySelector('[data-monitor="program"]') as HTMLElement;
    expect(programMonitor.textContent).toContain('Vertical 9:16');
    expect([...programMonitor.querySelectorAll('.layout-box')].map((b) => b.getAttribute('data-source'))).toEqual(['cam-b']);
    // Its overlays were read for it.
    expect(client.sent.filter((s) => s.command === 'overlay.list').at(-1)?.params).toEqual({ programId: 'vertical' });
  });

  it("sends the selected program's id with layouts and take; main's commands go without one", async () => {
    await connect();
    await applyPreset('grid');
    await take('cut');
    expect(sentOf('preview.set').at(-1)?.params).not.toHaveProperty('programId');
    expect(sentOf('program.take').at(-1)?.params).toEqual({ kind: 'cut' });

    useCutline.setState({ selectedProgram: 'vertical' });
    await applyPreset('sideBySide');
    await take('fade');
    expect(sentOf('preview.set').at(-1)?.params).toMatchObject({ programId: 'vertical', preset: 'sideBySide', sources: ['cam-b'] });
    expect(sentOf('program.take').at(-1)?.params).toMatchObject({ programId: 'vertical', kind: 'fade' });
    // Not program-scoped: no programId.
    expect(client.commands().filter((c) => !['preview.set', 'program.take'].includes(c.command)).every((c) => !(c.params as object | undefined && 'programId' in (c.params as object)))).toBe(true);
  });

  it('falls back to main when the selected program is removed', async () => {
    await connect();
    useCutline.setState({ selectedProgram: 'vertical' });
    client.state = sampleState();
    client.emit('program.removed', { id: 'vertical' });
    await act(afterRefresh);
    await take('cut');
    expect(sentOf('program.take').at(-1)?.params).toEqual({ kind: 'cut' });
  });

  it('"Add vertical cut" sends program.add with a 1080×1920 program at main\'s fps and selects it', async () => {
    await connect(sampleState());
    client.on('program.add', (params) => {
      const p = params as { id: string; name: string; output: EngineState['show']['output']; layout: LayoutSpec };
      client.state = { ...client.state, programs: [...client.state.programs, { ...client.state.programs[0], id: p.id, name: p.name, output: p.output, layout: p.layout }] };
      return client.state.programs.at(-1);
    });
    render(<App />);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: '+ Add vertical cut' }));
      await afterRefresh();
    });
    const added = sentOf('program.add')[0]?.params as { id: string; output: { width: number; height: number; fps: number; x264Preset: string }; layout: LayoutSpec; preview: LayoutSpec };
    expect(added).toMatchObject({ id: 'vertical', name: 'Vertical 9:16', output: { width: 1080, height: 1920, fps: 30, x264Preset: 'veryfast' } });
    expect(added.layout).toMatchObject({ preset: 'solo', fit: 'fill', sources: ['cam-a', 'cam-b', 'cam-c'] });
    expect(added.preview).toMatchObject({ preset: 'stack', sources: ['cam-a', 'cam-b'] });
    expect(useCutline.getState().selectedProgram).toBe('vertical');

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: '+ Add venue wall' }));
      await afterRefresh();
    });
    expect(sentOf('program.add')[1]?.params).toMatchObject({ id: 'wall', output: { width: 3840, height: 1080 }, layout: { preset: 'wall', highlight: 'cam-a', follow: { mode: 'speaker' } } });
  });

  it("shows the engine's warning when the machine may not encode one more program in real time", async () => {
    await connect(sampleState());
    client.on('program.add', () => ({ ...client.state.programs[0], id: 'vertical', warnings: ['the last second used 190% of 2 cores: watch droppedFrames'] }));
    render(<App />);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: '+ Add vertical cut' }));
      await afterRefresh();
    });
    expect(useCutline.getState().toasts.map((t) => t.message)).toContain('Vertical 9:16: the last second used 190% of 2 cores: watch droppedFrames');
  });
});

describe('multiview and destinations', () => {
  it("shows every program's output with its name, kept fresh by that program's layout events", async () => {
    await connect();
    render(<App />);
    const outputs = screen.getByRole('region', { name: 'Program outputs' });
    const tile = () => outputs.querySelector('[data-program-output="vertical"]') as HTMLElement;
    expect(tile().textContent).toContain('Vertical 9:16');
    expect(outputs.querySelector('[data-program-output="main"]')?.textContent).toContain('Wide');
    expect([...tile().querySelectorAll('.layout-box')].map((b) => b.getAttribute('data-source'))).toEqual(['cam-b']);
    await act(async () => {
      client.emit('program.layoutChanged', { programId: 'vertical', layout: { ...solo('cam-c'), preset: 'sideBySide', sources: ['cam-c', 'cam-a'] } });
      await flush();
    });
    expect([...tile().querySelectorAll('.layout-box')].map((b) => b.getAttribute('data-source'))).toEqual(['cam-c', 'cam-a']);
    // Main's layout did not move.
    expect(useCutline.getState().engine?.show.layout.preset).toBe('grid');
  });

  it('says which program or source each destination carries, and the form picks one', async () => {
    await connect();
    render(<DestinationsPanel />);
    expect(document.querySelector('[data-destination="shorts"] .dest-carries')?.textContent).toBe('Vertical 9:16');
    expect(document.querySelector('[data-destination="iso-a"] .dest-carries')?.textContent).toBe('ISO · Cam A');
    fireEvent.click(screen.getByRole('button', { name: '+ Add' }));
    const carries = screen.getByRole('combobox', { name: 'What the destination carries' }) as HTMLSelectElement;
    expect([...carries.options].map((o) => o.value)).toEqual(['program:main', 'program:vertical', 'source:cam-a', 'source:cam-b', 'source:cam-c']);
    fireEvent.change(carries, { target: { value: 'program:vertical' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Service' }), { target: { value: 'recording' } });
    await act(async () => {
      fireEvent.submit(screen.getByRole('form', { name: 'Add destination' }));
      await flush();
    });
    expect(sentOf('destination.add').at(-1)?.params).toMatchObject({ kind: 'recording', program: 'vertical' });
  });
});

describe('the mirror', () => {
  it("applies another program's layout event to that program only", () => {
    const state = twoPrograms();
    const { state: next, refresh } = applyEvent(state, { type: 'event', event: 'program.layoutChanged', data: { programId: 'vertical', layout: solo('cam-a') } });
    expect(refresh).toBe(false);
    expect(next.programs[1].layout.sources).toEqual(['cam-a']);
    expect(next.show.layout).toBe(state.show.layout);
    expect(applyEvent(state, { type: 'event', event: 'program.layoutChanged', data: { programId: 'nope', layout: solo('cam-a') } }).refresh).toBe(true);
  });
});
