/**
 * Studio mode: preview (green) and program (red) side by side, with Cut / Take between them.
 * Each monitor draws its layout as labelled boxes computed by the engine's own layout math; live
 * video goes over them when the engine sends it: program from `/whep/program` (MonitorVideo),
 * preview cut out of the monitor mosaic `/whep/monitors` (MosaicVideo). They show the program
 * chosen in the tabs above (ProgramTabs); the live video is main's, so another program's monitors
 * are its layout boxes at its own shape.
 */
import { useEffect, useMemo, useState } from 'react';
import type { EngineState, SourceStatus } from '../../../shared/protocol.ts';
import type { LayoutSpec } from '../../../shared/show.ts';
import { engineHttpBase, WhepMonitor } from '../client/WhepMonitor.ts';
import { mosaicPreviewRect } from '../../../shared/monitorMosaic.ts';
import { layoutBoxes } from '../layout/geometry.ts';
import { previewLayout, programLayout, query, setFadeMs, take } from '../store/actions.ts';
import { MAIN_PROGRAM_ID, selectedProgram, selectedProgramId } from '../store/programs.ts';
import { useCutline } from '../store/store.ts';
import { sourceSwatch } from './common.tsx';
import { MosaicVideo, programWhepOn, useMosaicStream } from './MosaicVideo.tsx';

export type MonitorKind = 'program' | 'preview';

/**
 * The hook for live monitor video. The program monitor plays the engine's WHEP program output
 * (`/whep/program`) when the show turns it on (`webrtc.programToken`) and the page can reach the
 * engine over HTTP (web mode). Otherwise there is no stream and the monitor shows its layout boxes
 * (see docs/UI.md). Preview comes from the monitor mosaic instead (useMosaicStream).
 */
export function useMonitorStream(kind: MonitorKind): MediaStream | null {
  // The state shows the token masked; its presence says the program WHEP output is on, and
  // `program.monitor` hands the real one to this (authorised) client.
  const enabled = useCutline((s) => kind === 'program' && Boolean(s.engine?.show.webrtc?.programToken));
  const [stream, setStream] = useState<MediaStream | null>(null);
  useEffect(() => {
    // Web mode: the page's own server. Desktop: the engine's loopback server, from program.monitor.
    const desktop = Boolean(window.cutline);
    const base = engineHttpBase(window.location, desktop);
    if (!enabled || (!base && !desktop) || typeof RTCPeerConnection === 'undefined') return;
    let monitor: WhepMonitor | undefined;
    let cancelled = false;
    query('program.monitor', {})
      .then((result) => {
        const { whepPath, token, baseUrl } = result;
        const origin = base ?? baseUrl;
        if (!cancelled && origin) monitor = new WhepMonitor(`${origin}${whepPath}`, token, setStream, undefined, false);
      })
      .catch(() => {});
    return () => {
      cancelled = true;
      monitor?.close({ leave: programWhepOn() });
    };
  }, [enabled]);
  return stream;
}

/** Live video over the placeholder, once a stream is there. */
export function MonitorVideo({ kind, stream }: { kind: MonitorKind; stream: MediaStream | null }) {
  if (!stream) return null;
  return (
    <video
      className="monitor-video"
      data-monitor-video={kind}
      autoPlay
      muted
      playsInline
      ref={(el) => {
        if (el && el.srcObject !== stream) el.srcObject = stream;
      }}
    />
  );
}

export function LayoutPicture({ layout, engine, small, size }: { layout: LayoutSpec; engine: EngineState; small?: boolean; size?: { width: number; height: number } }) {
  const { width, height } = size ?? engine.show.output;
  const boxes = useMemo(() => layoutBoxes(layout, width, height), [layout, width, height]);
  const status = new Map<string, SourceStatus>(engine.sources.map((s) => [s.id, s]));
  return (
    <div className="layout-picture" style={{ background: layout.background, aspectRatio: `${width} / ${height}`, ['--ar' as string]: width / height }}>
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
  const program = selectedProgram(engine);
  const isMain = program.id === MAIN_PROGRAM_ID;
  const transition = kind === 'program' && isMain ? engine.program.transition : undefined;
  const programStream = useMonitorStream(kind);
  const mosaic = useMosaicStream(kind === 'preview');
  // The engine's monitor video is main's: another program shows its boxes only.
  const stream = !isMain ? null : kind === 'program' ? programStream : mosaic;
  const { width, height } = program.output;
  const previewRect = useMemo(() => mosaicPreviewRect(width, height), [width, height]);
  return (
    <section className={`monitor monitor-${kind}`} aria-label={`${kind} monitor`} data-monitor={kind}>
      <header>
        <span className="monitor-title">
          {kind === 'program' ? 'PROGRAM' : 'PREVIEW'}
          {isMain ? '' : ` · ${program.name}`}
        </span>
        <span className="monitor-layout" title={stream ? 'Live video from the engine (WHEP)' : 'Layout drawn from the show; no video from the engine'}>
          {presetName(layout)}
          {stream ? ' · video' : ''}
        </span>
      </header>
      <div className="monitor-screen">
        <LayoutPicture layout={layout} engine={engine} size={program.output} />
        {kind === 'program' ? <MonitorVideo kind={kind} stream={stream} /> : <MosaicVideo name="preview" stream={stream} region={previewRect} />}
        {transition ? <div className="transition-progress" style={{ transform: `scaleX(${transition.progress})` }} /> : null}
      </div>
    </section>
  );
}

export function Monitors() {
  const engine = useCutline((s) => s.engine);
  const fadeMs = useCutline((s) => s.fadeMs);
  // The monitors show the program whose tab is open: re-render when another is chosen.
  useCutline(selectedProgramId);
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
      <Monitor kind="program" layout={programLayout(engine)} engine={engine} />
    </div>
  );
}
