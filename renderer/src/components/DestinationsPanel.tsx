/**
 * Destinations: add from presets (key typed masked) carrying a program or one source (ISO),
 * preflight warnings, Go Live per destination and for all, what each carries, state badges,
 * bitrate / dropped frames / uptime, Stop with confirmation.
 */
import { useEffect, useState } from 'react';
import type { DestinationStatus } from '../../../shared/protocol.ts';
import { type FormPreset, editableUrl, formatUptime, formWarnings, presetById, withAvailability } from '../destinations/presets.ts';
import {
  addDestination,
  freeId,
  query,
  removeDestination,
  startAllDestinations,
  startDestination,
  stopAllDestinations,
  stopDestination,
} from '../store/actions.ts';
import { carriesChoices, carriesFields, destinationCarries, selectedProgramId } from '../store/programs.ts';
import { useCutline } from '../store/store.ts';
import { StateBadge, TrashIcon } from './common.tsx';

const RUNNING = new Set(['connecting', 'live', 'reconnecting']);

export function DestinationsPanel() {
  const engine = useCutline((s) => s.engine);
  const errors = useCutline((s) => s.destinationErrors);
  const [adding, setAdding] = useState(false);
  if (!engine) return null;
  const anyRunning = engine.destinations.some((d) => RUNNING.has(d.state));
  const anyLive = engine.destinations.some((d) => d.state === 'live');
  return (
    <section className="panel destinations-panel" aria-label="Destinations">
      <header className="panel-head">
        <h2>Destinations</h2>
        <button type="button" className="small" onClick={() => setAdding((a) => !a)} aria-expanded={adding}>
          {adding ? 'Close' : '+ Add'}
        </button>
        <button
          type="button"
          className={`golive small${anyLive ? ' is-live' : ''}`}
          disabled={engine.show.destinations.length === 0}
          onClick={() => void startAllDestinations()}
          title="Start every enabled destination that is not running"
        >
          Go live (all)
        </button>
        <button type="button" className="danger small" disabled={!anyRunning} onClick={() => void stopAllDestinations()}>
          Stop all
        </button>
      </header>
      {adding ? <AddDestinationForm onDone={() => setAdding(false)} /> : null}
      <ul className="rows">
        {engine.show.destinations.map((spec) => {
          const status = engine.destinations.find((d) => d.id === spec.id);
          const carries = destinationCarries(engine, spec);
          return <DestinationRow key={spec.id} id={spec.id} status={status} fallbackLabel={spec.label ?? spec.id} error={errors[spec.id]} carries={carries} />;
        })}
        {engine.show.destinations.length === 0 ? <li className="muted row">No destinations. Add YouTube, Facebook, an XDN or a recording.</li> : null}
      </ul>
    </section>
  );
}

function badgeDetail(status: DestinationStatus): string | undefined {
  if (status.state === 'reconnecting') return `${status.attempt}${status.nextRetryS !== undefined ? ` · ${Math.ceil(status.nextRetryS)} s` : ''}`;
  return undefined;
}

