/**
 * What the desk needs from the engine besides new commands: setting one output field keeps the
 * others, hidden overlays stay hidden when the program restarts (output.set), and the preview
 * monitor's overlays follow the program's with cued ones added.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GraphicsLayer } from '../../electron/engine/graphics/GraphicsLayer.ts';
import { PreviewGraphics } from '../../electron/engine/graphics/PreviewGraphics.ts';
import { scoreRows } from '../../electron/engine/graphics/renderers.ts';
import { allocFrame, rgbToYuv, type YuvFrame } from '../../electron/engine/media/yuv.ts';
import { SharedObjectStore } from '../../electron/engine/objects/SharedObjectStore.ts';
import { OverlaySpec } from '../../shared/objects.ts';
import { COMMANDS } from '../../shared/protocol.ts';

const GREY = rgbToYuv(128, 128, 128);
const layers: { dispose(): void }[] = [];
afterEach(() => {
  for (const l of layers.splice(0)) l.dispose();
});
const lumaAt = (f: YuvFrame, x: number, y: number) => f.data[y * f.width + x];
/** A lower third's panel (dark) at the default box: a pixel well inside it. */
const inLowerThird = (f: YuvFrame) => lumaAt(f, Math.round(f.width * 0.3), Math.round(f.height * 0.8));

describe('settings commands change only the fields given', () => {
  it('output.set, webrtc.set and program.take fill in no defaults (only the program they act on: main)', () => {
    expect(COMMANDS['output.set'].params.parse({ width: 1920, height: 1080 })).toEqual({ programId: 'main', width: 1920, height: 1080 });
    expect(COMMANDS['webrtc.set'].params.parse({ publicUrl: 'https://studio.example.com' })).toEqual({ publicUrl: 'https://studio.example.com' });
    expect(COMMANDS['program.take'].params.parse({})).toEqual({ programId: 'main' });
    // ...and still validate what is given, with the schema's own message.
    const refused = COMMANDS['output.set'].params.safeParse({ width: 1921 });
    expect(refused.success).toBe(false);
    expect(COMMANDS['output.set'].params.safeParse({ nonsense: 1 }).success).toBe(false);
  });
});

describe('overlays across a program restart', () => {
  it('a hidden overlay stays hidden when the program clock starts again from 0', () => {
    const layer = new GraphicsLayer();
    layers.push(layer);
    layer.add({ id: 'lt', kind: 'lowerThird', name: 'Ada', fadeMs: 300 });
    const frame = allocFrame(640, 360, GREY);
    layer.compose(frame, 50_000);
    layer.compose(frame, 50_400);
    layer.hide('lt');
    for (const t of [50_500, 50_900]) layer.compose(allocFrame(640, 360, GREY), t);
    // output.set restarts the program: its frames count from 0 again.
    const after = allocFrame(640, 360, GREY);
    layer.compose(after, 67);
    expect(inLowerThird(after)).toBe(GREY.y);
    expect(layer.get('lt').opacity).toBe(0);
  });
});

describe('why an overlay shows nothing is announced', () => {
  it('a non-image as a logo: overlay.changed carries the message, without a compose', async () => {
    const layer = new GraphicsLayer();
    layers.push(layer);
    const seen: (string | undefined)[] = [];
    layer.on('changed', ({ overlays }) => seen.push(overlays.find((o) => o.id === 'logo')?.message));
    layer.add({ id: 'logo', kind: 'image', src: `data:text/plain;base64,${Buffer.from('not an image').toString('base64')}` });
    await layer.whenLoaded();
    await new Promise((r) => setImmediate(r));
    expect(seen.at(-1)).toMatch(/^Could not load image for overlay "logo": /);
  });
});

