import { describe, expect, it } from 'vitest';
import { AudioMixer } from '../../electron/engine/media/AudioMixer.ts';
import { AudioClockRecovery } from '../../electron/engine/media/AudioClockRecovery.ts';
import { AudioRing } from '../../electron/engine/media/AudioRing.ts';
import { encodeTag, FlvDemuxer, flvHeader, isSequenceHeader, isVideoKeyframe, TAG_AUDIO, TAG_VIDEO } from '../../electron/engine/media/flv.ts';
import { RawFrameReader } from '../../electron/engine/media/RawFrameReader.ts';
import { allocFrame, averageYuv, blendRgba, blit, crossFade, hexToYuv, scaleNearest, yuvToRgb } from '../../electron/engine/media/yuv.ts';
import { samplesForTick } from '../../electron/engine/program/ProgramClock.ts';

describe('yuv', () => {
  it('blits a tile where asked and nowhere else', () => {
    const canvas = allocFrame(64, 32, { y: 16, u: 128, v: 128 });
    const red = hexToYuv('#ff0000');
    blit(canvas, allocFrame(16, 8, red), 32, 16);
    expect(averageYuv(canvas, 32, 16, 16, 8)).toEqual(red);
    expect(averageYuv(canvas, 0, 0, 32, 16)).toEqual({ y: 16, u: 128, v: 128 });
  });

  it('clips tiles that overhang the canvas', () => {
    const canvas = allocFrame(32, 32);
    blit(canvas, allocFrame(32, 32, { y: 200, u: 100, v: 100 }), 16, 16);
    expect(averageYuv(canvas, 16, 16, 16, 16).y).toBe(200);
    expect(averageYuv(canvas, 0, 0, 16, 16).y).toBe(16);
  });

  it('colour conversion round-trips within a step', () => {
    for (const hex of ['#c0392b', '#27ae60', '#2980b9', '#ffffff']) {
      const n = Number.parseInt(hex.slice(1), 16);
      const rgb = yuvToRgb(hexToYuv(hex));
      expect(Math.abs(rgb[0] - ((n >> 16) & 255))).toBeLessThan(4);
      expect(Math.abs(rgb[1] - ((n >> 8) & 255))).toBeLessThan(4);
      expect(Math.abs(rgb[2] - (n & 255))).toBeLessThan(4);
    }
  });

  it('scales nearest-neighbour keeping regions', () => {
    const src = allocFrame(64, 64, { y: 50, u: 128, v: 128 });
    blit(src, allocFrame(32, 64, { y: 200, u: 128, v: 128 }), 32, 0);
    const out = scaleNearest(src, 32, 16);
    expect(averageYuv(out, 0, 0, 16, 16).y).toBe(50);
    expect(averageYuv(out, 16, 0, 16, 16).y).toBe(200);
  });

  it('cross-fades linearly', () => {
    const a = allocFrame(4, 4, { y: 0, u: 0, v: 0 });
    const b = allocFrame(4, 4, { y: 200, u: 200, v: 200 });
    const out = allocFrame(4, 4);
    crossFade(a, b, 0.5, out);
    expect(out.data[0]).toBe(100);
  });

  it('alpha-blends RGBA with partial coverage (no hard box)', () => {
    const canvas = allocFrame(4, 4, { y: 16, u: 128, v: 128 });
    const rgba = new Uint8Array(4 * 4 * 4);
    for (let i = 0; i < 16; i++) rgba.set([255, 255, 255, i < 8 ? 255 : 128], i * 4);
    blendRgba(canvas, rgba, 4, 4, 0, 0);
    expect(canvas.data[0]).toBe(235);
    expect(canvas.data[12]).toBeGreaterThan(110);
    expect(canvas.data[12]).toBeLessThan(140);
  });
});

describe('RawFrameReader', () => {
  it('reassembles frames from arbitrary chunks', () => {
    const reader = new RawFrameReader(6);
    const out = [...reader.push(Buffer.from([1, 2, 3, 4])), ...reader.push(Buffer.from([5, 6, 7, 8, 9, 10, 11, 12, 13]))];
    expect(out.map((b) => [...b])).toEqual([
      [1, 2, 3, 4, 5, 6],
      [7, 8, 9, 10, 11, 12],
    ]);
    expect(reader.push(Buffer.from([14, 15, 16, 17, 18])).map((b) => [...b])).toEqual([[13, 14, 15, 16, 17, 18]]);
  });
});

