/**
 * Studio mode: preview (green) and program (red) side by side, with Cut / Take between them.
 * Until the engine sends monitor video, each monitor draws its layout as labelled boxes computed by
 * the engine's own layout math. MonitorVideo is where a WHEP (WebRTC) stream attaches later.
 */
import { useMemo } from 'react';
import type { EngineState, SourceStatus } from '../../../shared/protocol.ts';
import type { LayoutSpec } from '../../../shared/show.ts';
import { layoutBoxes } from '../layout/geometry.ts';
import { previewLayout, setFadeMs, take } from '../store/actions.ts';
import { useCutline } from '../store/store.ts';
import { sourceSwatch } from './common.tsx';

export type MonitorKind = 'program' | 'preview';

/**
 * The hook for live monitor video. Today it returns no stream: the engine has no monitor output
 * yet. When it serves WHEP on loopback (e.g. `POST /whep/monitor/program`), this resolves a
 * MediaStream and MonitorVideo renders it over the placeholder (see docs/UI.md).
 */
export function useMonitorStream(_kind: MonitorKind): MediaStream | null {
  return null;
}

export function MonitorVideo({ kind }: { kind: MonitorKind }) {
  const stream = useMonitorStream(kind);
  if (!stream) return null;
  return (
    <video
      className="monitor-video"
      autoPlay
      muted
      playsInline
      ref={(el) => {
        if (el && el.srcObject !== stream) el.srcObject = stream;
      }}
    />
  );
}

export function LayoutPicture({ layout, engine, small }: { layout: LayoutSpec; engine: EngineState; small?: boolean }) {
  const { width, height } = engine.show.output;
  const boxes = useMemo(() => layoutBoxes(layout, width, height), [layout, width, height]);
  const status = new Map<string, SourceStatus>(engine.sources.map((s) => [s.id, s]));
  return (
    <div className="layout-picture" style={{ background: layout.background, aspectRatio: `${width} / ${height}` }}>
      {boxes.map((box, i) => {
        const s = status.get(box.source);
        const swatch = sourceSwatch(engine.show.sources.find((x) => x.id === box.source), box.source);
        return (
          <div
            // A source may appear twice in a custom layout, so the index is part of the key.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            key={`${box.source}-${i}`}
            className={`layout-box${s && s.state !== 'live' ? ` layout-box-${s.state}` : ''}`}
            data-source={box.source}
            style={{
              left: `${box.x * 100}%`,
              top: `${box.y * 100}%`,
              width: `${box.width * 100}%`,
              height: `${box.height * 100}%`,
              zIndex: box.z + 1,
              background: swatch.fill,
              borderColor: swatch.edge,
            }}
          >
            {small ? null : <span className="layout-box-label">{s?.label ?? box.source}</span>}
            {!small && s && s.state !== 'live' ? <span className="layout-box-state">{s.state}</span> : null}
          </div>
        );
      })}
      {boxes.length === 0 && !small ? <div className="layout-empty">No sources in this layout</div> : null}
    </div>
  );
}

function presetName(layout: LayoutSpec): string {
  const names: Record<string, string> = { solo: 'Solo', sideBySide: 'Side by side', grid: 'Grid', spotlight: 'Spotlight', pip: 'Picture-in-picture', custom: 'Custom' };
  return names[layout.preset] ?? layout.preset;
}

function Monitor({ kind, layout, engine }: { kind: MonitorKind; layout: LayoutSpec; engine: EngineState }) {
  const transition = kind === 'program' ? engine.program.transition : undefined;
  return (
    <section className={`monitor monitor-${kind}`} aria-label={`${kind} monitor`} data-monitor={kind}>
      <header>
        <span className="monitor-title">{kind === 'program' ? 'PROGRAM' : 'PREVIEW'}</span>
        <span className="monitor-layout">{presetName(layout)}</span>
      </header>
      <div className="monitor-screen">
        <LayoutPicture layout={layout} engine={engine} />
        <MonitorVideo kind={kind} />
        {transition ? <div className="transition-progress" style={{ transform: `scaleX(${transition.progress})` }} /> : null}
      </div>
    </section>
  );
}

export function Monitors() {
  const engine = useCutline((s) => s.engine);
  const fadeMs = useCutline((s) => s.fadeMs);
  if (!engine) return <div className="monitors monitors-empty">Waiting for the engine…</div>;
  return (
    <div className="monitors">
      <Monitor kind="preview" layout={previewLayout(engine)} engine={engine} />
      <div className="take-controls">
        <button type="button" className="take-cut" onClick={() => void take('cut')} title="Preview to program at once">
          CUT
        </button>
        <button type="button" className="take-fade" onClick={() => void take('fade')} title="Preview to program with a fade (Space / Enter)">
          TAKE
        </button>
        <label className="fade-ms">
          <span>Fade ms</span>
          <input
            type="number"
            min={0}
            max={10000}
            step={100}
            value={fadeMs}
            onChange={(e) => setFadeMs(Number(e.target.value))}
            aria-label="Fade length in milliseconds"
          />
        </label>
      </div>
      <Monitor kind="program" layout={engine.show.layout} engine={engine} />
    </div>
  );
}
