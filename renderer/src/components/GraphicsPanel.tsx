/**
 * Graphics: the show's overlays with a thumbnail each (drawn by the desk from the spec and the
 * object it shows, in the overlay's place on a 16:9 frame), add by kind, edit fields in place,
 * cue on preview, show / hide with the fade, a hotkey per overlay; and "name on screen" for every
 * source from its label. The engine's messages stay next to the form or row that caused them.
 */
import { useState } from 'react';
import type { OverlayInput, OverlayKind, OverlayStatus } from '../../../shared/objects.ts';
import {
  addOverlay,
  cueOverlay,
  HOTKEY_LETTERS,
  hideOverlay,
  nameOnScreen,
  nameOverlayId,
  newOverlayId,
  overlaySummary,
  removeOverlay,
  setOverlayHotkey,
  showOverlay,
  updateOverlay,
} from '../store/graphics.ts';
import { UI_MAX_REQUEST_BYTES } from '../client/apiVersion.ts';
import { useCutline } from '../store/store.ts';
import { FieldError, TrashIcon } from './common.tsx';
import { OverlayThumb } from './OverlayThumb.tsx';

const ADDABLE: { kind: OverlayKind; label: string }[] = [
  { kind: 'lowerThird', label: 'Lower third' },
  { kind: 'text', label: 'Text' },
  { kind: 'image', label: 'Image / logo' },
  { kind: 'clock', label: 'Clock' },
  { kind: 'countdown', label: 'Countdown' },
  { kind: 'ticker', label: 'Ticker' },
  { kind: 'poll', label: 'Poll results' },
  { kind: 'chat', label: 'Chat' },
  { kind: 'auction', label: 'Auction' },
  { kind: 'bets', label: 'Bets' },
  { kind: 'scoreboard', label: 'Scoreboard (kv)' },
];
/** Data overlays the form offers, and the object type each shows (shared/objects.ts DATA_OVERLAY_TYPES). */
const DATA_KIND_TYPES: Partial<Record<OverlayKind, string>> = { poll: 'poll', chat: 'chat', auction: 'auction', bets: 'bets', scoreboard: 'kv' };
const DATA_KINDS = new Set<OverlayKind>(Object.keys(DATA_KIND_TYPES) as OverlayKind[]);

export function GraphicsPanel() {
  const overlays = useCutline((s) => s.overlays);
  const [adding, setAdding] = useState(false);
  return (
    <section className="panel graphics-panel" aria-label="Graphics">
      <header className="panel-head">
        <h2>Graphics</h2>
        <button type="button" className="small" onClick={() => setAdding((a) => !a)} aria-expanded={adding}>
          {adding ? 'Close' : '+ Add graphic'}
        </button>
      </header>
      {adding ? <AddOverlayForm onDone={() => setAdding(false)} /> : null}
      <ul className="rows">
        {overlays.map((o) => (
          <OverlayRow key={o.id} overlay={o} />
        ))}
        {overlays.length === 0 ? <li className="muted row">No graphics yet. Add a lower third, a logo, a clock or a ticker.</li> : null}
      </ul>
      <NamesOnScreen />
    </section>
  );
}

function stateOf(o: OverlayStatus): 'on air' | 'cued' | 'hidden' {
  if (o.visible) return 'on air';
  return o.spec.onPreview ? 'cued' : 'hidden';
}

