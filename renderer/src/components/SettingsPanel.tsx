/**
 * Settings: program output (size presets, fps, bitrates, keyframes, CBR, x264 preset, the encoders
 * the probe found working with its reason), WebRTC (public URL, ICE servers, UDP ports, guest
 * limits, program token) and the ffmpeg probe with a "Test" button. Nothing is sent until Apply;
 * what restarts the encoder says so first.
 */
import { useEffect, useState } from 'react';
import type { OutputSettings } from '../../../shared/show.ts';
import { applyOutput, applyWebrtc, type ProbeView, readProbe, SIZE_PRESETS, testFfmpeg } from '../store/settings.ts';
import { useCutline } from '../store/store.ts';
import { FieldError } from './common.tsx';

export function SettingsPanel() {
  const [probe, setProbe] = useState<ProbeView | null>(null);
  useEffect(() => {
    void readProbe().then((p) => p && setProbe(p));
  }, []);
  return (
    <section className="panel settings-panel" aria-label="Settings">
      <OutputForm probe={probe} />
      <WebRtcForm />
      <FfmpegForm probe={probe} />
    </section>
  );
}

const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'] as const;

function OutputForm({ probe }: { probe: ProbeView | null }) {
  const output = useCutline((s) => s.engine?.show.output);
  const program = useCutline((s) => s.engine?.program);
  const live = useCutline((s) => s.engine?.destinations.filter((d) => ['connecting', 'live', 'reconnecting'].includes(d.state)).length ?? 0);
  const error = useCutline((s) => s.fieldErrors.output);
  const [draft, setDraft] = useState<Partial<Record<keyof OutputSettings, string>>>({});
  const [customSize, setCustomSize] = useState(false);
  if (!output) return null;
  const value = (key: keyof OutputSettings) => draft[key] ?? String(output[key]);
  const set = (key: keyof OutputSettings) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setDraft((d) => ({ ...d, [key]: e.target.value }));
  const sizeId = `${value('width')}x${value('height')}`;
  const custom = customSize || !SIZE_PRESETS.some((p) => p.id === sizeId);
  const preset = custom ? 'custom' : sizeId;
  const working = (probe?.encoders ?? []).filter((e) => e.works);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const changes: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(draft)) {
      if (raw === undefined) continue;
      changes[key] = key === 'encoder' || key === 'x264Preset' ? raw : key === 'cbr' ? raw === 'true' : Number(raw);
    }
    const outcome = await applyOutput(changes as Partial<OutputSettings>);
    if (outcome?.ok) {
      setDraft({});
      setCustomSize(false);
    }
  };
  return (
    <form className="add-form settings-form" aria-label="Output settings" onSubmit={submit}>
      <h3 className="wide">Program output</h3>
      <label className="wide">
        Size
        <select
          value={preset}
          onChange={(e) => {
            const p = SIZE_PRESETS.find((x) => x.id === e.target.value);
            setCustomSize(!p);
            if (p) setDraft((d) => ({ ...d, width: String(p.width), height: String(p.height) }));
          }}
        >
          {SIZE_PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </label>
      {custom ? (
        <>
          <label>
            Width
            <input type="number" value={value('width')} onChange={set('width')} />
          </label>
          <label>
            Height
            <input type="number" value={value('height')} onChange={set('height')} />
          </label>
        </>
      ) : null}
      <label>
        Frame rate
        <input type="number" value={value('fps')} onChange={set('fps')} />
      </label>
      <label>
        Video kb/s
        <input type="number" value={value('videoBitrateKbps')} onChange={set('videoBitrateKbps')} />
      </label>
      <label>
        Keyframe every (s)
        <input type="number" step="any" value={value('keyframeIntervalS')} onChange={set('keyframeIntervalS')} />
      </label>
      <label>
        Audio kb/s
        <input type="number" value={value('audioBitrateKbps')} onChange={set('audioBitrateKbps')} />
      </label>
      <label>
        Encoder
        <select value={value('encoder')} onChange={set('encoder')}>
          <option value="auto">auto ({probe?.chosen.encoder ?? program?.encoder.name ?? '…'})</option>
          {working.map((enc) => (
            <option key={enc.name} value={enc.name}>
              {enc.name}
              {enc.hardware ? ' (hardware)' : ''}
            </option>
          ))}
        </select>
      </label>
      <label>
        x264 preset
        <select value={value('x264Preset')} onChange={set('x264Preset')}>
          {X264_PRESETS.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label className="check">
        <input type="checkbox" checked={value('cbr') === 'true'} onChange={(e) => setDraft((d) => ({ ...d, cbr: String(e.target.checked) }))} /> Constant bitrate (CBR)
      </label>
      <div className="wide muted small">
        Encoding with <b>{program?.encoder.name ?? '…'}</b>: {probe?.chosen.reason ?? program?.encoder.reason ?? ''}
        {probe ? ` Not offered: ${probe.encoders.filter((e) => !e.works).map((e) => e.name).join(', ') || 'none'}.` : ''}
      </div>
      <div className={`wide small ${live ? 'warn' : 'muted'}`} data-live-warning={live > 0}>
        Any change here restarts the encoder{live ? `: ${live} live destination${live > 1 ? 's' : ''} reconnect.` : ' (destinations reconnect).'}
      </div>
      <FieldError message={error} />
      <div className="wide form-actions">
        <button type="button" className="small" disabled={Object.keys(draft).length === 0} onClick={() => setDraft({})}>
          Revert
        </button>
        <button type="submit" className="primary" disabled={Object.keys(draft).length === 0}>
          Apply output
        </button>
      </div>
    </form>
  );
}

function WebRtcForm() {
  const webrtc = useCutline((s) => s.engine?.show.webrtc);
  const error = useCutline((s) => s.fieldErrors.webrtc);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const current = {
    publicUrl: webrtc?.publicUrl ?? '',
    iceServers: (webrtc?.iceServers ?? []).map((s) => (Array.isArray(s.urls) ? s.urls.join(' ') : s.urls)).join('\n'),
    udpMin: webrtc?.udpPortRange ? String(webrtc.udpPortRange[0]) : '',
    udpMax: webrtc?.udpPortRange ? String(webrtc.udpPortRange[1]) : '',
    maxGuests: String(webrtc?.maxGuests ?? 8),
    maxGuestBitrateKbps: String(webrtc?.maxGuestBitrateKbps ?? 2500),
    programToken: '',
  };
  const v = (k: keyof typeof current) => draft[k] ?? current[k];
  const set = (k: keyof typeof current) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setDraft((d) => ({ ...d, [k]: e.target.value }));
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const changes: Record<string, unknown> = {};
    if ('publicUrl' in draft) changes.publicUrl = draft.publicUrl.trim() || undefined;
    if ('iceServers' in draft) {
      // Credentials stay as they are: servers typed here carry URLs only (TURN credentials via the show file).
      changes.iceServers = draft.iceServers.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => ({ urls: l.split(/\s+/) }));
    }
    if ('udpMin' in draft || 'udpMax' in draft) changes.udpPortRange = v('udpMin') || v('udpMax') ? [Number(v('udpMin')), Number(v('udpMax'))] : undefined;
    if ('maxGuests' in draft) changes.maxGuests = Number(draft.maxGuests);
    if ('maxGuestBitrateKbps' in draft) changes.maxGuestBitrateKbps = Number(draft.maxGuestBitrateKbps);
    if (draft.programToken) changes.programToken = draft.programToken;
    const outcome = await applyWebrtc(changes);
    if (outcome.ok) setDraft({});
  };
  return (
    <form className="add-form settings-form" aria-label="WebRTC settings" onSubmit={submit}>
      <h3 className="wide">WebRTC (guests, monitors, viewers)</h3>
      <label className="wide">
        Public URL
        <input value={v('publicUrl')} placeholder="https://studio.example.com (default: this server)" onChange={set('publicUrl')} />
      </label>
      <label className="wide">
        ICE servers (one a line: stun:… or turn:…)
        <textarea rows={2} value={v('iceServers')} onChange={set('iceServers')} />
      </label>
      <label>
        UDP ports from
        <input type="number" value={v('udpMin')} onChange={set('udpMin')} />
      </label>
      <label>
        to
        <input type="number" value={v('udpMax')} onChange={set('udpMax')} />
      </label>
      <label>
        Max guests
        <input type="number" value={v('maxGuests')} onChange={set('maxGuests')} />
      </label>
      <label>
        Guest video cap kb/s
        <input type="number" value={v('maxGuestBitrateKbps')} onChange={set('maxGuestBitrateKbps')} />
      </label>
      <label className="wide">
        Program / viewer token {webrtc?.programToken ? `(now ${webrtc.programToken})` : '(off)'}
        <input type="password" autoComplete="new-password" value={v('programToken')} placeholder="leave empty to keep" onChange={set('programToken')} />
      </label>
      <div className="wide muted small">A new program token cuts off the monitors and viewers watching with the old one.</div>
      <FieldError message={error} />
      <div className="wide form-actions">
        <button type="submit" className="primary" disabled={Object.keys(draft).length === 0}>
          Apply WebRTC
        </button>
      </div>
    </form>
  );
}