describe('overlay.thumbnail: the engine draws a graphic for the desk list, shown or not', () => {
  it('returns a PNG of the overlay at its box on a 640×360 program', async () => {
    const { loadImage } = await import('@napi-rs/canvas');
    const layer = new GraphicsLayer();
    layers.push(layer);
    layer.add({ id: 'lt', kind: 'lowerThird', name: 'Ada Lovelace', title: 'Engineer', visible: false });
    const thumb = layer.thumbnail('lt');
    expect([thumb.width, thumb.height]).toEqual([320, 46]);
    expect(thumb.png).toMatch(/^data:image\/png;base64,/);
    const img = await loadImage(Buffer.from(thumb.png.split(',')[1], 'base64'));
    expect([img.width, img.height]).toEqual([320, 46]);
    expect(() => layer.thumbnail('nope')).toThrow(/No overlay "nope"/);
  });
});

describe('scoreboard: a kv object as a score table', () => {
  it('shows the keys asked for, in order, or the first 8; draws the scores in the accent colour', async () => {
    const spec = OverlaySpec.parse({ id: 'score', kind: 'scoreboard', object: 'score' });
    if (spec.kind !== 'scoreboard') throw new Error('kind');
    expect(scoreRows(spec, { entries: { home: 2, away: 1, note: { x: 1 } } })).toEqual([['home', '2'], ['away', '1'], ['note', '{"x":1}']]);
    expect(scoreRows({ ...spec, keys: ['away', 'guests'] }, { entries: { home: 2, away: 1 } })).toEqual([['away', '1'], ['guests', '–']]);

    const store = new SharedObjectStore();
    await store.create('score', 'kv', {}, { role: 'producer' });
    await store.apply('score', 'set', { key: 'home', value: 3 }, { role: 'producer' });
    const layer = new GraphicsLayer({ objects: store });
    layers.push(layer);
    // A kv object only: a scoreboard on a poll is refused with the engine's message.
    await store.create('a-poll', 'poll', {}, { role: 'producer' });
    expect(() => layer.add({ id: 'bad', kind: 'scoreboard', object: 'a-poll' })).toThrow(/is a poll; a scoreboard overlay shows a kv/);
    layer.add({ id: 'score', kind: 'scoreboard', object: 'score', fadeMs: 0 });
    const frame = allocFrame(1280, 720, GREY);
    layer.compose(frame, 0);
    // The accent (#f2b705, yellow: low U) appears in the value column of the box.
    let yellow = 0;
    const box = { x: Math.round(0.2 * 1280), y: Math.round(0.07 * 720), w: Math.round(0.09 * 1280), h: Math.round(0.12 * 720) };
    for (let y = box.y; y < box.y + box.h; y += 2)
      for (let x = box.x; x < box.x + box.w; x += 2) if (frame.data[1280 * 720 + (y >> 1) * 640 + (x >> 1)] < 90) yellow++;
    expect(yellow).toBeGreaterThan(20);
    await store.close();
  });
});

describe('PreviewGraphics: the preview monitor shows what is on air plus what is cued', () => {
  it('follows adds, cues, shows and removals of the program layer', async () => {
    const program = new GraphicsLayer();
    const preview = new PreviewGraphics(program, new GraphicsLayer());
    layers.push(program, preview);
    program.add({ id: 'lt', kind: 'lowerThird', name: 'Ada', visible: false, fadeMs: 0 });
    const composeBoth = (t: number) => {
      const p = allocFrame(640, 360, GREY);
      const v = allocFrame(320, 180, GREY);
      program.compose(p, t);
      preview.layer.compose(v, t);
      return { program: inLowerThird(p), preview: inLowerThird(v) };
    };
    expect(composeBoth(0)).toEqual({ program: GREY.y, preview: GREY.y });
    program.update({ id: 'lt', onPreview: true });
    const cued = composeBoth(40);
    expect(cued.program).toBe(GREY.y);
    expect(cued.preview).not.toBe(GREY.y);
    program.update({ id: 'lt', visible: true, onPreview: false });
    const onAir = composeBoth(80);
    expect(onAir.program).not.toBe(GREY.y);
    expect(onAir.preview).not.toBe(GREY.y);
    program.remove('lt');
    expect(preview.layer.list()).toEqual([]);
  });
});
