/** Pure pieces of the desk: layout geometry and the custom editor's moves, presets, ids, recent shows. */
import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../../shared/protocol.ts';
import { UI_API_VERSION, UI_MAX_REQUEST_BYTES } from '../../renderer/src/client/apiVersion.ts';
import { MAX_BODY_BYTES } from '../../electron/engine/server/ApiServer.ts';
import { PRESETS } from '../../shared/destinationPresets.ts';
import { ShowDocument } from '../../shared/show.ts';
import { editableUrl, formatUptime, formWarnings, withAvailability } from '../../renderer/src/destinations/presets.ts';
import { boxesToPlacements, layoutBoxes, MIN_BOX, moveBox, raise, resizeBox } from '../../renderer/src/layout/geometry.ts';
import { freeId, sourcesOnAir } from '../../renderer/src/store/actions.ts';
import {
  addRecentShow,
  MAX_RECENT_SHOWS,
  parseRecentShows,
  RECENT_SHOWS_KEY,
  readRecentShows,
  removeRecentShow,
  serializeRecentShows,
  showFileName,
  writeRecentShows,
} from '../../renderer/src/store/recentShows.ts';

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
  /** A show with one audible source and the given program settings. */
  const show = (output: object = {}) => ShowDocument.parse({ output, sources: [{ id: 'cam', kind: 'testPattern' }] });
  const warn = (draft: Parameters<typeof formWarnings>[0], output: object = {}) => formWarnings(draft, show(output), '/usr/bin/ffmpeg').join(' ');

  it("are the engine's own list, fixed service URLs not editable", () => {
    const offered = withAvailability(undefined);
    expect(offered.map((p) => p.id)).toEqual(PRESETS.map((p) => p.id));
    const url = (id: string) => offered.find((p) => p.id === id)?.url;
    expect(url('youtube')).toBe('rtmps://a.rtmps.youtube.com:443/live2');
    expect(url('facebook')).toBe('rtmps://live-api-s.facebook.com:443/rtmp/');
    expect(url('twitch')).toBe('rtmps://ingest.global-contribute.live-video.net/app/');
    expect(offered.filter((p) => p.id.startsWith('red5pro')).map((p) => p.kind)).toEqual(['rtmp', 'whip']);
    expect(offered.filter((p) => editableUrl(p)).map((p) => p.id)).toEqual(['red5pro-rtmp', 'red5pro-whip', 'custom-rtmp', 'custom-whip', 'srt', 'recording']);
  });

  it("say what this engine's ffmpeg cannot send, from its destination.presets answer", () => {
    const offered = withAvailability({ presets: [{ id: 'youtube', available: true }, { id: 'srt', available: false, unavailableReason: 'no libsrt' }] });
    expect(offered.map((p) => p.id)).toEqual(PRESETS.map((p) => p.id));
    expect(offered.filter((p) => p.available === false).map((p) => [p.id, p.unavailableReason])).toEqual([['srt', 'no libsrt']]);
    expect(withAvailability({}).every((p) => p.available === undefined)).toBe(true);
  });

  it("warn in the engine preflight's words about what a service would reject, and stay quiet when all is well", () => {
    const youtube = { id: 'yt', kind: 'rtmp', preset: 'youtube', url: 'rtmps://a.rtmps.youtube.com:443/live2', streamKey: 'abcd-efgh' } as const;
    expect(warn(youtube)).toBe('');
    expect(warn({ ...youtube, streamKey: undefined })).toMatch(/no stream key: YouTube will refuse the stream/);
    expect(warn({ ...youtube, preset: 'youtube-backup', url: 'rtmps://b.rtmps.youtube.com:443/live2?backup=1' }, { keyframeIntervalS: 6 })).toMatch(/at least every 4 s.*set the keyframe interval to 2 s/);
    const facebook = warn({ id: 'fb', kind: 'rtmp', preset: 'facebook', url: 'rtmp://live-api-s.facebook.com/rtmp/', streamKey: 'k' }, { width: 2560, height: 1440, cbr: false });
    expect(facebook).toMatch(/only RTMPS.*at most 1080p.*constant bitrate/);
    expect(warn({ id: 'tw', kind: 'rtmp', preset: 'twitch', url: 'rtmps://x/app/', streamKey: 'k' }, { videoBitrateKbps: 8000 })).toMatch(/at most 6 Mbps/);
    expect(warn({ id: 'x', kind: 'whip', preset: 'red5pro-whip', url: 'https://{host}/live/whip/endpoint/{stream}' })).toMatch(/^the URL still has placeholders \(\{host\}, \{stream\}\)/);
    expect(warn({ id: 's', kind: 'srt', preset: 'srt', url: 'srt://{host}:{port}?streamid={stream}' })).toMatch(/\{host\}, \{port\}, \{stream\}/);
    expect(warn({ id: 'r', kind: 'rtmp', preset: 'custom-rtmp', url: 'rtmp://studio.example/live' })).toBe('');
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
    expect(UI_MAX_REQUEST_BYTES).toBe(MAX_BODY_BYTES);
  });
});