function FfmpegForm({ probe }: { probe: ProbeView | null }) {
  const ffmpeg = useCutline((s) => s.engine?.ffmpeg);
  const error = useCutline((s) => s.fieldErrors.ffmpeg);
  const [path, setPath] = useState('');
  const [result, setResult] = useState<ProbeView | null>(null);
  const [testing, setTesting] = useState(false);
  const shown = result ?? probe;
  return (
    <form
      className="add-form settings-form"
      aria-label="ffmpeg"
      onSubmit={async (e) => {
        e.preventDefault();
        setTesting(true);
        setResult((await testFfmpeg(path)) ?? null);
        setTesting(false);
      }}
    >
      <h3 className="wide">ffmpeg</h3>
      <div className="wide muted small">
        In use: <code>{ffmpeg?.path}</code> ({ffmpeg?.version})
      </div>
      <label className="wide">
        ffmpeg path to test
        <input value={path} placeholder={ffmpeg?.path ?? '/usr/bin/ffmpeg'} onChange={(e) => setPath(e.target.value)} />
      </label>
      <FieldError message={error} />
      <div className="wide form-actions">
        <span className="muted small">To switch, restart with --ffmpeg or CUTLINE_FFMPEG.</span>
        <button type="submit" className="primary" disabled={testing}>
          {testing ? 'Testing…' : 'Test'}
        </button>
      </div>
      {shown ? (
        <div className="wide probe-result" data-probe-result>
          <div className="small">
            <code>{shown.ffmpeg.path}</code> {shown.ffmpeg.version}: would encode with <b>{shown.chosen.encoder}</b> — {shown.chosen.reason}
          </div>
          <ul className="compact-list">
            {shown.encoders.map((enc) => (
              <li key={enc.name} className={enc.works ? 'ok' : 'muted'}>
                {enc.name}: {enc.works ? 'works' : enc.listed ? `fails (${enc.error ?? 'test frame failed'})` : 'not in this build'}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </form>
  );
}