describe('AudioRing', () => {
  const block = (value: number, samples: number) => Buffer.from(new Int16Array(samples * 2).fill(value).buffer);

  it('waits for its pre-buffer, then plays in order, then pads silence on underrun', () => {
    const ring = new AudioRing(20, 200);
    const out = new Int16Array(480 * 2);
    ring.push(block(7, 480)); // 10 ms: below the 20 ms pre-buffer
    ring.read(out);
    expect(out.every((v) => v === 0)).toBe(true);
    ring.push(block(9, 960)); // now 30 ms buffered
    ring.read(out);
    expect(out[0]).toBe(7);
    ring.read(out);
    expect(out[0]).toBe(9);
    ring.read(out);
    ring.read(out);
    expect(ring.underruns).toBe(1);
    expect(out[out.length - 1]).toBe(0);
  });

  it('trims the oldest audio above its maximum so delay stays bounded', () => {
    const ring = new AudioRing(0, 100);
    ring.push(block(1, 4800)); // 100 ms
    ring.push(block(2, 4800)); // +100 ms: the first 100 ms must go
    expect(ring.bufferedMs).toBeCloseTo(100, 0);
    const out = new Int16Array(2);
    ring.read(out);
    expect(out[0]).toBe(2);
  });
});

describe('AudioMixer', () => {
  it('applies gain and mute, clips, meters, and computes mix-minus', () => {
    const mixer = new AudioMixer(4);
    const a = new Int16Array(8).fill(1000);
    const b = new Int16Array(8).fill(2000);
    const out = new Int16Array(8);
    mixer.mix(
      [
        { id: 'a', samples: a, gainDb: 0, muted: false },
        { id: 'b', samples: b, gainDb: -6.0206, muted: false },
      ],
      out,
    );
    expect(out[0]).toBe(2000);
    const minusA = new Int16Array(8);
    mixer.mixMinus('a', minusA);
    expect(minusA[0]).toBe(1000);
    const meters = mixer.takeMeters();
    expect(meters.sources.a.peakDb[0]).toBeCloseTo(20 * Math.log10(1000 / 32768), 1);
    mixer.mix([{ id: 'a', samples: a, gainDb: 0, muted: true }], out);
    expect(out[0]).toBe(0);
    mixer.mix([{ id: 'a', samples: new Int16Array(8).fill(30000), gainDb: 6, muted: false }], out);
    expect(out[0]).toBe(32767);
  });

  it('gives every tick the samples that keep audio in step with video', () => {
    let total = 0;
    for (let i = 0; i < 30 * 60; i++) total += samplesForTick(i, 30);
    expect(total).toBe(48_000 * 60);
    total = 0;
    for (let i = 0; i < 7 * 100; i++) total += samplesForTick(i, 7);
    expect(total).toBe(48_000 * 100);
  });
});

describe('FLV', () => {
  it('round-trips tags through writer and streaming demuxer, with 32-bit timestamps', () => {
    const avcHeader = encodeTag(TAG_VIDEO, 0, Buffer.from([0x17, 0, 0, 0, 0, 1, 2]));
    const key = encodeTag(TAG_VIDEO, 0x1234567, Buffer.from([0x17, 1, 0, 0, 0, 9]));
    const inter = encodeTag(TAG_VIDEO, 40, Buffer.from([0x27, 1, 0, 0, 0, 9]));
    const aac = encodeTag(TAG_AUDIO, 20, Buffer.from([0xaf, 0, 0x12, 0x10]));
    const stream = Buffer.concat([flvHeader(), avcHeader, key, inter, aac]);
    const demuxer = new FlvDemuxer();
    const tags = [...demuxer.push(stream.subarray(0, 20)), ...demuxer.push(stream.subarray(20, 33)), ...demuxer.push(stream.subarray(33))];
    expect(tags).toHaveLength(4);
    expect(isSequenceHeader(tags[0])).toBe(true);
    expect(isVideoKeyframe(tags[1])).toBe(true);
    expect(tags[1].timestamp).toBe(0x1234567);
    expect(isVideoKeyframe(tags[2])).toBe(false);
    expect(isSequenceHeader(tags[3])).toBe(true);
  });

  it('refuses a stream that is not FLV', () => {
    expect(() => new FlvDemuxer().push(Buffer.from('not an flv stream at all'))).toThrow(/not an FLV/);
  });
});

