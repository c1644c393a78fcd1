/**
 * Sources: add (test pattern, file, URL, device from device.list), rename, remove, "name on screen"
 * (its label as a lower third, one click), and the state of each with the engine's message (or the
 * last command error) right next to it.
 */
import { useState } from 'react';
import type { SourceKind } from '../../../shared/show.ts';
import { addSource, freeId, query, removeSource, renameSource } from '../store/actions.ts';
import { hideOverlay, nameOnScreen, nameOverlayId } from '../store/graphics.ts';
import { useCutline } from '../store/store.ts';
import { StateBadge, TrashIcon } from './common.tsx';
import { GuestInviteDialog } from './GuestInvite.tsx';

const KIND_NAMES: Record<SourceKind, string> = {
  testPattern: 'Test pattern',
  file: 'File',
  url: 'URL',
  device: 'Device',
  whep: 'WHEP pull',
  guest: 'Guest (WebRTC)',
};
/** Kinds the form can add; guests arrive through an invite link (guest.invite), not this form. */
const ADDABLE: SourceKind[] = ['testPattern', 'file', 'url', 'device', 'whep'];

export function SourcesPanel() {
  const engine = useCutline((s) => s.engine);
  const sourceErrors = useCutline((s) => s.sourceErrors);
  const overlays = useCutline((s) => s.overlays);
  const [adding, setAdding] = useState(false);
  // undefined: no dialog; '': a new invite; an id: that guest's link again.
  const [inviting, setInviting] = useState<string | undefined>(undefined);
  if (!engine) return null;
  return (
    <section className="panel sources-panel" aria-label="Sources">
      <header className="panel-head">
        <h2>Sources</h2>
        <button type="button" className="small" onClick={() => setInviting('')}>
          Invite guest
        </button>
        <button type="button" className="primary small" onClick={() => setAdding((a) => !a)} aria-expanded={adding}>
          {adding ? 'Close' : '+ Add source'}
        </button>
      </header>
      {adding ? <AddSourceForm onDone={() => setAdding(false)} /> : null}
      <ul className="rows">
        {engine.show.sources.map((spec) => {
          const status = engine.sources.find((s) => s.id === spec.id);
          const error = sourceErrors[spec.id];
          return (
            <li key={spec.id} className="row" data-source={spec.id}>
              <div className="row-main">
                <EditableLabel value={status?.label ?? spec.label ?? spec.id} onSave={(label) => renameSource(spec.id, label)} />
                <span className="muted small">{KIND_NAMES[spec.kind as SourceKind] ?? spec.kind}</span>
                <StateBadge state={status?.state ?? 'connecting'} detail={status && status.restarts > 0 ? `↻${status.restarts}` : undefined} />
                {status?.state === 'live' ? <span className="muted small">{status.fps.toFixed(0)} fps</span> : null}
                <NameButton
                  sourceId={spec.id}
                  label={status?.label ?? spec.label ?? spec.id}
                  overlay={overlays.find((o) => o.id === nameOverlayId(spec.id))}
                  fallbackTitle={spec.kind === 'guest' ? 'Guest' : ''}
                />
                {spec.kind === 'guest' ? (
                  <button type="button" className="small" onClick={() => setInviting(spec.id)} title="Show the link to send the guest">
                    Link
                  </button>
                ) : null}
                <button type="button" className="icon" aria-label={`Remove ${status?.label ?? spec.id}`} title="Remove" onClick={() => void removeSource(spec.id)}>
                  <TrashIcon />
                </button>
              </div>
              {status?.message ? <div className={`row-message state-${status.state}`}>{status.message}</div> : null}
              {error ? (
                <div className="row-message state-error" role="alert">
                  {error}
                </div>
              ) : null}
            </li>
          );
        })}
        {engine.show.sources.length === 0 ? <li className="muted row">No sources. Add a test pattern to try things out.</li> : null}
      </ul>
      {inviting !== undefined ? <GuestInviteDialog existingId={inviting || undefined} onClose={() => setInviting(undefined)} /> : null}
    </section>
  );
}