function OverlayRow({ overlay: o }: { overlay: OverlayStatus }) {
  const error = useCutline((s) => s.fieldErrors[`overlay.${o.id}`]);
  const hotkeys = useCutline((s) => s.overlayHotkeys);
  const [editing, setEditing] = useState(false);
  const key = Object.entries(hotkeys).find(([, id]) => id === o.id)?.[0] ?? '';
  const state = stateOf(o);
  return (
    <li className={`row overlay-row overlay-${state.replace(' ', '-')}`} data-overlay={o.id} data-state={state}>
      <div className="row-main">
        <OverlayThumb overlay={o} />
        <div className="overlay-meta">
          <span className="row-title" title={o.id}>
            {o.id}
          </span>
          <span className="muted small">
            {o.kind}
            {overlaySummary(o) ? ` · ${overlaySummary(o)}` : ''} · <span className={`overlay-state state-${state.replace(' ', '-')}`}>{state}</span>
          </span>
        </div>
        <label className="hotkey" title="Hotkey: press this letter to show or hide">
          <span className="visually-hidden">Hotkey for {o.id}</span>
          <select value={key} onChange={(e) => setOverlayHotkey(o.id, e.target.value || undefined)}>
            <option value="">key</option>
            {HOTKEY_LETTERS.map((l) => (
              <option key={l} value={l}>
                {l.toUpperCase()}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row-actions">
        <button type="button" className={`small${o.spec.onPreview ? ' active-preview' : ''}`} aria-pressed={o.spec.onPreview} onClick={() => void cueOverlay(o.id, !o.spec.onPreview)} disabled={o.visible} title="Show it on the preview monitor only">
          Preview
        </button>
        {o.visible ? (
          <button type="button" className="small danger" onClick={() => void hideOverlay(o.id)} aria-label={`Hide ${o.id}`}>
            Hide
          </button>
        ) : (
          <button type="button" className="small onair" onClick={() => void showOverlay(o.id)} aria-label={`Show ${o.id}`}>
            Show
          </button>
        )}
        <button type="button" className="small" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
          {editing ? 'Done' : 'Edit'}
        </button>
        <button type="button" className="icon" aria-label={`Remove ${o.id}`} onClick={() => void removeOverlay(o.id)}>
          <TrashIcon />
        </button>
      </div>
      {o.message ? <div className="row-message">{o.message}</div> : null}
      <FieldError message={error} />
      {editing ? <OverlayFields overlay={o} /> : null}
    </li>
  );
}

/** The fields a producer changes during a show, per kind; each change is one overlay.update. */
function OverlayFields({ overlay: o }: { overlay: OverlayStatus }) {
  const spec = o.spec as Record<string, unknown>;
  const save = (fields: Record<string, unknown>) => void updateOverlay(o.id, fields);
  const text = (key: string, label: string, multiline = false) => (
    <div className={`field-label${multiline ? ' wide' : ''}`}>
      {label}
      <CommitInput value={String(spec[key] ?? '')} multiline={multiline} ariaLabel={`${o.id} ${label}`} onCommit={(v) => save({ [key]: v })} />
    </div>
  );
  return (
    <div className="add-form overlay-fields">
      {o.kind === 'lowerThird' ? (
        <>
          {text('name', 'Name')}
          {text('title', 'Title')}
        </>
      ) : null}
      {o.kind === 'text' ? text('text', 'Text', true) : null}
      {o.kind === 'ticker' ? (
        <>
          <div className="field-label wide">
            Items (one a line)
            <CommitInput value={((spec.items as string[]) ?? []).join('\n')} multiline ariaLabel={`${o.id} items`} onCommit={(v) => save({ items: v.split('\n').map((s) => s.trim()).filter(Boolean) })} />
          </div>
          {text('label', 'Label')}
        </>
      ) : null}
      {o.kind === 'countdown' ? (
        <>
          <div className="field-label">
            Until (local time)
            <CommitInput
              value={typeof spec.until === 'string' ? toLocalInput(spec.until) : ''}
              type="datetime-local"
              ariaLabel={`${o.id} until`}
              onCommit={(v) => save(v ? { until: new Date(v).toISOString(), durationMs: undefined } : {})}
            />
          </div>
          {text('label', 'Label')}
        </>
      ) : null}
      {o.kind === 'image' ? <ImageSourceField onPick={(src) => save({ src })} idPrefix={o.id} /> : null}
      {DATA_KINDS.has(o.kind) ? (
        <>
          {text('object', 'Object id')}
          {text('title', 'Title')}
        </>
      ) : null}
      <div className="field-label">
        Fade ms
        <CommitInput value={String(spec.fadeMs ?? 300)} type="number" ariaLabel={`${o.id} fade ms`} onCommit={(v) => save({ fadeMs: Number(v) })} />
      </div>
      <div className="field-label">
        Layer (z)
        <CommitInput value={String(spec.z ?? 0)} type="number" ariaLabel={`${o.id} layer`} onCommit={(v) => save({ z: Number(v) })} />
      </div>
    </div>
  );
}

function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** An input that sends its value on Enter or when it loses focus, not on every key. */
export function CommitInput({ value, onCommit, multiline, type = 'text', ariaLabel }: { value: string; onCommit: (v: string) => void; multiline?: boolean; type?: string; ariaLabel: string }) {
  const [draft, setDraft] = useState<string | null>(null);
  const shown = draft ?? value;
  const commit = () => {
    if (draft !== null && draft !== value) onCommit(draft);
    setDraft(null);
  };
  if (multiline)
    return <textarea aria-label={ariaLabel} rows={3} value={shown} onChange={(e) => setDraft(e.target.value)} onBlur={commit} />;
  return (
    <input
      aria-label={ariaLabel}
      type={type}
      value={shown}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
        if (e.key === 'Escape') setDraft(null);
      }}
    />
  );
}

/** An image from this computer (read as a data: URL, checked by the engine) or a path on the engine's machine. */
function ImageSourceField({ onPick, idPrefix }: { onPick: (src: string) => void; idPrefix: string }) {
  const [path, setPath] = useState('');
  const [tooBig, setTooBig] = useState<string | undefined>(undefined);
  return (
    <>
      <label className="wide">
        Image file (PNG, JPEG, WebP)
        <input
          type="file"
          accept="image/png,image/jpeg,image/webp"
          aria-label={`${idPrefix} image file`}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            const reader = new FileReader();
            reader.onload = () => {
              if (typeof reader.result !== 'string') return;
              // The transport's limit, not a rule about images (the engine decides what is an image).
              if (reader.result.length > UI_MAX_REQUEST_BYTES - 4096) {
                setTooBig(`${file.name} is ${Math.round(reader.result.length / 1024)} kB as a data: URL; the engine takes requests up to ${UI_MAX_REQUEST_BYTES / 1024} kB. Use a smaller image, or copy it to the engine's machine and give its path below.`);
                return;
              }
              setTooBig(undefined);
              onPick(reader.result);
            };
            reader.readAsDataURL(file);
          }}
        />
      </label>
      <FieldError message={tooBig} />
      <label className="wide">
        …or a path on the engine's machine
        <input
          value={path}
          aria-label={`${idPrefix} image path`}
          placeholder="/srv/show/logo.png"
          onChange={(e) => setPath(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && path.trim()) onPick(path.trim());
          }}
          onBlur={() => path.trim() && onPick(path.trim())}
        />
      </label>
    </>
  );
}