function DestinationRow({
  id,
  status,
  fallbackLabel,
  error,
  carries,
}: { id: string; status?: DestinationStatus; fallbackLabel: string; error?: string; carries: { key: string; text: string } }) {
  const running = status ? RUNNING.has(status.state) : false;
  const label = status?.label ?? fallbackLabel;
  return (
    <li className={`row dest dest-${status?.state ?? 'idle'}`} data-destination={id} data-state={status?.state ?? 'idle'}>
      <div className="row-main">
        <span className="row-title" title={status?.target}>
          {label}
        </span>
        <span className="dest-carries" data-carries={carries.key} title="What it carries: a program, or one source (ISO)">
          {carries.text}
        </span>
        <StateBadge state={status?.state ?? 'idle'} detail={status ? badgeDetail(status) : undefined} />
        {running ? (
          <button type="button" className="danger small" onClick={() => void stopDestination(id)}>
            Stop
          </button>
        ) : (
          <button type="button" className="golive small" onClick={() => void startDestination(id)}>
            Go live
          </button>
        )}
        <button type="button" className="icon" aria-label={`Remove ${label}`} title="Remove" onClick={() => void removeDestination(id)}>
          <TrashIcon />
        </button>
      </div>
      {status ? (
        <div className="row-stats">
          <span className="muted" title="Target (secrets hidden)">
            {status.target}
          </span>
          {running || status.uptimeS > 0 ? (
            <>
              <span data-stat="bitrate">{Math.round(status.bitrateKbps)} kb/s</span>
              <span data-stat="dropped" className={status.droppedFrames > 0 ? 'warn' : ''}>
                {status.droppedFrames} dropped
              </span>
              <span data-stat="uptime">{formatUptime(status.uptimeS)}</span>
            </>
          ) : null}
        </div>
      ) : null}
      {status?.message ? <div className={`row-message state-${status.state}`}>{status.message}</div> : null}
      {status?.warnings?.length ? (
        <ul className="row-warnings" aria-label={`Preflight warnings for ${label}`}>
          {status.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      {error ? (
        <div className="row-message state-error" role="alert">
          {error}
        </div>
      ) : null}
    </li>
  );
}

export function AddDestinationForm({ onDone }: { onDone: () => void }) {
  const engine = useCutline((s) => s.engine);
  const [presets, setPresets] = useState<FormPreset[]>(() => withAvailability(undefined));
  const [presetId, setPresetId] = useState('youtube');
  const preset = presetById(presetId, presets);
  const [label, setLabel] = useState('');
  const [url, setUrl] = useState(preset.url ?? '');
  const [secret, setSecret] = useState('');
  const [showSecret, setShowSecret] = useState(false);
  const [path, setPath] = useState('recordings/');
  const [busy, setBusy] = useState(false);
  // What it carries: the program whose tab is open, unless chosen otherwise.
  const [carries, setCarries] = useState(() => `program:${selectedProgramId(useCutline.getState())}`);

  // The list is the shared one; the engine's answer only adds what its ffmpeg cannot send.
  useEffect(() => {
    let alive = true;
    query('destination.presets', {}).then(
      (result) => {
        if (alive) setPresets(withAvailability(result));
      },
      () => {},
    );
    return () => {
      alive = false;
    };
  }, []);

  if (!engine) return null;
  const urlChoices = preset.alternateUrls?.length ? [{ label: 'Primary ingest', url: preset.url ?? '' }, ...preset.alternateUrls] : undefined;

  /** The destination as the form stands; what is added, and what preflight looks at meanwhile. */
  const draft = (): Parameters<typeof addDestination>[0] => {
    const taken = engine.show.destinations.map((d) => d.id);
    const common = { id: freeId(label.trim() || preset.id, taken), label: label.trim() || preset.label, preset: preset.id, ...carriesFields(carries) };
    const key = secret.trim();
    switch (preset.kind) {
      case 'rtmp':
        return { ...common, kind: 'rtmp', url: url.trim(), ...(key ? { streamKey: key } : {}) };
      case 'whip':
        return { ...common, kind: 'whip', url: url.trim(), ...(key ? { token: key } : {}) };
      case 'srt':
        return { ...common, kind: 'srt', url: url.trim(), ...(key ? { passphrase: key } : {}) };
      default:
        return { ...common, kind: 'recording', path: path.trim() };
    }
  };
  const warnings = formWarnings(draft(), engine.show, engine.ffmpeg.path);

  const choose = (id: string) => {
    const next = presetById(id, presets);
    setPresetId(next.id);
    setUrl(next.url ?? '');
    setSecret('');
    setShowSecret(false);
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const outcome = await addDestination(draft());
    setBusy(false);
    if (outcome.ok) {
      setSecret('');
      onDone();
    }
  };

  return (
    <form className="add-form" onSubmit={submit} aria-label="Add destination" autoComplete="off">
      <label>
        Carries
        <select value={carries} onChange={(e) => setCarries(e.target.value)} aria-label="What the destination carries">
          {carriesChoices(engine).map((c) => (
            <option key={c.key} value={c.key}>
              {c.text}
            </option>
          ))}
        </select>
      </label>
      <label>
        Service
        <select value={preset.id} onChange={(e) => choose(e.target.value)}>
          {presets.map((p) => (
            <option key={p.id} value={p.id} disabled={p.available === false}>
              {p.label}
              {p.available === false ? ' (not available)' : ''}
            </option>
          ))}
        </select>
      </label>
      <label>
        Name
        <input value={label} maxLength={80} placeholder={preset.label} onChange={(e) => setLabel(e.target.value)} />
      </label>
      {preset.kind === 'recording' ? (
        <label className="wide">
          File or folder on the engine’s machine
          <input required value={path} onChange={(e) => setPath(e.target.value)} />
        </label>
      ) : (
        <>
          {urlChoices ? (
            <label className="wide">
              Ingest
              <select value={url} onChange={(e) => setUrl(e.target.value)}>
                {urlChoices.map((c) => (
                  <option key={c.url} value={c.url}>
                    {c.label}: {c.url}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <label className="wide">
              URL
              <input required value={url} readOnly={!editableUrl(preset)} onChange={(e) => setUrl(e.target.value)} spellCheck={false} />
            </label>
          )}
          {preset.secretLabel ? (
            <label className="wide secret">
              {preset.secretLabel}
              <span className="secret-field">
                <input
                  type={showSecret ? 'text' : 'password'}
                  value={secret}
                  onChange={(e) => setSecret(e.target.value)}
                  autoComplete="off"
                  spellCheck={false}
                  aria-label={preset.secretLabel}
                />
                <button type="button" className="small" onClick={() => setShowSecret((s) => !s)} aria-pressed={showSecret}>
                  {showSecret ? 'Hide' : 'Show'}
                </button>
              </span>
            </label>
          ) : null}
        </>
      )}
      <p className="muted small wide">{preset.help}</p>
      {preset.available === false && preset.unavailableReason ? (
        <p className="row-message state-error wide" role="alert">
          {preset.unavailableReason}
        </p>
      ) : null}
      {warnings.length ? (
        <ul className="warnings wide" aria-label="Preflight warnings">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      <div className="form-actions wide">
        <button type="submit" className="primary" disabled={busy || preset.available === false}>
          Add destination
        </button>
      </div>
    </form>
  );
}