/** One click puts the source's label on air as its lower third (the title is edited in Graphics). */
function NameButton({ sourceId, label, overlay, fallbackTitle }: { sourceId: string; label: string; overlay?: { visible: boolean; spec: unknown }; fallbackTitle: string }) {
  if (overlay?.visible)
    return (
      <button type="button" className="small danger" onClick={() => void hideOverlay(nameOverlayId(sourceId))} aria-label={`Name off screen: ${label}`} title="Take the name off screen">
        Name
      </button>
    );
  const title = (overlay?.spec as { title?: string } | undefined)?.title ?? fallbackTitle;
  return (
    <button type="button" className="small onair" onClick={() => void nameOnScreen(sourceId, label, title)} aria-label={`Name on screen: ${label}`} title={`Put "${label}" on screen as a lower third`}>
      Name
    </button>
  );
}

function EditableLabel({ value, onSave }: { value: string; onSave: (v: string) => Promise<unknown> }) {
  const [editing, setEditing] = useState<string | null>(null);
  if (editing === null) {
    return (
      <button type="button" className="label-button" title="Rename" onClick={() => setEditing(value)}>
        {value}
      </button>
    );
  }
  const commit = () => {
    const next = editing.trim();
    setEditing(null);
    if (next && next !== value) void onSave(next);
  };
  return (
    <input
      className="label-input"
      // biome-ignore lint/a11y/noAutofocus: the user just asked to rename
      autoFocus
      value={editing}
      maxLength={80}
      aria-label="New name"
      onChange={(e) => setEditing(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
        if (e.key === 'Escape') setEditing(null);
      }}
    />
  );
}

interface DeviceList {
  video: string[];
  audio: string[];
}

/** device.list answers with names or with objects that have a name; accept both. */
export function deviceNames(list: unknown): DeviceList {
  const names = (items: unknown): string[] =>
    Array.isArray(items)
      ? items
          .map((d) => (typeof d === 'string' ? d : ((d as { name?: string; id?: string })?.name ?? (d as { id?: string })?.id)))
          .filter((n): n is string => typeof n === 'string')
      : [];
  const l = (list ?? {}) as { video?: unknown; audio?: unknown };
  return { video: names(l.video), audio: names(l.audio) };
}

