// @vitest-environment jsdom
/** The status bar says "objects offline" while the shared-object backend (Redis) is away, and stops saying it when it is back. */
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatusBar } from '../../renderer/src/components/StatusBar.tsx';
import { connectEngine, resetForTests } from '../../renderer/src/store/actions.ts';
import { FakeEngineClient, flush, sampleState } from './fakes.ts';

beforeEach(() => resetForTests());
afterEach(() => {
  cleanup();
  resetForTests();
});

describe('objects offline in the status bar', () => {
  it('follows objects.statusChanged', async () => {
    const client = new FakeEngineClient({ ...sampleState(), objects: { backend: 'redis', online: true } });
    connectEngine(client);
    await act(flush);
    render(<StatusBar />);
    expect(screen.queryByText('objects offline')).toBeNull();
    await act(async () => client.emit('objects.statusChanged', { backend: 'redis', online: false, message: 'objects offline: overlays show the last state' }));
    expect(screen.getByText('objects offline').getAttribute('title')).toMatch(/last state/);
    await act(async () => client.emit('objects.statusChanged', { backend: 'redis', online: true }));
    expect(screen.queryByText('objects offline')).toBeNull();
  });
});
