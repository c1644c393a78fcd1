/**
 * The tone meters the audio e2e tests read levels with (test/helpers/media.ts). Why two: the
 * mix-minus test once read one guest's tone 10–25 dB low in another guest's return (issue #10,
 * item 10) while that tone's energy was the same as the others'. Its meter was one coherent DFT
 * over 1.5 s, and WebRTC audio is not one unbroken stretch: the receiving browser stretches and
 * squeezes playout, and a source ring that runs dry under load restarts the tone at another phase.
 * These tests hold a 1.5 s tone with such a break, and one pitched 0.2 % high (the clock recovery's
 * resampling), against both meters.
 */
import { describe, expect, it } from 'vitest';
import { toneEnergyDb, toneLevelsDb } from '../helpers/media.ts';

const RATE = 48_000;
const AMPLITUDE = 0.01; // −40 dBFS

function tone(hz: number, seconds: number, breakAtS?: number, phaseJump = Math.PI): Float32Array {
  const out = new Float32Array(Math.round(RATE * seconds));
  for (let i = 0; i < out.length; i++) {
    const jump = breakAtS !== undefined && i >= breakAtS * RATE ? phaseJump : 0;
    out[i] = AMPLITUDE * Math.sin((2 * Math.PI * hz * i) / RATE + jump);
  }
  return out;
}

describe('tone meters', () => {
  it('read an unbroken tone at its level, and another tone 260 Hz away as absent', () => {
    const t = tone(440, 1.5);
    expect(toneLevelsDb(t, RATE, [440])[0]).toBeCloseTo(-40, 0);
    const [level, other] = toneEnergyDb(t, RATE, [440, 700]);
    expect(level).toBeCloseTo(-40, 0);
    expect(other).toBeLessThan(-100);
  });

  it('a phase jump halfway (a dropout, playout stretched): the coherent DFT loses the tone, the energy meter does not', () => {
    const broken = tone(700, 1.5, 0.75);
    expect(toneLevelsDb(broken, RATE, [700])[0]).toBeLessThan(-60);
    expect(Math.abs(toneEnergyDb(broken, RATE, [700])[0] + 40)).toBeLessThan(0.5);
  });

  it('a pitch 0.2 % high (clock recovery resampling): the coherent DFT reads it 10+ dB low, the energy meter within 0.5 dB', () => {
    const sharp = tone(1100 * 1.002, 1.5);
    expect(toneLevelsDb(sharp, RATE, [1100])[0]).toBeLessThan(-50);
    expect(Math.abs(toneEnergyDb(sharp, RATE, [1100])[0] + 40)).toBeLessThan(0.5);
  });

  it('silence reads as silence', () => {
    expect(toneEnergyDb(new Float32Array(RATE), RATE, [440])[0]).toBeLessThan(-150);
  });
});