function AddOverlayForm({ onDone }: { onDone: () => void }) {
  const error = useCutline((s) => s.fieldErrors['overlay.add']);
  const objects = useCutline((s) => s.objects);
  const [kind, setKind] = useState<OverlayKind>('lowerThird');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [src, setSrc] = useState('');
  const set = (key: string) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => setFields((f) => ({ ...f, [key]: e.target.value }));
  const f = (key: string) => fields[key] ?? '';
  const objectChoices = Object.values(objects).filter((o) => o.type === DATA_KIND_TYPES[kind]);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const id = newOverlayId(kind);
    let spec: Record<string, unknown> = { id, kind };
    if (kind === 'lowerThird') spec = { ...spec, name: f('name'), title: f('title') };
    if (kind === 'text') spec = { ...spec, text: f('text') };
    if (kind === 'image') spec = { ...spec, src };
    if (kind === 'clock') spec = { ...spec, format: f('format') || '24h' };
    if (kind === 'countdown') spec = { ...spec, ...(f('until') ? { until: new Date(f('until')).toISOString() } : { durationMs: Math.round(Number(f('minutes') || 5) * 60_000) }), label: f('label') };
    if (kind === 'ticker') spec = { ...spec, items: f('items').split('\n').map((s) => s.trim()).filter(Boolean), label: f('label') };
    if (DATA_KINDS.has(kind)) spec = { ...spec, object: f('object') || objectChoices[0]?.id || (kind === 'scoreboard' ? 'score' : kind), ...(f('title') ? { title: f('title') } : {}) };
    const outcome = await addOverlay(spec as OverlayInput);
    if (outcome.ok) onDone();
  };
  return (
    <form className="add-form" aria-label="Add graphic" onSubmit={submit}>
      <label className="wide">
        Kind
        <select value={kind} onChange={(e) => setKind(e.target.value as OverlayKind)}>
          {ADDABLE.map((a) => (
            <option key={a.kind} value={a.kind}>
              {a.label}
            </option>
          ))}
        </select>
      </label>
      {kind === 'lowerThird' ? (
        <>
          <label>
            Name
            <input value={f('name')} onChange={set('name')} />
          </label>
          <label>
            Title
            <input value={f('title')} onChange={set('title')} />
          </label>
        </>
      ) : null}
      {kind === 'text' ? (
        <label className="wide">
          Text
          <textarea rows={2} value={f('text')} onChange={set('text')} />
        </label>
      ) : null}
      {kind === 'image' ? <ImageSourceField onPick={setSrc} idPrefix="New" /> : null}
      {kind === 'image' && src ? <span className="muted small wide">{src.startsWith('data:') ? `file chosen (${Math.round(src.length / 1365)} kB)` : src}</span> : null}
      {kind === 'clock' ? (
        <label>
          Format
          <select value={f('format') || '24h'} onChange={set('format')}>
            <option value="24h">24 h</option>
            <option value="12h">12 h</option>
          </select>
        </label>
      ) : null}
      {kind === 'countdown' ? (
        <>
          <label>
            Minutes from now
            <input type="number" min="0" step="any" value={f('minutes')} placeholder="5" onChange={set('minutes')} />
          </label>
          <label>
            …or until (local time)
            <input type="datetime-local" value={f('until')} onChange={set('until')} />
          </label>
          <label className="wide">
            Label
            <input value={f('label')} onChange={set('label')} />
          </label>
        </>
      ) : null}
      {kind === 'ticker' ? (
        <>
          <label className="wide">
            Items (one a line)
            <textarea rows={3} value={f('items')} onChange={set('items')} />
          </label>
          <label>
            Label
            <input value={f('label')} placeholder="LIVE" onChange={set('label')} />
          </label>
        </>
      ) : null}
      {DATA_KINDS.has(kind) ? (
        <>
          <label>
            Object
            <input list="overlay-objects" value={f('object') || objectChoices[0]?.id || (kind === 'scoreboard' ? 'score' : kind)} onChange={set('object')} />
            <datalist id="overlay-objects">
              {objectChoices.map((o) => (
                <option key={o.id} value={o.id} />
              ))}
            </datalist>
          </label>
          <label>
            Title
            <input value={f('title')} onChange={set('title')} />
          </label>
        </>
      ) : null}
      <FieldError message={error} />
      <div className="wide form-actions">
        <span className="muted small">Added hidden: cue it on preview, then show it.</span>
        <button type="submit" className="primary">
          Add graphic
        </button>
      </div>
    </form>
  );
}