export function AddSourceForm({ onDone }: { onDone: () => void }) {
  const engine = useCutline((s) => s.engine);
  const [kind, setKind] = useState<SourceKind>('testPattern');
  const [label, setLabel] = useState('');
  const [color, setColor] = useState('');
  const [toneHz, setToneHz] = useState('');
  const [path, setPath] = useState('');
  const [loop, setLoop] = useState(true);
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [devices, setDevices] = useState<DeviceList | null>(null);
  const [deviceError, setDeviceError] = useState<string | null>(null);
  const [video, setVideo] = useState('');
  const [audio, setAudio] = useState('');
  const [busy, setBusy] = useState(false);

  const loadDevices = async () => {
    setDeviceError(null);
    try {
      const list = deviceNames(await query('device.list', {}));
      setDevices(list);
      setVideo(list.video[0] ?? '');
      setAudio(list.audio[0] ?? '');
    } catch (error) {
      setDeviceError((error as Error).message);
    }
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const taken = engine?.show.sources.map((s) => s.id) ?? [];
    const name = label.trim() || `${KIND_NAMES[kind]} ${taken.length + 1}`;
    const id = freeId(label.trim() || kind, taken);
    const common = { id, label: name };
    let spec: Parameters<typeof addSource>[0];
    if (kind === 'testPattern') {
      spec = { ...common, kind, ...(color ? { color } : {}), ...(toneHz ? { toneHz: Number(toneHz) } : {}) };
    } else if (kind === 'file') {
      spec = { ...common, kind, path: path.trim(), loop };
    } else if (kind === 'url') {
      spec = { ...common, kind, url: url.trim(), reconnect: true } as Parameters<typeof addSource>[0];
    } else if (kind === 'whep') {
      spec = { ...common, kind, url: url.trim(), ...(token.trim() ? { token: token.trim() } : {}) };
    } else {
      spec = { ...common, kind, ...(video ? { video } : {}), ...(audio ? { audio } : {}) };
    }
    setBusy(true);
    const outcome = await addSource(spec);
    setBusy(false);
    if (outcome.ok) {
      setLabel('');
      onDone();
    }
  };

  return (
    <form className="add-form" onSubmit={submit} aria-label="Add source">
      <label>
        Kind
        <select
          value={kind}
          onChange={(e) => {
            const k = e.target.value as SourceKind;
            setKind(k);
            if (k === 'device' && !devices) void loadDevices();
          }}
        >
          {ADDABLE.map((k) => (
            <option key={k} value={k}>
              {KIND_NAMES[k]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Name
        <input value={label} maxLength={80} placeholder={`${KIND_NAMES[kind]} ${(engine?.show.sources.length ?? 0) + 1}`} onChange={(e) => setLabel(e.target.value)} />
      </label>
      {kind === 'testPattern' ? (
        <>
          <label>
            Colour (empty = bars)
            <input value={color} placeholder="#204080" pattern="#[0-9a-fA-F]{6}" onChange={(e) => setColor(e.target.value)} />
          </label>
          <label>
            Tone Hz (empty = silence)
            <input type="number" min={20} max={20000} value={toneHz} onChange={(e) => setToneHz(e.target.value)} />
          </label>
        </>
      ) : null}
      {kind === 'file' ? (
        <>
          <label className="wide">
            Path on the engine’s machine
            <input required value={path} placeholder="/media/intro.mp4" onChange={(e) => setPath(e.target.value)} />
          </label>
          <label className="check">
            <input type="checkbox" checked={loop} onChange={(e) => setLoop(e.target.checked)} /> Loop
          </label>
        </>
      ) : null}
      {kind === 'url' ? (
        <label className="wide">
          URL (rtmp, rtsp, srt, http(s), udp, tcp)
          <input required value={url} placeholder="srt://camera.local:9000" onChange={(e) => setUrl(e.target.value)} />
        </label>
      ) : null}
      {kind === 'whep' ? (
        <>
          <label className="wide">
            WHEP endpoint URL
            <input required value={url} placeholder="https://xdn.example/live/whep/endpoint/stream" onChange={(e) => setUrl(e.target.value)} spellCheck={false} />
          </label>
          <label className="wide">
            Bearer token (optional)
            <input type="password" value={token} autoComplete="off" onChange={(e) => setToken(e.target.value)} />
          </label>
        </>
      ) : null}
      {kind === 'device' ? (
        <>
          {deviceError ? (
            <div className="row-message state-error wide" role="alert">
              {deviceError}
            </div>
          ) : null}
          {devices ? (
            <>
              <label>
                Camera
                <select value={video} onChange={(e) => setVideo(e.target.value)}>
                  <option value="">None</option>
                  {devices.video.map((d) => (
                    <option key={d}>{d}</option>
                  ))}
                </select>
              </label>
              <label>
                Microphone
                <select value={audio} onChange={(e) => setAudio(e.target.value)}>
                  <option value="">None</option>
                  {devices.audio.map((d) => (
                    <option key={d}>{d}</option>
                  ))}
                </select>
              </label>
              {devices.video.length + devices.audio.length === 0 ? <p className="muted wide">The engine found no cameras or microphones.</p> : null}
            </>
          ) : (
            !deviceError && <p className="muted wide">Looking for devices…</p>
          )}
          <button type="button" className="small" onClick={() => void loadDevices()}>
            Refresh list
          </button>
        </>
      ) : null}
      <div className="form-actions wide">
        <button type="submit" className="primary" disabled={busy || (kind === 'device' && !video && !audio)}>
          Add {KIND_NAMES[kind].toLowerCase()}
        </button>
      </div>
    </form>
  );
}