describe('recent shows', () => {
  const paths = (n: number) => Array.from({ length: n }, (_, i) => `/shows/show-${i}.json`);

  it('puts the newest path first, without duplicates, at most eight', () => {
    expect(MAX_RECENT_SHOWS).toBe(8);
    expect(addRecentShow([], '/shows/a.json')).toEqual(['/shows/a.json']);
    expect(addRecentShow(['/shows/a.json', '/shows/b.json'], '/shows/b.json')).toEqual(['/shows/b.json', '/shows/a.json']);
    expect(addRecentShow(['/shows/a.json'], '  /shows/b.json \n')).toEqual(['/shows/b.json', '/shows/a.json']);
    const full = paths(8);
    const next = addRecentShow(full, '/shows/new.json');
    expect(next).toHaveLength(8);
    expect(next[0]).toBe('/shows/new.json');
    expect(next).not.toContain('/shows/show-7.json');
    // Re-adding one already in a full list moves it up and drops nothing.
    expect(addRecentShow(full, '/shows/show-5.json')).toEqual(['/shows/show-5.json', ...full.filter((p) => p !== '/shows/show-5.json')]);
    // Not paths: nothing changes (and the input is never mutated).
    expect(addRecentShow(['/a.json'], '   ')).toEqual(['/a.json']);
    expect(addRecentShow(['/a.json'], 'x\0y')).toEqual(['/a.json']);
    expect(full).toEqual(paths(8));
  });

  it('removes one entry', () => {
    expect(removeRecentShow(['/a.json', '/b.json'], '/a.json')).toEqual(['/b.json']);
    expect(removeRecentShow(['/a.json'], '/zzz.json')).toEqual(['/a.json']);
  });

  it('reads back what it wrote', () => {
    const list = addRecentShow(addRecentShow([], 'C:\\Shows\\final.json'), '/home/me/shows/rehearsal.json');
    expect(parseRecentShows(serializeRecentShows(list))).toEqual(list);
  });

  it('survives corrupt or unexpected storage: empty list, or the valid entries only', () => {
    for (const raw of [null, undefined, '', 'not json', '{', 'null', '42', '"a path"', '{"paths":["/a.json"]}']) {
      expect(parseRecentShows(raw), String(raw)).toEqual([]);
    }
    const mixed = JSON.stringify(['/a.json', 7, null, '', '  /padded.json', '/a.json', { path: '/b.json' }, 'x'.repeat(5000), '/b.json']);
    expect(parseRecentShows(mixed)).toEqual(['/a.json', '/b.json']);
    expect(parseRecentShows(JSON.stringify(paths(20)))).toEqual(paths(8));
  });

  it('never throws from storage, whatever it does', () => {
    const map = new Map<string, string>();
    const storage = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v) };
    expect(readRecentShows(storage)).toEqual([]);
    expect(writeRecentShows(storage, ['/a.json'])).toBe(true);
    expect(map.get(RECENT_SHOWS_KEY)).toBe('["/a.json"]');
    expect(readRecentShows(storage)).toEqual(['/a.json']);
    const broken = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(readRecentShows(broken)).toEqual([]);
    expect(writeRecentShows(broken, ['/a.json'])).toBe(false);
    expect(readRecentShows(undefined)).toEqual([]);
    expect(writeRecentShows(undefined, ['/a.json'])).toBe(false);
  });

  it('names the file of a POSIX or Windows path', () => {
    expect(showFileName('/home/me/shows/final.json')).toBe('final.json');
    expect(showFileName('C:\\Users\\me\\Shows\\final.json')).toBe('final.json');
    expect(showFileName('final.json')).toBe('final.json');
    expect(showFileName('/shows/dir/')).toBe('dir');
    expect(showFileName('/')).toBe('/');
  });
});