/** "Name on screen" for each source: its label and an editable title, one click. */
function NamesOnScreen() {
  const engine = useCutline((s) => s.engine);
  const overlays = useCutline((s) => s.overlays);
  const errors = useCutline((s) => s.fieldErrors);
  const [titles, setTitles] = useState<Record<string, string>>({});
  if (!engine || engine.sources.length === 0) return null;
  return (
    <section className="names" aria-label="Names on screen">
      <h3>Names on screen</h3>
      <ul className="rows names-rows">
        {engine.sources.map((s) => {
          const overlay = overlays.find((o) => o.id === nameOverlayId(s.id));
          const onAir = overlay?.visible ?? false;
          const title = titles[s.id] ?? ((overlay?.spec as { title?: string } | undefined)?.title ?? (s.kind === 'guest' ? 'Guest' : ''));
          return (
            <li key={s.id} className="row name-row" data-name-source={s.id}>
              <div className="row-main">
                <span className="row-title">{s.label}</span>
                <input className="name-title" aria-label={`${s.label} title`} placeholder="Title" value={title} maxLength={120} onChange={(e) => setTitles((t) => ({ ...t, [s.id]: e.target.value }))} />
                {onAir ? (
                  <button type="button" className="small danger" onClick={() => void hideOverlay(nameOverlayId(s.id))}>
                    Off screen
                  </button>
                ) : (
                  <button type="button" className="small onair" onClick={() => void nameOnScreen(s.id, s.label, title)} aria-label={`Name on screen: ${s.label}`}>
                    Name on screen
                  </button>
                )}
              </div>
              <FieldError message={errors[`name.${s.id}`]} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}
