// @vitest-environment jsdom
/**
 * The desk moves a wall's highlight on program in one click or Shift+N (layout.highlight), and
 * offers the stack and wall presets. The fake client stands for the transport; the engine side is
 * proved in active-speaker.e2e.
 */
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/src/components/App.tsx';
import { LayoutBar } from '../../renderer/src/components/LayoutBar.tsx';
import { connectEngine, resetForTests } from '../../renderer/src/store/actions.ts';
import type { ShowDocument } from '../../shared/show.ts';
import { FakeEngineClient, flush, sampleState } from './fakes.ts';

let client: FakeEngineClient;

async function connect(change: Partial<ShowDocument> = {}) {
  client = new FakeEngineClient(sampleState(change));
  connectEngine(client);
  await act(flush);
}

const WALL: ShowDocument['layout'] = { preset: 'wall', sources: ['cam-a', 'cam-b', 'cam-c'], fit: 'fit', gap: 0, background: '#000000', highlight: 'cam-a' };

beforeEach(() => resetForTests());
afterEach(() => {
  cleanup();
  resetForTests();
});

describe('wall highlight on the desk', () => {
  it('while a wall is on program, one click on a source highlights it there (pressed = highlighted)', async () => {
    await connect({ layout: WALL });
    render(<LayoutBar />);
    expect(screen.getByRole('button', { name: 'Cam A', pressed: true })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Cam C', pressed: false }));
    await act(flush);
    expect(client.commands()).toEqual([{ command: 'layout.highlight', params: { source: 'cam-c' } }]);
  });

  it('Shift+2 highlights the second source on program; plain 2 still puts it on preview', async () => {
    await connect({ layout: WALL });
    render(<App />);
    fireEvent.keyDown(window, { key: '@', code: 'Digit2', shiftKey: true });
    fireEvent.keyDown(window, { key: '2', code: 'Digit2' });
    await act(flush);
    expect(client.commands().map((c) => c.command)).toEqual(['layout.highlight', 'preview.set']);
    expect(client.commands()[0].params).toEqual({ source: 'cam-b' });
  });

  it('no highlight row when program is not a wall; the Wall and Stack presets go to preview', async () => {
    await connect();
    render(<LayoutBar />);
    expect(screen.queryByText('Highlight on program')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Wall' }));
    fireEvent.click(screen.getByRole('button', { name: 'Stack' }));
    await act(flush);
    expect(client.commands().map((c) => [c.command, (c.params as { preset: string }).preset])).toEqual([
      ['preview.set', 'wall'],
      ['preview.set', 'stack'],
    ]);
  });
});
