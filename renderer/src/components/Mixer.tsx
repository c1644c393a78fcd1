/**
 * The audio mixer: a strip per source and one for the program master, each with a fader in dB
 * (→ audio.set), mute, and a peak/RMS meter fed by meters.updated on the fast path.
 */
import { useEffect, useRef, useState } from 'react';
import { setGain, setMuted } from '../store/actions.ts';
import { useCutline } from '../store/store.ts';
import { LevelMeter } from './LevelMeter.tsx';

const MIN_DB = -60;
const MAX_DB = 20;
/** While dragging, send at most this often; the last value is always sent. */
const SEND_EVERY_MS = 80;

export function Fader({ channel, label, gainDb, muted }: { channel: string; label: string; gainDb: number; muted: boolean }) {
  // Local value while the producer drags, so a state read in flight never yanks the fader back.
  const [local, setLocal] = useState<number | null>(null);
  const lastSent = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const value = local ?? gainDb;
  useEffect(() => () => clearTimeout(timer.current), []);

  const send = (db: number, now = false) => {
    clearTimeout(timer.current);
    const wait = SEND_EVERY_MS - (Date.now() - lastSent.current);
    if (now || wait <= 0) {
      lastSent.current = Date.now();
      void setGain(channel, db);
    } else {
      timer.current = setTimeout(() => send(db, true), wait);
    }
  };
  const release = () => {
    if (local === null) return;
    send(local, true);
    setLocal(null);
  };

  return (
    <div className={`strip${muted ? ' strip-muted' : ''}${channel === 'program' ? ' strip-master' : ''}`} data-strip={channel}>
      <div className="strip-label" title={label}>
        {label}
      </div>
      <div className="strip-body">
        <LevelMeter channel={channel} label={label} />
        <input
          className="fader"
          type="range"
          min={MIN_DB}
          max={MAX_DB}
          step={0.5}
          value={value}
          aria-label={`${label} gain in dB`}
          aria-valuetext={`${value.toFixed(1)} dB`}
          onChange={(e) => {
            const db = Number(e.target.value);
            setLocal(db);
            send(db);
          }}
          onPointerUp={release}
          onKeyUp={release}
          onBlur={release}
          onDoubleClick={() => {
            setLocal(null);
            send(0, true);
          }}
        />
      </div>
      <div className="strip-db" data-gain-db={value}>
        {value > 0 ? '+' : ''}
        {value.toFixed(1)} dB
      </div>
      <button type="button" className={`mute${muted ? ' on' : ''}`} aria-pressed={muted} aria-label={`Mute ${label}`} onClick={() => void setMuted(channel, !muted)}>
        M
      </button>
    </div>
  );
}

export function Mixer() {
  const engine = useCutline((s) => s.engine);
  if (!engine) return null;
  const labels = new Map(engine.sources.map((s) => [s.id, s.label]));
  return (
    <section className="mixer" aria-label="Audio mixer">
      <div className="strips">
        {engine.show.sources.map((s) => (
          <Fader key={s.id} channel={s.id} label={labels.get(s.id) ?? s.label ?? s.id} gainDb={s.gainDb} muted={s.muted} />
        ))}
      </div>
      <Fader channel="program" label="Program" gainDb={engine.show.audio.masterGainDb} muted={engine.show.audio.masterMuted} />
    </section>
  );
}
