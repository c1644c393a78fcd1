/** Pure pieces of the desk: layout geometry and the custom editor's moves, presets, ids. */
import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../../shared/protocol.ts';
import { UI_API_VERSION } from '../../renderer/src/client/apiVersion.ts';
import { DESTINATION_PRESETS, formatUptime, preflightWarnings, presetsFromEngine } from '../../renderer/src/destinations/presets.ts';
import { boxesToPlacements, layoutBoxes, MIN_BOX, moveBox, raise, resizeBox } from '../../renderer/src/layout/geometry.ts';
import { freeId, sourcesOnAir } from '../../renderer/src/store/actions.ts';

const output = { width: 1280, height: 720, fps: 30, videoBitrateKbps: 4500, audioBitrateKbps: 128, keyframeIntervalS: 2, encoder: 'auto', x264Preset: 'veryfast', cbr: true } as const;
const layout = (preset: 'solo' | 'grid' | 'spotlight' | 'pip' | 'sideBySide', sources: string[]) => ({ preset, sources, fit: 'fit' as const, gap: 0, background: '#000000' });

describe('layout geometry', () => {
  it('draws monitors with the engine’s own layout math, in canvas fractions', () => {
    const grid = layoutBoxes(layout('grid', ['a', 'b', 'c', 'd']), 1280, 720);
    expect(grid.map((b) => [b.source, b.x, b.y, b.width, b.height])).toEqual([
      ['a', 0, 0, 0.5, 0.5],
      ['b', 0.5, 0, 0.5, 0.5],
      ['c', 0, 0.5, 0.5, 0.5],
      ['d', 0.5, 0.5, 0.5, 0.5],
    ]);
    const spotlight = layoutBoxes(layout('spotlight', ['main', 'x', 'y']), 1280, 720);
    expect(spotlight[0]).toMatchObject({ source: 'main', x: 0, y: 0, width: 0.75, height: 1 });
    expect(spotlight.slice(1).every((b) => b.x >= 0.75 && b.z === 1)).toBe(true);
  });

  it('moves boxes but keeps them on the canvas', () => {
    const box = { source: 'a', x: 0.5, y: 0.5, width: 0.4, height: 0.4, z: 0 };
    expect(moveBox(box, 0.05, -0.1)).toMatchObject({ x: 0.55, y: 0.4 });
    expect(moveBox(box, 0.5, 0.5)).toMatchObject({ x: 0.6, y: 0.6 });
    expect(moveBox(box, -1, -1)).toMatchObject({ x: 0, y: 0 });
  });

  it('resizes from the corner within the canvas, with a minimum size, optionally keeping the shape', () => {
    const box = { source: 'a', x: 0.5, y: 0.25, width: 0.2, height: 0.2, z: 0 };
    expect(resizeBox(box, 0.1, 0.05)).toMatchObject({ width: 0.3, height: 0.25 });
    expect(resizeBox(box, 1, 1)).toMatchObject({ width: 0.5, height: 0.75 });
    expect(resizeBox(box, -1, -1)).toMatchObject({ width: MIN_BOX, height: MIN_BOX });
    expect(resizeBox(box, 0.2, 0.05, true)).toMatchObject({ width: 0.4, height: 0.4 });
  });

  it('turns editor boxes into placements in drawing order', () => {
    const boxes = [
      { source: 'a', x: 0, y: 0, width: 1, height: 1, z: 0 },
      { source: 'b', x: 0.7, y: 0.7, width: 0.25, height: 0.25, z: 0 },
    ];
    const raised = raise(boxes, 0);
    expect(raised.map((b) => b.source)).toEqual(['b', 'a']);
    expect(boxesToPlacements(raised)).toEqual([
      { source: 'b', x: 0.7, y: 0.7, width: 0.25, height: 0.25, z: 0 },
      { source: 'a', x: 0, y: 0, width: 1, height: 1, z: 1 },
    ]);
  });

  it('counts only the sources a preset shows as on air (tally)', () => {
    expect(sourcesOnAir(layout('solo', ['a', 'b']))).toEqual(['a']);
    expect(sourcesOnAir(layout('pip', ['a', 'b', 'c']))).toEqual(['a', 'b']);
    expect(sourcesOnAir(layout('grid', ['a', 'b', 'c']))).toEqual(['a', 'b', 'c']);
  });
});

