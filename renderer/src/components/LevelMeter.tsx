/**
 * A stereo peak/RMS meter on the fast path: it subscribes to meters.ts and moves its own DOM nodes
 * (transforms only), so ten updates a second re-render nothing. Peak hold falls back after 1.5 s.
 */
import { useEffect, useRef } from 'react';
import { latestMeters, meterFor, meterFraction, subscribeMeters } from '../store/meters.ts';

const HOLD_MS = 1500;

export function LevelMeter({ channel, label }: { channel: string; label: string }) {
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = root.current;
    if (!el) return;
    const covers = el.querySelectorAll<HTMLElement>('.meter-cover');
    const peaks = el.querySelectorAll<HTMLElement>('.meter-peak');
    const holds = el.querySelectorAll<HTMLElement>('.meter-hold');
    const hold = [{ db: -Infinity, at: 0 }, { db: -Infinity, at: 0 }];
    let frame = 0;
    let pending = false;

    const draw = () => {
      pending = false;
      const { frame: meters } = latestMeters();
      const level = meterFor(meters, channel);
      const now = Date.now();
      for (let ch = 0; ch < 2; ch++) {
        const rms = level ? level.rmsDb[ch] : -Infinity;
        const peak = level ? level.peakDb[ch] : -Infinity;
        if (peak >= hold[ch].db || now - hold[ch].at > HOLD_MS) hold[ch] = { db: peak, at: now };
        covers[ch].style.transform = `scaleY(${1 - meterFraction(rms)})`;
        peaks[ch].style.transform = `translateY(${(1 - meterFraction(peak)) * 100}%)`;
        holds[ch].style.transform = `translateY(${(1 - meterFraction(hold[ch].db)) * 100}%)`;
      }
      const peakDb = level ? Math.max(level.peakDb[0], level.peakDb[1]) : -Infinity;
      el.dataset.peakDb = Number.isFinite(peakDb) ? peakDb.toFixed(1) : '-inf';
      el.dataset.updates = String(Number(el.dataset.updates ?? 0) + 1);
      el.title = `${label}: peak ${el.dataset.peakDb} dBFS`;
    };
    const schedule = () => {
      if (pending) return;
      pending = true;
      frame = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(draw) : (setTimeout(draw, 16) as unknown as number);
    };
    const off = subscribeMeters(schedule);
    schedule();
    return () => {
      off();
      if (typeof cancelAnimationFrame === 'function') cancelAnimationFrame(frame);
      else clearTimeout(frame);
    };
  }, [channel, label]);

  return (
    <div className="meter" ref={root} data-meter={channel} aria-hidden="true">
      {[0, 1].map((ch) => (
        <div className="meter-bar" key={ch}>
          <div className="meter-cover" />
          <div className="meter-peak" />
          <div className="meter-hold" />
        </div>
      ))}
    </div>
  );
}