describe('AudioRing resampled reads', () => {
  const sine = (frames: number, hz: number, from = 0) => {
    const s = new Int16Array(frames * 2);
    for (let i = 0; i < frames; i++) s[2 * i] = s[2 * i + 1] = Math.round(10000 * Math.sin((2 * Math.PI * hz * (from + i)) / 48000));
    return Buffer.from(s.buffer);
  };

  it('plays 0.5 % faster by consuming 0.5 % more, without clicks', () => {
    const ring = new AudioRing(0, 1000);
    ring.push(sine(48000, 440));
    const out = new Int16Array(1600 * 2);
    let maxStep = 0;
    let last = 0;
    for (let t = 0; t < 20; t++) {
      ring.read(out, 1.005);
      for (let i = 0; i < out.length; i += 2) {
        if (t + i > 0) maxStep = Math.max(maxStep, Math.abs(out[i] - last));
        last = out[i];
      }
    }
    expect(ring.consumedFrames).toBeGreaterThanOrEqual(Math.floor(20 * 1600 * 1.005) - 1);
    expect(ring.consumedFrames).toBeLessThanOrEqual(Math.ceil(20 * 1600 * 1.005) + 1);
    // A 440 Hz sine of amplitude 10000 moves at most ~576 per sample (×1.005): no discontinuity.
    expect(maxStep).toBeLessThan(600);
  });

  it('delay() plays silence first without consuming; skip() drops the oldest', () => {
    const ring = new AudioRing(0, 1000);
    ring.push(Buffer.from(new Int16Array(200).fill(5).buffer));
    ring.delay(30);
    const out = new Int16Array(100);
    ring.read(out);
    expect(out[59]).toBe(0);
    expect(out[60]).toBe(5);
    expect(ring.consumedFrames).toBe(20);
    ring.skip(50);
    expect(ring.consumedFrames).toBe(70);
    expect(ring.writtenFrames).toBe(100);
  });
});

describe('AudioClockRecovery', () => {
  it('follows a source whose audio runs 0.5 % fast: the lead settles at its target with no hard resync', () => {
    const clock = new AudioClockRecovery({ targetMs: 60 });
    const period = 1 / 30; // steady from the start: the settling rule never fires
    let written = 0.06 * 48000; // primed at the target
    let consumed = 0;
    const leads: number[] = [];
    for (let tick = 0; tick < 30 * 300; tick++) {
      written += 1600 * 1.005;
      const lead = written - consumed; // measured before this tick's block is played
      const step = clock.step(lead, period);
      consumed += 1600 * step.ratio + step.dropFrames;
      leads.push((lead / 48000) * 1000);
    }
    const lastMinute = leads.slice(-30 * 60);
    expect(clock.hardResyncs).toBe(0);
    expect(Math.max(...lastMinute)).toBeLessThan(60 + 1);
    expect(Math.min(...lastMinute)).toBeGreaterThan(60 - 1);
    expect(clock.ratio).toBeCloseTo(1.005, 3);
  });

  it('in its first seconds, a source whose lead moves by a frame (frames start waiting) is aligned at once, not over 3 s', () => {
    const clock = new AudioClockRecovery({ targetMs: 60 });
    clock.step(0.06 * 48000, 1 / 30);
    let aligned: { dropFrames: number; silenceFrames: number } | undefined;
    for (let i = 0; i < 30 && !aligned; i++) {
      const step = clock.step((0.06 - 0.033) * 48000, 1 / 30); // the picture on screen is a frame older
      if (step.silenceFrames > 0) aligned = step;
    }
    expect(aligned?.silenceFrames).toBeGreaterThan(0.015 * 48000);
    // After the settling time the same jump is resampled away instead.
    const later = new AudioClockRecovery({ targetMs: 60, settleS: 0 });
    later.step(0.06 * 48000, 1 / 30);
    for (let i = 0; i < 30; i++) expect(later.step((0.06 - 0.033) * 48000, 1 / 30).silenceFrames).toBe(0);
    expect(later.ratio).toBeLessThan(1);
  });

  it('in its first seconds, a source 100 ms late is aligned by the whole 100 ms once, not in 15 ms bites (#10)', () => {
    const clock = new AudioClockRecovery({ targetMs: 60 });
    clock.step(0.06 * 48000, 1 / 30);
    let written = 0.16 * 48000 - 1600; // 100 ms more audio than the target behind the picture (with this tick's block)
    let consumed = 0;
    const drops: number[] = [];
    for (let tick = 0; tick < 60; tick++) {
      written += 1600;
      const step = clock.step(written - consumed, 1 / 30);
      if (step.dropFrames > 0) drops.push(step.dropFrames);
      consumed += 1600 * step.ratio + step.dropFrames;
    }
    expect(drops.length, `drops ${drops}`).toBe(1);
    expect(Math.abs(drops[0] - 0.1 * 48000)).toBeLessThan(0.005 * 48000);
  });

  it('aligns a starting source at once and cuts a burst far beyond what resampling absorbs', () => {
    const clock = new AudioClockRecovery({ targetMs: 60, settleS: 0 });
    expect(clock.step(0.02 * 48000, 1 / 30)).toEqual({ ratio: 1, dropFrames: 0, silenceFrames: 1920 });
    clock.step(0.06 * 48000, 1 / 30);
    let step = clock.step(0.06 * 48000, 1 / 30);
    for (let i = 0; i < 60 && step.dropFrames === 0; i++) step = clock.step(1.06 * 48000, 1 / 30);
    expect(step.dropFrames).toBe(48000);
    expect(clock.hardResyncs).toBe(1);
  });
});