describe('destination presets', () => {
  it('carry the ingest URLs of the big services', () => {
    const url = (id: string) => DESTINATION_PRESETS.find((p) => p.id === id)?.url;
    expect(url('youtube')).toBe('rtmps://a.rtmps.youtube.com:443/live2');
    expect(url('facebook')).toBe('rtmps://live-api-s.facebook.com:443/rtmp/');
    expect(url('twitch')).toBe('rtmps://ingest.global-contribute.live-video.net/app/');
    expect(DESTINATION_PRESETS.map((p) => p.kind)).toEqual(expect.arrayContaining(['rtmp', 'whip', 'srt', 'recording']));
    expect(DESTINATION_PRESETS.filter((p) => p.id.startsWith('red5pro')).map((p) => p.kind)).toEqual(['rtmp', 'whip']);
  });

  it('come from the engine when it lists them, fixed service URLs not editable', () => {
    const listed = presetsFromEngine({
      presets: [
        { id: 'youtube', label: 'YouTube (RTMPS)', kind: 'rtmp', url: 'rtmps://a.rtmps.youtube.com:443/live2', alternateUrls: [{ label: 'Backup', url: 'rtmps://b' }], secretLabel: 'Stream key', help: 'h', available: true },
        { id: 'srt', label: 'SRT (caller)', kind: 'srt', url: 'srt://{host}:{port}', help: 'h', available: false, unavailableReason: 'no libsrt' },
      ],
    });
    expect(listed?.map((p) => [p.id, p.name, p.editableUrl, p.available])).toEqual([
      ['youtube', 'YouTube (RTMPS)', false, true],
      ['srt', 'SRT (caller)', true, false],
    ]);
    expect(listed?.[0].alternateUrls).toHaveLength(1);
    expect(presetsFromEngine({})).toBeUndefined();
    expect(presetsFromEngine(undefined)).toBeUndefined();
  });

  it('warn about what a service would reject, and stay quiet when all is well', () => {
    expect(preflightWarnings('youtube', 'rtmp', 'rtmps://a.rtmps.youtube.com:443/live2', output)).toEqual([]);
    expect(preflightWarnings('youtube-backup', 'rtmp', 'rtmps://b.rtmps.youtube.com:443/live2?backup=1', { ...output, keyframeIntervalS: 6 }).join(' ')).toMatch(/never more than 4 s/);
    expect(preflightWarnings('facebook', 'rtmp', 'rtmp://live-api-s.facebook.com/rtmp/', { ...output, height: 1440 }).join(' ')).toMatch(/RTMPS only.*1080p/);
    expect(preflightWarnings('twitch', 'rtmp', 'rtmps://x/app/', { ...output, videoBitrateKbps: 8000 }).join(' ')).toMatch(/6 Mbps/);
    expect(preflightWarnings('red5pro-whip', 'whip', 'https://{host}/live/whip/endpoint/{stream}', output).join(' ')).toMatch(/keyframe.*Replace \{host\}, \{stream\}/s);
  });

  it('formats uptime like a clock', () => {
    expect(formatUptime(65)).toBe('1:05');
    expect(formatUptime(3725)).toBe('1:02:05');
  });
});

describe('ids and versions', () => {
  it('makes readable ids that are not taken', () => {
    expect(freeId('Wide Shot!', [])).toBe('wide-shot');
    expect(freeId('cam', ['cam', 'cam-2'])).toBe('cam-3');
    expect(freeId('***', [])).toBe('item');
  });

  it('the UI speaks the protocol’s API version', () => {
    expect(UI_API_VERSION).toBe(API_VERSION);
  });
});
